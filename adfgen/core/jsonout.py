"""The one JSON dumper: deterministic bytes for everything adfgen writes."""

from __future__ import annotations

from typing import Any

import orjson

# The stdlib encoder falls back to pure Python whenever it indents; orjson indents in C, keeps key order,
# writes UTF-8 as is and `\n` line ends.
_OPTIONS = orjson.OPT_INDENT_2


def dump_bytes(obj: Any) -> bytes:
    """Serialise with the given key order, 2-space indent, `\\n` and a trailing newline."""
    return orjson.dumps(obj, option=_OPTIONS) + b"\n"


def dumps(obj: Any) -> str:
    """`dump_bytes` as text."""
    return dump_bytes(obj).decode("utf-8")
