"""Run the CLI in-process on hostile input and judge the outcome (shared by the tests and scripts/fuzz)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from adfgen.cli import main

# `file:line: field.path: message`: the path is a parenthesised label or one word of keys, [index] and ["quoted"]
_PATH = r'(?:[^\s:"\[\]]|\[\d+\]|\["(?:[^"\\\s]|\\.)*"\])+'
PROBLEM_LINE = re.compile(rf"^[^\n:]+:[1-9]\d*: (\([a-z ]+\)|{_PATH}(?: \(environment {_PATH}\))?): \S.*$")


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of one in-process CLI run."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} \
        if folder.exists() else {}


def spec_error_faults(code: int, stderr: str) -> list[str]:
    """What is wrong with a failed build's answer: exit code, traceback, problem lines not in the agreed shape."""
    faults = []
    if code != 1:
        faults.append(f"exit {code}")
    if "Traceback" in stderr or "internal error" in stderr:
        faults.append("crash")
    lines = [line for line in stderr.splitlines() if line and not line.startswith("warning: ")]
    if not lines or not re.match(r"^\d+ problems? in the specs; nothing was written$", lines[0]):
        faults.append(f"no summary line: {lines[:1]}")
    faults += [f"badly shaped: {line!r}" for line in lines[1:] if not PROBLEM_LINE.match(line)]
    return faults
