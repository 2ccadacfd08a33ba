"""The JSONPath subset ADF's REST connector uses: $, .name, ['name'], [n], and paths relative to a record."""

from __future__ import annotations

import re
from typing import Any

MISSING: Any = object()
_TOKEN = re.compile(r"""\.\s*([^.\[\]]+)|\[\s*'((?:[^']|'')*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[\s*(-?\d+)\s*\]|\[\s*\*\s*\]""")


def steps(path: str) -> list[str | int | None]:
    """The steps of a path: names, indexes, and None for [*]; ValueError for what this subset cannot read."""
    text = path.strip()
    if text.startswith("$"):
        text = text[1:]
    elif text and text[0] not in ".[":
        text = "." + text
    found: list[str | int | None] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise ValueError(f"unsupported JSONPath {path!r} at {text[position:]!r}")
        name, quoted, double, index = match.group(1), match.group(2), match.group(3), match.group(4)
        if name is not None:
            found.append(name.strip())
        elif quoted is not None:
            found.append(quoted.replace("''", "'"))
        elif double is not None:
            found.append(double)
        elif index is not None:
            found.append(int(index))
        else:
            found.append(None)
        position = match.end()
    return found


def select(document: Any, path: str) -> Any:
    """The value at `path`, or MISSING when a step does not exist."""
    current = document
    for step in steps(path):
        if step is None:
            return current if isinstance(current, list) else MISSING
        if isinstance(step, int):
            if isinstance(current, list) and -len(current) <= step < len(current):
                current = current[step]
                continue
            return MISSING
        if isinstance(current, dict) and step in current:
            current = current[step]
            continue
        return MISSING
    return current
