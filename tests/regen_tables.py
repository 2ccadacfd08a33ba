"""How the regen_*.py scripts write the expression library's generated tables (adfgen/expressions/library/data/).

One JSON object a file: "_about" first (where the data comes from, and that it is generated: do not edit), then the
tables. Containers nest one item a line, a list of plain values stays on one line (a row of symbols, a culture's day
names), and characters that do not print (no-break spaces, direction marks) are written as \\uXXXX escapes, so a
diff shows them; everything else is written as itself, UTF-8.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "adfgen" / "expressions" / "library" / "data"
_HIDDEN = re.compile(r"[^\x20-\x7e]")


def write_table(name: str, about: str, tables: dict[str, Any]) -> Path:
    """Write data/<name>.json with the provenance note and the tables; the path written."""
    target = DATA / f"{name}.json"
    target.write_text(_dump({"_about": about, **tables}, 0) + "\n", encoding="utf-8")
    return target


def _dump(value: Any, depth: int) -> str:
    if isinstance(value, dict) and value:
        items = [f"{_scalar(str(key))}: {_dump(item, depth + 1)}" for key, item in value.items()]
        return _block("{", items, "}", depth)
    if isinstance(value, (list, tuple)) and any(isinstance(item, (dict, list, tuple)) for item in value):
        return _block("[", [_dump(item, depth + 1) for item in value], "]", depth)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    return _scalar(value)


def _block(opening: str, items: list[str], closing: str, depth: int) -> str:
    inner = "\n" + "  " * (depth + 1)
    return opening + inner + ("," + inner).join(items) + "\n" + "  " * depth + closing


def _scalar(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return _HIDDEN.sub(lambda match: _escape(match.group()), text)


def _escape(char: str) -> str:
    if char.isprintable():
        return char
    data = char.encode("utf-16-be", errors="surrogatepass")  # astral characters as a surrogate pair
    return "".join(f"\\u{int.from_bytes(data[i:i + 2], 'big'):04x}" for i in range(0, len(data), 2))
