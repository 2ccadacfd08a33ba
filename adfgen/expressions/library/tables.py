"""The library's generated tables, read from data/*.json (written by tests/regen_*.py; each file's _about says how)."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any


def load(name: str) -> dict[str, Any]:
    """The tables of data/<name>.json, without its provenance note; read through importlib.resources (wheels too)."""
    text = files(__package__).joinpath("data").joinpath(f"{name}.json").read_text(encoding="utf-8")
    tables = json.loads(text)
    del tables["_about"]
    return tables
