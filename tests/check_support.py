"""Helpers for the `adfgen check` tests: the shared schema and corpus (read in place), and tiny factories."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from tests.peers.adf_schema import schema_dir

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ADFGEN_SHARED_DIR") or REPO.parent / "shared")
SCHEMA_DIR = schema_dir()  # found as `adfgen check` finds it; tests/conftest.py skips its users when unreachable
CORPUS = SHARED / "corpus" / "adf-public"


def write_factory(root: Path, example: dict[str, Any]) -> Path:
    """Write `{"<kind>/<name>": properties-or-raw-text, ...}` as a Git-integration folder under root."""
    root.mkdir(parents=True, exist_ok=True)
    for key, body in example.items():
        if key.startswith("_"):
            continue
        kind, name = key.split("/", 1)
        folder = root / kind
        folder.mkdir(exist_ok=True)
        text = body if isinstance(body, str) else json.dumps({"name": name, "properties": body}, indent=4)
        (folder / f"{name}.json").write_text(text, encoding="utf-8")
    return root


def check_example(tmp_path: Path, example: dict[str, Any], schema: Any) -> list[Any]:
    """Findings for an example factory, checked as a complete factory with the example's concurrency limits."""
    from adfgen.check.engine import run_checks
    from adfgen.check.sources import load_git_factory

    factory = load_git_factory(write_factory(tmp_path, example), complete=True)
    factory.concurrency_limits = dict(example.get("_concurrency_limits", {}))
    return run_checks([factory], schema)


# a linked service every check passes: the factory of the "no schema reachable" tests
CLEAN_LINKED = {"type": "RestService", "typeProperties": {"url": "https://api.example.com",
                                                           "authenticationType": "Anonymous"}}


@contextmanager
def offline_without_schema(tmp_path: Path, monkeypatch: Any) -> Iterator[Path]:
    """A clean factory folder on a fresh machine offline: an empty user cache and official schema URLs that refuse
    connections, so `adfgen check` finds no schema."""
    from adfgen.check import schema as schema_module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ADFGEN_SCHEMA_DIR", raising=False)
    monkeypatch.setattr(schema_module, "SOURCES", {n: "http://127.0.0.1:9/none.json" for n in schema_module.FILES})
    schema_module._load.cache_clear()
    try:
        yield write_factory(tmp_path / "clean", {"linkedService/ls_rest": CLEAN_LINKED})
    finally:
        schema_module._load.cache_clear()
