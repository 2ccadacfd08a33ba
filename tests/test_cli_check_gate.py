"""`adfgen check` as a CI gate: whole factories fail on dangling references, and a missing schema fails visibly."""

from __future__ import annotations

import json

import pytest

from adfgen.cli import main
from tests.check_support import CLEAN_LINKED, offline_without_schema, write_factory

DANGLING = {  # what ADF Studio refuses to publish: a dataset on a missing linked service, a trigger of a missing pipeline
    "linkedService/ls_rest": CLEAN_LINKED,
    "dataset/ds_rest": {"type": "RestResource",
                        "linkedServiceName": {"referenceName": "ls_missing", "type": "LinkedServiceReference"}},
    "trigger/tr_daily": {"type": "ScheduleTrigger", "typeProperties": {
        "recurrence": {"frequency": "Day", "interval": 1, "startTime": "2026-01-01T00:00:00Z"}},
        "pipelines": [{"pipelineReference": {"referenceName": "pl_missing", "type": "PipelineReference"}}]},
}


def _git_root(tmp_path, whole: bool):
    root = write_factory(tmp_path / "adf", DANGLING)
    if whole:  # ADF Studio's Git integration writes the factory's own JSON here
        (root / "factory").mkdir()
        (root / "factory" / "adf-x.json").write_text(json.dumps({"name": "adf-x", "location": "westeurope"}))
    return root


def _check(capsys, *args):
    code = main(["check", "--no-schema", "-o", "json", *map(str, args)])
    return code, json.loads(capsys.readouterr().out)


def _missing(report):
    return sorted((f["severity"], f["message"]) for f in report["findings"] if f["code"] == "RF007")


def test_a_git_integration_root_is_a_whole_factory_so_dangling_references_are_errors(tmp_path, capsys):
    code, report = _check(capsys, _git_root(tmp_path, whole=True))
    assert code == 1
    assert _missing(report) == [("error", "linkedService 'ls_missing' is not in this factory"),
                                ("error", "pipeline 'pl_missing' is not in this factory")]


def test_partial_opts_out(tmp_path, capsys):
    code, report = _check(capsys, _git_root(tmp_path, whole=True), "--partial")
    assert code == 0
    assert [s for s, _ in _missing(report)] == ["warning", "warning"]


@pytest.mark.parametrize("flags, severity, exit_code", [((), "warning", 0), (("--complete",), "error", 1)])
def test_a_folder_without_factory_json_is_a_subset_unless_complete(tmp_path, capsys, flags, severity, exit_code):
    code, report = _check(capsys, _git_root(tmp_path, whole=False), *flags)
    assert code == exit_code
    assert [s for s, _ in _missing(report)] == [severity, severity]


def test_partial_and_complete_together_are_a_usage_error(tmp_path, capsys):
    assert main(["check", "--partial", "--complete", str(_git_root(tmp_path, whole=True))]) == 2
    assert "--partial" in capsys.readouterr().err


@pytest.fixture()
def no_schema_reachable(tmp_path, monkeypatch):
    """A clean factory folder on a fresh machine offline (no schema reachable)."""
    with offline_without_schema(tmp_path, monkeypatch) as folder:
        yield folder


def _run(capsys, folder, output, *flags):
    code = main(["check", str(folder), "--output", output, *flags])
    out, err = capsys.readouterr()
    return code, out, err


def test_without_the_schema_every_format_says_so_and_the_gate_fails(no_schema_reachable, capsys):
    folder = no_schema_reachable
    code, out, err = _run(capsys, folder, "human")
    assert code == 1 and "no ADF schema" in err and "--no-schema" in err
    code, out, _ = _run(capsys, folder, "json")
    assert code == 1 and "no ADF schema" in json.loads(out)["notices"][0]
    code, out, _ = _run(capsys, folder, "github")
    assert code == 1 and out.startswith("::error title=adfgen check::no ADF schema")
    code, out, _ = _run(capsys, folder, "sarif")
    (invocation,) = json.loads(out)["runs"][0]["invocations"]
    assert code == 1 and invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["level"] == "error"
    assert "no ADF schema" in invocation["toolExecutionNotifications"][0]["message"]["text"]


@pytest.mark.parametrize("output", ["human", "json", "github", "sarif"])
def test_no_schema_accepts_checking_without_it(no_schema_reachable, capsys, output):
    code, out, err = _run(capsys, no_schema_reachable, output, "--no-schema")
    assert code == 0 and "no ADF schema" not in out + err
