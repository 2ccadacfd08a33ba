"""The expression library's generated tables (adfgen/expressions/library/data/*.json) ship in the wheel, load from it,
keep the shapes the code relies on, and are exactly what the regen scripts' writer writes."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from adfgen.expressions.evaluator import EvaluationError, Scope, evaluate
from adfgen.expressions.library import arity_messages, dotnet_cultures, dotnet_numbers
from tests.regen_tables import DATA, write_table

REPO = Path(__file__).resolve().parent.parent
TABLES = sorted(path.name for path in DATA.glob("*.json"))
# float() in a culture (dotnet_numbers), formatDateTime() in a locale (dotnet_cultures), a wrong count (arity_messages)
PROBES = ["@float('1.000,5', 'de-DE')", "@float('1 000,5', 'fr-FR')",
          "@formatDateTime('2024-03-05T07:08:09Z', 'dddd d MMMM tt', 'de-DE')", "@utcNow('o', 'x')"]

_IN_WHEEL = """
import json, sys
sys.path.insert(0, sys.argv[1])
from importlib.resources import files
import adfgen.expressions.library.tables as tables
from adfgen.expressions.evaluator import Scope, EvaluationError, evaluate
assert tables.__file__.startswith(sys.argv[1]), tables.__file__
results = []
for text in json.loads(sys.argv[2]):
    try:
        results.append(["ok", evaluate(text, Scope())])
    except EvaluationError as error:
        results.append(["error", str(error)])
print(json.dumps({"reader": type(files("adfgen.expressions.library")).__name__, "results": results}))
"""


def _outcome(text: str) -> list:
    try:
        return ["ok", evaluate(text, Scope())]
    except EvaluationError as error:
        return ["error", str(error)]


def test_tables_ship_in_the_wheel_and_load_from_it(tmp_path):
    """A wheel built from the repository holds every table, and the library imported from that wheel (a zip, so
    importlib.resources, not a file path) reads them and evaluates as the source tree does."""
    built = subprocess.run(
        [sys.executable, "-c", "import sys; from hatchling.build import build_wheel; print(build_wheel(sys.argv[1]))",
         str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    wheel = tmp_path / built.stdout.strip().splitlines()[-1]
    names = zipfile.ZipFile(wheel).namelist()
    assert TABLES and {f"adfgen/expressions/library/data/{name}" for name in TABLES} <= set(names)
    run = subprocess.run([sys.executable, "-I", "-c", _IN_WHEEL, str(wheel), json.dumps(PROBES)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["reader"] != "PosixPath"  # read out of the zip
    assert report["results"] == [_outcome(text) for text in PROBES]


def test_tables_keep_the_shapes_the_code_relies_on():
    """JSON has no tuples and no integer keys: symbol rows are tuples again (hashable), message counts integers."""
    assert dotnet_numbers.SYMBOLS and all(type(row) is tuple and len(row) == 7 for row in dotnet_numbers.SYMBOLS)
    assert hash(dotnet_numbers.SYMBOLS[dotnet_numbers.UNKNOWN])
    assert set(dotnet_numbers.CULTURES.values()) <= set(range(len(dotnet_numbers.SYMBOLS)))
    assert all(type(count) is int for counts in arity_messages.MESSAGES.values() for count in counts)
    assert "" in dotnet_cultures.CULTURES and set(dotnet_cultures.SPECIFIC.values()) <= set(dotnet_cultures.CULTURES)


def test_tables_are_what_the_regen_writer_writes(tmp_path, monkeypatch):
    """Each committed table, read back and written again by tests/regen_tables.py, is byte for byte the same, and says
    that it is generated and by which script (so hand edits in another layout show up here)."""
    monkeypatch.setattr("tests.regen_tables.DATA", tmp_path)
    for name in TABLES:
        committed = (DATA / name).read_text(encoding="utf-8")
        tables = json.loads(committed)
        about = tables.pop("_about")
        assert "do not edit" in about and f"tests/regen_{name.removesuffix('.json')}.py" in about
        rewritten = write_table(name.removesuffix(".json"), about, tables).read_text(encoding="utf-8")
        assert rewritten == committed, name
