"""The evidence table and docs/run.md, secure values and secret scrubbing, the report and the CLI's exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from adfgen.local import evidence
from adfgen.local.clock import Clock
from adfgen.local.report import render_human, summary
from adfgen.local.transport import Transport
from adfgen.local.vault import LocalVault
from tests.test_run_engine_support import Server, act, fail, json_reply, make_runtime, ok, write_factory

REPO = Path(__file__).resolve().parents[1]


def test_docs_match_the_evidence_and_limits_tables():
    text = (REPO / "docs" / "run.md").read_text(encoding="utf-8")
    assert text == evidence.render_doc(text), "regenerate with: python -m adfgen.local.evidence docs/run.md"


def test_every_relied_key_is_a_table_row_and_every_row_is_used():
    sources = "".join(p.read_text() for p in (REPO / "adfgen" / "local").rglob("*.py"))
    used = set(re.findall(r"""(?:rely|relied\.use)\(\s*"([a-z0-9_.]+)"\s*\)""", sources))
    assert used <= set(evidence.BY_KEY), used - set(evidence.BY_KEY)
    assert set(evidence.BY_KEY) - used == set(), "rows no code relies on"
    for row in evidence.BEHAVIOURS:
        assert row.status in (evidence.DOCUMENTED, evidence.OBSERVED, evidence.ASSUMED)
        if row.status == evidence.DOCUMENTED:
            assert row.source.startswith("https://learn.microsoft.com/")


def _vault_factory(tmp_path: Path, server_url: str) -> Path:
    read = act("Get Token", "WebActivity", {"method": "GET", "url": "https://kv.vault.azure.net/secrets/tok?api-version=7.4",
                                            "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}},
               policy={"secureOutput": True})
    copy_to_variable = act("Leak", "SetVariable", {"variableName": "v", "value": "@activity('Get Token').output.value"},
                           {"Get Token": ["Succeeded"]})
    send = act("Call", "WebActivity", {"method": "GET", "url": server_url,
                                       "headers": {"Authorization": "@concat('Bearer ', activity('Get Token').output.value)"}},
               {"Get Token": ["Succeeded"]})
    save = act("Save", "WebActivity", {"method": "PUT", "url": "https://kv.vault.azure.net/secrets/tok?api-version=7.4",
                                       "body": {"value": "rotated-token-value-2"},
                                       "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}},
               {"Call": ["Succeeded"]}, policy={"secureInput": True, "secureOutput": True})
    return write_factory(tmp_path, {"p": {"parameters": {"pw": {"type": "SecureString", "defaultValue": "hunter22"}},
                                          "variables": {"v": {"type": "String"}},
                                          "activities": [read, copy_to_variable, send, save]}})


def test_secure_values_are_masked_and_secrets_never_printed(tmp_path):
    vault_file = tmp_path / "secrets.yaml"
    vault_file.write_text(yaml.safe_dump({"tok": "super-secret-token-1"}))
    with Server(lambda m, p, h, b: json_reply({"seen": h.get("Authorization")})) as server:
        root = _vault_factory(tmp_path, server.url)
        runtime = make_runtime(root, transport=Transport(vault=LocalVault(vault_file, Clock())))
        result = runtime.run("p")
        assert result.status == "Succeeded", result.error
        assert result.variables["v"] == "super-secret-token-1"  # the run itself sees the value
        document = summary(runtime, result, payloads=True)
        text = json.dumps(document) + render_human(document)
        for secret in ("super-secret-token-1", "rotated-token-value-2", "hunter22"):
            assert secret not in text
        rows = {row["activity"]: row for row in document["activityRuns"]}
        assert rows["Get Token"]["output"] == "(secure)"
        assert rows["Save"]["input"] == "(secure)"
        assert rows["Leak"]["output"]["value"] == "***"  # copied into a plain variable: still scrubbed
        assert rows["Call"]["output"]["seen"] == "***"
        assert document["pipelineRuns"][0]["parameters"]["pw"] == "**********"
        assert document["tokensRotated"] == {"tok": 1}
        assert yaml.safe_load(vault_file.read_text())["tok"]["value"] == "rotated-token-value-2"


def test_summary_lists_activities_hosts_and_assumed_behaviours(tmp_path):
    with Server(lambda m, p, h, b: (201, {}, b"")) as server:
        root = write_factory(tmp_path, {"p": [act("Web", "WebActivity", {"method": "PUT", "url": server.url, "body": "x"}),
                                              fail("F", {"Web": ["Succeeded"]}, message="stop here")]})
        runtime = make_runtime(root)
        result = runtime.run("p")
        document = summary(runtime, result)
        assert document["status"] == "Failed"
        assert document["failedActivity"]["activity"] == "F"
        assert document["httpRequests"] == {"127.0.0.1": {"201": 1}}
        assert [b["key"] for b in document["assumedBehaviours"]] == ["web.empty"]
        text = render_human(document)
        assert "notice: this run relied on behaviours no ADF source confirms" in text
        assert "outcome: p failed: activity 'F' (p) failed: stop here" in text


def test_failed_activity_is_found_through_execute_pipeline_and_foreach(tmp_path):
    child = [act("Loop", "ForEach", {"items": "@range(0, 2)", "activities": [fail("Deep", message="inner @{item()}")]})]
    root = write_factory(tmp_path, {"p": [act("Call", "ExecutePipeline", {"pipeline": {"referenceName": "c"},
                                                                         "waitOnCompletion": True})], "c": child})
    runtime = make_runtime(root)
    document = summary(runtime, runtime.run("p"))
    assert document["failedActivity"]["activity"] == "Deep"
    assert document["failedActivity"]["pipeline"] == "c"


class Outcome:
    """What `adfgen run ...` printed and returned, through the real entry point (adfgen.cli.main)."""

    def __init__(self, args: tuple[str, ...]):
        import contextlib
        import io

        from adfgen.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            self.exit_code = main(["run", *args])
        self.stdout, self.output = out.getvalue(), out.getvalue() + err.getvalue()


def invoke(*args: str) -> Outcome:
    return Outcome(args)


def test_cli_exit_codes_and_json(tmp_path):
    root = write_factory(tmp_path, {"good": {"parameters": {"n": {"type": "Int"}}, "activities": [ok("A")]},
                                    "bad": [fail("Broken", message="it is broken")]})
    result = invoke("good", "--folder", str(root), "--param", "n=3", "--output", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pipelineRuns"][0]["parameters"] == {"n": 3}
    result = invoke("bad", "--folder", str(root))
    assert result.exit_code == 1
    assert "activity 'Broken' (bad) failed: it is broken" in result.output
    for args, message in ((["nope", "--folder", str(root)], "no pipeline named 'nope'"),
                          (["good", "--folder", str(root)], "needs a value for parameter 'n'"),
                          (["good", "--folder", str(root), "--param", "n=x"], "'n' is Int"),
                          (["good", "--folder", str(root), "--param", "novalue"], "expected K=V"),
                          (["good", "--folder", str(root), "--env", "prod"], "not both"),
                          (["good", "--folder", str(root), "--redirect", "x"], "expected FROM=TO"),
                          (["good", "--folder", str(tmp_path / "missing")], "not an ADF Git folder"),
                          (["good", "--folder", str(root), "--time-scale", "0"], "positive")):
        outcome = invoke(*args)
        assert outcome.exit_code == 2, (args, outcome.output)
        assert message in outcome.output
        assert "Traceback" not in outcome.output


def test_cli_never_shows_a_traceback_for_a_broken_folder(tmp_path):
    root = write_factory(tmp_path, {"p": [ok("A")]})
    (root / "pipeline" / "broken.json").write_text("{not json")
    from adfgen.cli import main

    import contextlib
    import io

    stream = io.StringIO()
    with contextlib.redirect_stderr(stream), contextlib.redirect_stdout(stream):
        code = main(["run", "p", "--folder", str(root)])
    assert code == 2
    assert "Traceback" not in stream.getvalue() and "invalid JSON" in stream.getvalue()


def test_live_progress_on_a_terminal_scrubs_secrets(tmp_path):
    import io

    from rich.console import Console

    from adfgen.local.masking import Secrets
    from adfgen.local.report import Progress

    secrets = Secrets()
    secrets.add("tok-abcdef")
    progress = Progress(True, secrets)
    buffer = io.StringIO()
    progress._console = Console(file=buffer, force_terminal=True, width=200)
    root = write_factory(tmp_path, {"p": [act("Set", "SetVariable", {"variableName": "v", "value": "tok-abcdef"}),
                                          fail("F", message="failed with tok-abcdef")]})
    (root / "pipeline" / "p.json").write_text((root / "pipeline" / "p.json").read_text().replace(
        '"activities"', '"variables": {"v": {"type": "String"}}, "activities"'))
    runtime = make_runtime(root)
    runtime.listener = progress
    with progress:
        runtime.run("p")
    shown = buffer.getvalue()
    assert "p/Set" in shown and "p/F" in shown and "Failed" in shown
    assert "failed with ***" in shown and "tok-abcdef" not in shown


def test_progress_is_quiet_when_not_a_terminal():
    from adfgen.local.report import Progress

    progress = Progress(False)
    with progress:
        progress("activity-end", object())
    assert progress._console is None


def test_a_broken_vault_file_fails_the_activity_not_the_runtime(tmp_path):
    vault_file = tmp_path / "secrets.yaml"
    vault_file.write_text("- just\n- a list\n")
    root = write_factory(tmp_path, {"p": [act("Get", "WebActivity", {"method": "GET",
                                                                    "url": "https://kv.vault.azure.net/secrets/x?api-version=7.4",
                                                                    "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}})]})
    runtime = make_runtime(root, transport=Transport(vault=LocalVault(vault_file, Clock())))
    result = runtime.run("p")
    error = result.activity_runs[0].error
    assert result.status == "Failed"
    assert error["errorCode"] != "InternalError" and "Traceback" not in error["message"]


def test_a_secure_activity_error_is_shown_with_secrets_scrubbed(tmp_path):
    vault_file = tmp_path / "secrets.yaml"
    vault_file.write_text(yaml.safe_dump({"tok": "super-secret-token-9"}))
    with Server(lambda m, p, h, b: json_reply({"error": "bad token " + h.get("Authorization", "")}, 401)) as server:
        read = act("Get Token", "WebActivity", {"method": "GET", "url": "https://kv.vault.azure.net/secrets/tok?api-version=7.4",
                                                "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}},
                   policy={"secureOutput": True})
        call = act("Call", "WebActivity", {"method": "GET", "url": server.url,
                                           "headers": {"Authorization": "@activity('Get Token').output.value"}},
                   {"Get Token": ["Succeeded"]}, policy={"secureInput": True, "secureOutput": True})
        root = write_factory(tmp_path, {"p": [read, call]})
        runtime = make_runtime(root, transport=Transport(vault=LocalVault(vault_file, Clock())))
        document = summary(runtime, runtime.run("p"))
        failed = document["failedActivity"]
        assert failed["activity"] == "Call" and "401" in failed["error"]["message"]
        assert "bad token ***" in failed["error"]["message"]
        assert "super-secret-token-9" not in json.dumps(document)
        assert "secure.errors" in [b["key"] for b in document["assumedBehaviours"]]
