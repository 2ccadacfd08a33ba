"""The one JSON dumper: deterministic bytes for everything adfgen writes."""

from __future__ import annotations

import json
from typing import Any


def dumps(obj: Any) -> str:
    """Serialise with the given key order, 4-space indent, `\\n` and a trailing newline."""
    return json.dumps(obj, indent=4, ensure_ascii=False) + "\n"


def dump_bytes(obj: Any) -> bytes:
    """`dumps` encoded as UTF-8."""
    return dumps(obj).encode("utf-8")
