"""What every end-to-end `adfgen run` test does around the CLI: run it, assert that no secret was printed, read the
JSON report."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from adfgen.cli import main


def run_cli(capfd: Any, argv: list[str], secrets: Iterable[str], json_report: bool = True) -> tuple[int, dict, str]:
    """`adfgen <argv>` through the CLI entry point: (exit code, the JSON report or {}, everything printed).

    Fails the test when any of `secrets` appears in what was printed (it names only how many)."""
    capfd.readouterr()
    code = main(argv)
    out, err = capfd.readouterr()
    printed = out + err
    leaked = [value for value in secrets if value and value in printed]
    assert not leaked, f"{len(leaked)} secret value(s) printed"
    if not json_report:
        return code, {}, printed
    try:
        return code, json.loads(out), printed
    except ValueError:
        pytest.fail(f"--output json printed no JSON (exit {code}): {printed[-3000:]}")
