"""JSON paths a person can read: `activities[2] (WebActivity "Get Token").typeProperties.url`."""

from __future__ import annotations

import re
from typing import Any, Iterable

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def join_key(prefix: str, key: str) -> str:
    """Append an object key to a path, quoting keys that are not identifiers."""
    if _IDENT.match(key):
        return f"{prefix}.{key}" if prefix else key
    return f"{prefix}[{key!r}]"


def label_of(item: Any) -> str:
    """` (Type "Name")` for an activity-like object, `` otherwise."""
    if isinstance(item, dict):
        name, kind = item.get("name"), item.get("type")
        if isinstance(name, str) and isinstance(kind, str):
            return f' ({kind} "{name}")'
        if isinstance(name, str):
            return f' ("{name}")'
    return ""


def join_index(prefix: str, index: int, item: Any = None) -> str:
    """Append a list index (and the item's activity label) to a path."""
    return f"{prefix}[{index}]{label_of(item)}"


def format_path(root: Any, elements: Iterable[Any]) -> str:
    """Render a sequence of keys/indexes into `root` as a readable path."""
    path, node = "", root
    for element in elements:
        if isinstance(element, int) and isinstance(node, list):
            node = node[element] if 0 <= element < len(node) else None
            path = join_index(path, element, node)
        else:
            key = str(element)
            node = node.get(key) if isinstance(node, dict) else None
            path = join_key(path, key)
    return path
