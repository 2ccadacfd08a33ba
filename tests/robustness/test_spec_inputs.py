"""Hostile specs (issue 14, item 1): every one is `file:line: field.path: message`, exit 1, out/ untouched."""

from __future__ import annotations

import os
import resource
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from adfgen.spec.yaml_source import MAX_EXPANDED_NODES
from tests.robustness.strategies import XERO_TEXT, mutated_specs, yaml_documents
from tests.robustness.support import run_cli, spec_error_faults, tree

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


def build_refused(tmp_path: Path, text: str, name: str = "spec.yaml") -> str:
    """Build `text` into an out/ that already holds a file; assert the refusal's shape and that out/ is unchanged."""
    spec = tmp_path / name
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    (out / "keep").mkdir(parents=True, exist_ok=True)
    (out / "keep" / "file.json").write_text("{}")
    before = tree(out)
    code, _, stderr = run_cli(["build", str(spec), "--out", str(out)])
    assert spec_error_faults(code, stderr) == [], stderr
    assert tree(out) == before
    return stderr


def xero_with(old: str, new: str) -> str:
    assert old in XERO_TEXT, old
    return XERO_TEXT.replace(old, new, 1)


NAMING = "  azure:\n    subscription_id"


@pytest.mark.parametrize("old, new, expected", [
    ("hours: [6]", "hours: [24]", "apis[0].schedule.hours[0]: input should be less than or equal to 23"),
    ("minutes: [0]", "minutes: [-1]", "apis[0].schedule.minutes[0]: input should be greater than or equal to 0"),
    ("      interval: 1\n", "      interval: 0\n", "apis[0].schedule.interval: input should be greater than or equal"),
    ("requests_per_minute: 60", "requests_per_minute: !!int x",
     "apis[0].rate_limit.requests_per_minute: the value cannot be read as int (tag !!int)"),
    ("requests_per_minute: 60", "requests_per_minute: !!float x", "the value cannot be read as float (tag !!float)"),
    (NAMING, '  naming:\n    pipeline: "pl_\\0{name}"\n' + NAMING,
     "factory.naming.pipeline: must not contain control characters"),
    (NAMING, '  naming:\n    dataset: "ds_{name}\\n"\n' + NAMING,
     "factory.naming.dataset: must not contain control characters"),
    ('start_time: "2024-01-01T06:00:00Z"', 'start_time: "2024-13-45T99:00:00Z"',
     "apis[0].schedule.start_time: '2024-13-45T99:00:00Z' is no date and time"),
    ('start_time: "2024-01-01T06:00:00Z"', 'start_time: "2023-02-29T06:00:00Z"', "is no date and time"),
    ("      interval: 1\n", "      interval: 18446744073709551616\n",  # fuzz: exit 70 in the renderer's JSON
     "apis[0].schedule.interval: input should be less than or equal to 2147483647"),
    (NAMING, '  naming:\n    dataset: "{name}{name!r}"\n' + NAMING,  # fuzz: quotes, refused only at build, unshaped
     "factory.naming.dataset: only {name} may be written in braces"),
], ids=["hours 24", "minutes -1", "interval 0", "!!int x", "!!float x", "NUL in naming", "newline in naming",
        "month 13, hour 99", "29 February 2023", "interval 2**64", "{name!r} in naming"])
def test_regressions_are_clean_spec_errors(tmp_path, old, new, expected):
    stderr = build_refused(tmp_path, xero_with(old, new))
    assert expected in stderr


def _bomb(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _merge_bomb(levels: int) -> str:
    lines = ["m0: &m0 {a: 1, b: 2}"]
    lines += [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}, *m{i - 1}], k{i}: 1}}" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text", [_bomb(9), _merge_bomb(20), "a: " + "[" * 100_000 + "]" * 100_000],
                         ids=["billion laughs", "merge-key bomb", "100k nesting"])
def test_bombs_are_refused_before_the_model_is_built(tmp_path, text):
    """Refused with a problem, in bounded memory (the bomb would need gigabytes, the limit allows a few MB)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stderr = build_refused(tmp_path, text)
    # our own limit, or PyYAML's (6.0.4 and later refuse deep nesting in the parser itself, before our check)
    assert "(top level): the document" in stderr or "(top level): invalid YAML: while increasing flow level exceeded " \
        "maximum nesting depth" in stderr, stderr
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KB


def test_an_expansion_just_under_the_limit_still_loads():
    """The limit counts expanded values, so a document with many aliases but few values is fine."""
    from adfgen.spec.yaml_source import parse_yaml
    doc, problems = parse_yaml(_bomb(3, width=60), "f.yaml")  # 60 + 3600 + 216000 values
    assert problems == [] and len(doc.data["a2"]) == 60 and 60 ** 3 < MAX_EXPANDED_NODES


@pytest.mark.parametrize("kind", ["fifo", "device", "symlink loop"])
def test_spec_paths_that_are_not_regular_files(tmp_path, kind):
    path = tmp_path / "spec.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
    elif kind == "symlink loop":
        os.symlink(tmp_path / "b.yaml", path)
        os.symlink(path, tmp_path / "b.yaml")
    result: list = []
    worker = threading.Thread(target=lambda: result.append(run_cli(["build", str(path), "--out", str(tmp_path / "o")])),
                              daemon=True)
    worker.start()
    worker.join(20)
    assert result, "build hung"
    code, _, stderr = result[0]
    assert spec_error_faults(code, stderr) == [] and "cannot read spec" in stderr, stderr
    assert not (tmp_path / "o").exists()


@FAST
@given(text=mutated_specs())
def test_any_mutated_spec_builds_or_is_refused_cleanly(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("m")
    spec = folder / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    code, _, stderr = run_cli(["build", str(spec), "--out", str(folder / "out")])
    if code != 0:
        assert spec_error_faults(code, stderr) == [], stderr
        assert not (folder / "out").exists()


@FAST
@given(text=yaml_documents())
def test_any_yaml_document_is_loaded_or_refused_cleanly(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("y")
    spec = folder / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    code, _, stderr = run_cli(["build", str(spec), "--out", str(folder / "out")])
    assert spec_error_faults(code, stderr) == [], stderr
    assert not (folder / "out").exists()
