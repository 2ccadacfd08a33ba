"""Hostile ADF folders for `adfgen check` (issue 14, item 2): findings, never a crash, a hang or a flood."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from adfgen.check import engine, sources
from tests.robustness.strategies import adf_pipeline_files
from tests.robustness.support import run_cli

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])
OUTPUTS = ["human", "json", "github", "sarif"]


def check(path: Path, *args: str, timeout: float = 30) -> tuple[int, str, str]:
    """`adfgen check PATH --no-schema` in-process, failing the test if it does not answer in time."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(run_cli(["check", str(path), "--no-schema", *args])),
                              daemon=True)
    worker.start()
    worker.join(timeout)
    assert result, "check hung"
    return result[0]


def pipeline_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "adf" / "pipeline").mkdir(parents=True)
    for stem, text in files.items():
        (tmp_path / "adf" / "pipeline" / f"{stem}.json").write_text(text, encoding="utf-8")
    return tmp_path / "adf"


def test_an_integer_over_python_s_digit_limit_is_a_finding(tmp_path):
    folder = pipeline_folder(tmp_path, {"pl_a": '{"name": "pl_a", "properties": {"x": ' + "9" * 5000 + "}}"})
    code, out, err = check(folder)
    assert code == 1 and "an integer has 5,000 digits; at most 4,300 can be read" in out, err


@pytest.mark.parametrize("kind", ["symlink loop", "fifo", "/dev/zero", "directory"])
def test_files_that_are_not_regular_are_findings(tmp_path, kind):
    folder = pipeline_folder(tmp_path, {"pl_ok": '{"name": "pl_ok", "properties": {"activities": []}}'})
    target = folder / "pipeline" / "pl_bad.json"
    if kind == "symlink loop":
        os.symlink(target, target)
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "/dev/zero":
        os.symlink("/dev/zero", target)
    else:
        target.mkdir()
    code, out, err = check(folder)
    assert code == 1 and "pl_bad.json" in out and "Traceback" not in err and "internal error" not in err, out + err
    assert ("Too many levels of symbolic links" in out) if kind == "symlink loop" else ("not a regular file" in out)


@pytest.mark.parametrize("output", OUTPUTS)
def test_lone_surrogates_are_written_escaped(tmp_path, output):
    document = {"name": "pl_\ud800", "properties": {"activities": [
        {"name": "w\udc00", "type": "Wait", "typeProperties": {"waitTimeInSeconds": "@foo(\ud800"}}]}}
    folder = pipeline_folder(tmp_path, {"pl_s": json.dumps(document)})
    code, out, err = check(folder, "-o", output)
    assert code == 1 and "internal error" not in err, err
    assert "\\ud800" in out
    if output in ("json", "sarif"):
        json.loads(out)


def test_repeated_findings_are_folded_with_their_count(tmp_path):
    repeats = engine.MAX_REPEATS * 7 + 3
    activities = [{"name": f"w{i}", "type": "Wait", "typeProperties": {"waitTimeInSeconds": "@foo("}}
                  for i in range(repeats)]
    folder = pipeline_folder(tmp_path, {"pl_c": json.dumps({"name": "pl_c", "properties": {"activities": activities}})})
    code, out, _ = check(folder, "-o", "json")
    findings = [f for f in json.loads(out)["findings"] if f["code"] == "EX001"]
    assert len(findings) == engine.MAX_REPEATS + 1
    folded = [f for f in findings if "folded" in f["message"]]
    assert len(folded) == 1 and folded[0]["severity"] == "error" and code == 1
    assert folded[0]["message"].startswith(f"{repeats - engine.MAX_REPEATS} more EX001 findings")


def test_files_over_the_size_limit_are_findings_not_skipped(tmp_path, monkeypatch):
    """Inside a factory folder and loose in a folder (where it may be an ARM template): both are said."""
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 1000)
    big = json.dumps({"name": "pl_big", "properties": {"activities": [], "description": "x" * 2000}})
    pipeline_folder(tmp_path, {"pl_big": big})
    (tmp_path / "loose.json").write_text(big)
    code, out, err = check(tmp_path)
    assert "pipeline/pl_big.json" in out and "loose.json" in out, out + err
    assert out.count("file larger than") == 2


@FAST
@given(file=adf_pipeline_files())
def test_any_pipeline_file_gives_findings_never_a_crash(tmp_path_factory, file):
    stem, text = file
    folder = pipeline_folder(tmp_path_factory.mktemp("c"), {stem: text})
    code, out, err = check(folder, "-o", "json")
    assert code in (0, 1) and "internal error" not in err and "Traceback" not in err, err
    findings = json.loads(out)["findings"]
    assert not [f for f in findings if "internal error" in f["message"]]
    per_rule: dict = {}
    for finding in findings:
        key = (finding["resource"], finding["code"])
        per_rule[key] = per_rule.get(key, 0) + 1
    assert max(per_rule.values(), default=0) <= engine.MAX_REPEATS + 1


def test_a_folder_of_yaml_fifos_and_devices_answers(tmp_path):
    """Looking for spec files must not open a FIFO for reading or read /dev/zero to the end."""
    os.mkfifo(tmp_path / "a.yaml")
    os.symlink("/dev/zero", tmp_path / "b.yaml")
    code, _, err = check(tmp_path)
    assert code == 2 and "nothing to check" in err
