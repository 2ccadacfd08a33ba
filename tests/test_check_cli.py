"""`adfgen check` end to end through the CLI: exit codes, output formats, --ignore, suppression, bad input."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from adfgen.cli import main
from tests.check_support import REPO, SCHEMA_DIR, write_factory

WAIT = {"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}}
CLEAN = {"pipeline/pl_clean": {"activities": [WAIT]}}
BROKEN = {
    "pipeline/pl_broken": {"activities": [
        {"name": "Call", "type": "WebActivity", "typeProperties": {"method": "GET"}},
        {"name": "Use", "type": "SetVariable", "typeProperties": {
            "variableName": "v", "value": {"value": "@concat(activity('Call').output", "type": "Expression"}}}]},
    "pipeline/pl_warn": {"parameters": {"ApiToken": {"type": "String"}}, "activities": [
        {"name": "Call", "type": "WebActivity", "typeProperties": {  # SE005 judges by use: a credential header
            "method": "GET", "url": "https://api.example.com/items",
            "headers": {"Authorization": {"value": "@concat('Bearer ', pipeline().parameters.ApiToken)",
                                          "type": "Expression"}}}}]},
}


def run(args, capsys):
    code = main(["check", "--schema-dir", str(SCHEMA_DIR), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_folder_exits_0(tmp_path, capsys):
    code, out, _ = run([str(write_factory(tmp_path / "adf", CLEAN))], capsys)
    assert code == 0
    # no "in 0 files": that counted files with findings and read as if nothing was checked
    assert out.splitlines()[-1] == "0 errors, 0 warnings; 1 resource in 1 factory folder checked"


def test_summary_names_the_files_with_findings_and_all_files_checked(tmp_path, capsys):
    factory = write_factory(tmp_path / "adf", {**BROKEN, **CLEAN})
    code, out, _ = run([str(factory)], capsys)
    doc = json.loads(run([str(factory), "--output", "json"], capsys)[1])
    counts = doc["summary"]
    files = {f["file"] for f in doc["findings"]}
    assert counts["files_with_findings"] == len(files) == 2 and counts["resources"] == 3  # pl_clean has none
    assert out.splitlines()[-1] == (f"{counts['errors']} errors, 1 warning in 2 files; "
                                    "3 resources in 1 factory folder checked")


def test_errors_exit_1_and_are_grouped_by_file(tmp_path, capsys):
    code, out, _ = run([str(write_factory(tmp_path / "adf", BROKEN))], capsys)
    assert code == 1
    lines = out.splitlines()
    broken = next(i for i, line in enumerate(lines) if line.endswith("pipeline/pl_broken.json"))
    assert "SC002" in lines[broken + 1] or "SC002" in out
    assert "'url' is a required property" in out
    assert 'activities[0] (WebActivity "Call").typeProperties' in out
    assert "EX001" in out and "column" in out
    assert "\x1b[" not in out  # no colour when not a terminal


def test_warnings_alone_exit_0(tmp_path, capsys):
    code, out, _ = run([str(write_factory(tmp_path / "adf", {"pipeline/pl_warn": BROKEN["pipeline/pl_warn"]}))], capsys)
    assert code == 0 and "SE005" in out


def test_json_output(tmp_path, capsys):
    code, out, _ = run([str(write_factory(tmp_path / "adf", BROKEN)), "--output", "json"], capsys)
    doc = json.loads(out)
    assert code == 1
    assert doc["summary"]["errors"] == sum(1 for f in doc["findings"] if f["severity"] == "error") > 0
    codes = {f["code"] for f in doc["findings"]}
    assert {"SC002", "EX001", "SE005"} <= codes
    first = next(f for f in doc["findings"] if f["code"] == "EX001")
    assert first["column"] > 0 and first["line"] > 1 and first["resource"] == "pipeline pl_broken"


def test_github_output(tmp_path, capsys):
    _, out, _ = run([str(write_factory(tmp_path / "adf", BROKEN)), "-o", "github"], capsys)
    lines = out.splitlines()
    assert lines and all(line.startswith(("::error file=", "::warning file=")) for line in lines)
    assert any(",title=SC002::" in line and ",line=" in line for line in lines)
    assert any(line.startswith("::warning") and "title=SE005" in line for line in lines)


def test_sarif_output(tmp_path, capsys):
    _, out, _ = run([str(write_factory(tmp_path / "adf", BROKEN)), "--output", "sarif"], capsys)
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert "SC002" in ids and "RL005" in ids
    results = log["runs"][0]["results"]
    assert results and all(r["ruleId"] == ids[r["ruleIndex"]] for r in results)
    assert {r["level"] for r in results} == {"error", "warning"}
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith(".json") and location["region"]["startLine"] >= 1


def test_ignore_and_annotation_suppression(tmp_path, capsys):
    folder = write_factory(tmp_path / "adf", BROKEN)
    code, out, _ = run([str(folder), "--ignore", "SC002", "--ignore", "EX001,SE005", "-o", "json"], capsys)
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert not codes & {"SC002", "EX001", "SE005"}
    suppressed = dict(BROKEN)
    suppressed["pipeline/pl_warn"] = dict(BROKEN["pipeline/pl_warn"], annotations=["adfgen:ignore=SE005"])
    code, out, _ = run([str(write_factory(tmp_path / "adf2", suppressed)), "-o", "json"], capsys)
    assert "SE005" not in {f["code"] for f in json.loads(out)["findings"]}


@pytest.mark.parametrize("args,message", [
    (["/nonexistent/adf"], "no such file"),
    (["--ignore", "XX999", "."], "unknown rule code"),
    (["--output", "xml", "."], "xml"),
])
def test_usage_errors_exit_2(args, message, capsys):
    code, out, err = run(args, capsys)
    assert code == 2
    assert message in (out + err)


def test_list_rules(capsys):
    code, out, _ = run(["--list-rules"], capsys)
    assert code == 0
    assert len(out.splitlines()) >= 30 and "SE003" in out and "unsecured-secret-consumer" in out


def test_missing_schema_is_a_notice_and_other_rules_still_run(tmp_path, capsys, monkeypatch):
    from adfgen.check import schema

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ADFGEN_SCHEMA_DIR", raising=False)
    monkeypatch.setattr(schema, "SOURCES", {n: "http://127.0.0.1:9/none.json" for n in schema.FILES})
    schema._load.cache_clear()
    code = main(["check", str(write_factory(tmp_path / "adf", BROKEN))])
    out, err = capsys.readouterr()
    schema._load.cache_clear()
    assert code == 1
    assert "error: no ADF schema" in err and len(err.strip().splitlines()) == 1
    assert "EX001" in out and "SC002" not in out


GARBAGE = [
    b'{"name": "pl", "properties": {"activities": [',  # truncated
    b"[1, 2, 3]",
    b'{"name": 5, "properties": []}',
    b'{"name": "pl", "properties": {"activities": {"a": 1}, "parameters": [1], "variables": "x"}}',
    b'{"name": "pl", "properties": {"activities": [1, "x", null, {"name": 3}, {"name": "a", "type": 7, '
    b'"dependsOn": "x", "typeProperties": [], "policy": 5}]}}',
    bytes(range(256)),
    b"\xef\xbb\xbf" + b'{"name": "pl", "properties": {"activities": []}}',  # BOM
    b'{"name": "pl", "properties": {"activities": [' + b"[" * 5000 + b"]" * 5000 + b"]}}",
    b'{"name": "pl", "properties": {"activities": [{"name": "x", "type": "SetVariable", "typeProperties": '
    b'{"variableName": "v", "value": "@' + b"concat(" * 3000 + b'"}}]}}',
]


@pytest.mark.parametrize("data", GARBAGE, ids=range(len(GARBAGE)))
@pytest.mark.parametrize("kind", ["pipeline", "dataset", "linkedService", "trigger"])
def test_garbage_never_tracebacks(tmp_path, capsys, data, kind):
    (tmp_path / kind).mkdir()
    (tmp_path / kind / "pl.json").write_bytes(data)
    code, out, err = run([str(tmp_path), "-o", "json"], capsys)
    doc = json.loads(out)
    assert code in (0, 1)
    assert "Traceback" not in out + err
    assert not [f for f in doc["findings"] if "internal error" in f["message"]]


def test_random_mutations_never_traceback(tmp_path, capsys):
    rng = random.Random(1234)
    base = {"activities": [
        {"name": "Get", "type": "WebActivity", "policy": {"secureOutput": True},
         "typeProperties": {"method": "GET", "url": "https://kv.vault.azure.net/secrets/x?api-version=7.4",
                            "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}},
        {"name": "Each", "type": "ForEach", "dependsOn": [{"activity": "Get", "dependencyConditions": ["Succeeded"]}],
         "typeProperties": {"items": {"value": "@createArray(1)", "type": "Expression"}, "activities": [
             {"name": "Copy", "type": "Copy", "inputs": [{"referenceName": "ds", "type": "DatasetReference"}],
              "typeProperties": {"source": {"type": "RestSource", "paginationRules": {"AbsoluteUrl": "$.next"}},
                                 "sink": {"type": "JsonSink"}}}]}}]}
    junk = [None, 1, -1, 2.5, True, "", "@", "@{", "[x]", [], {}, [None], {"type": 1}, "@activity('Get').output"]

    def mutate(node):
        if isinstance(node, dict) and node:
            key = rng.choice(list(node))
            if rng.random() < 0.4:
                node[key] = rng.choice(junk)
            else:
                mutate(node[key])
        elif isinstance(node, list) and node:
            index = rng.randrange(len(node))
            if rng.random() < 0.4:
                node[index] = rng.choice(junk)
            else:
                mutate(node[index])

    for i in range(40):
        doc = json.loads(json.dumps(base))
        for _ in range(rng.randint(1, 4)):
            mutate(doc)
        write_factory(tmp_path / f"f{i}", {"pipeline/pl": doc})
    code, out, err = run([str(tmp_path), "-o", "json"], capsys)
    assert code in (0, 1)
    assert not [f for f in json.loads(out)["findings"] if "internal error" in f["message"]]


def test_console_script_entry_point(tmp_path):
    """The real process: a subprocess prints no traceback and exits 1 on a truncated file."""
    (tmp_path / "pipeline").mkdir()
    (tmp_path / "pipeline" / "x.json").write_text('{"name": "x", "properties": {', encoding="utf-8")
    env = dict(os.environ, ADFGEN_SCHEMA_DIR=str(SCHEMA_DIR), PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "adfgen.cli", "check", str(tmp_path)], capture_output=True,
                          text=True, env=env, timeout=120, cwd=str(tmp_path))
    assert proc.returncode == 1, proc.stderr
    assert "SC001" in proc.stdout and "invalid JSON" in proc.stdout and "Traceback" not in proc.stderr


def test_no_schema_skips_only_the_schema_rules(tmp_path, capsys):
    code, out, err = run([str(write_factory(tmp_path / "adf", BROKEN)), "--no-schema", "-o", "json"], capsys)
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert code == 1 and "SC002" not in codes and "EX001" in codes and err == ""


def test_a_spec_file_is_checked_through_its_build(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = (REPO / "specs" / "xero.yaml").read_text()
    (tmp_path / "good.yaml").write_text(spec)
    code, out = run(["good.yaml", "--output", "json", "--ignore", "SP003"], capsys)[:2]
    report = json.loads(out)
    assert code == 0
    # checked the builds of the base config and both environments; out/ was never written here
    assert [(f["code"], f["file"]) for f in report["findings"]] == [
        ("SP002", str(Path("out") / name)) for name in ("adf-xero-dev", "adf-xero-prod", "adf-xero-test")]
    (tmp_path / "bad.yaml").write_text(spec.replace("kind: page_number", "kind: pages", 1))
    code, out = run(["bad.yaml", "--output", "json"], capsys)[:2]
    findings = json.loads(out)["findings"]
    assert code == 1
    assert [(f["code"], f["file"]) for f in findings] == [("SP001", "bad.yaml")]
    assert "unknown pagination kind 'pages'" in findings[0]["message"]


# ---------------------------------------------------------------- review fixes: empty paths, columns, ARM copies

@pytest.mark.parametrize("content", [{}, {"notes/readme.json": '{"a": 1}', "other.yaml": "factory: x\n"}],
                         ids=["empty", "unrelated-files"])
def test_a_path_with_nothing_to_check_is_a_usage_error(tmp_path, capsys, content):
    for rel, text in content.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    code, _, err = run([str(tmp_path)], capsys)
    assert code == 2
    assert f"{tmp_path}: nothing to check" in err and "spec file" in err


def test_a_folder_of_specs_is_checked_as_specs(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "api-specs").mkdir()
    spec = (REPO / "specs" / "xero.yaml").read_text()
    (tmp_path / "api-specs" / "xero.yml").write_text(spec.replace("kind: page_number", "kind: pages", 1))
    (tmp_path / "api-specs" / "unrelated.yaml").write_text("name: not a spec\n")
    code, out, _ = run(["api-specs", "-o", "json"], capsys)
    findings = json.loads(out)["findings"]
    assert code == 1
    assert [(f["code"], f["file"]) for f in findings] == [("SP001", str(Path("api-specs") / "xero.yml"))]


def test_github_and_sarif_carry_the_file_column_not_the_expression_column(tmp_path, capsys):
    folder = write_factory(tmp_path / "adf", BROKEN)
    _, out, _ = run([str(folder), "-o", "json"], capsys)
    ex001 = next(f for f in json.loads(out)["findings"] if f["code"] == "EX001")
    assert ex001["column"] > 0 and ex001["expression_column"] > 0  # in the file; inside the expression string
    _, out, _ = run([str(folder), "-o", "github"], capsys)
    line = next(line for line in out.splitlines() if "title=EX001" in line)
    assert f",line={ex001['line']},col={ex001['column']}," in line
    _, out, _ = run([str(folder), "-o", "sarif"], capsys)
    results = json.loads(out)["runs"][0]["results"]
    ex_result = next(r for r in results if r["ruleId"] == "EX001")
    region = ex_result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (ex001["line"], ex001["column"])
    # the region ends just past the value's last character (json's own decoder finds where the value ends)
    text = Path(ex001["file"]).read_text(encoding="utf-8")
    start = sum(len(line) + 1 for line in text.split("\n")[:ex001["line"] - 1]) + ex001["column"] - 1
    end = json.JSONDecoder().raw_decode(text, start)[1]
    assert (region["endLine"], region["endColumn"]) == (text.count("\n", 0, end) + 1, end - text.rfind("\n", 0, end))
    assert ex_result["properties"] == {"pointer": ex001["pointer"], "expressionColumn": ex001["expression_column"]}


def test_adfgen_output_folder_is_one_factory_not_two(tmp_path, capsys):
    """out/<factory>/ holds the Git layout and arm/ARMTemplateForFactory.json: each finding is reported once."""
    from adfgen.build import build_factories, write_outputs

    (xero,) = build_factories([REPO / "specs" / "xero.yaml"])  # the sample (specs/catalog holds other factories)
    write_outputs([xero], tmp_path / "out")
    folder = tmp_path / "out" / xero.name
    refresh = folder / "pipeline" / "pl_xero_refresh.json"
    doc = json.loads(refresh.read_text())
    del doc["properties"]["concurrency"]
    refresh.write_text(json.dumps(doc, indent=4))
    arm_file = folder / "arm" / "ARMTemplateForFactory.json"
    arm = json.loads(arm_file.read_text())
    for resource in arm["resources"]:
        if "pl_xero_refresh" in resource["name"]:
            del resource["properties"]["concurrency"]
    arm_file.write_text(json.dumps(arm, indent=4))
    code, out, _ = run([str(folder), "-o", "json"], capsys)
    doc = json.loads(out)
    assert code == 1 and doc["summary"]["factories"] == 1
    assert [(f["code"], f["file"].endswith("pl_xero_refresh.json")) for f in doc["findings"]] == [("RL002", True)]
    code, out, _ = run([str(arm_file), "-o", "json"], capsys)  # the ARM copy on its own is still checked
    assert [(f["code"], f["file"]) for f in json.loads(out)["findings"]] == [("RL002", str(arm_file))]
