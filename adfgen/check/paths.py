"""JSON paths a person can read, `activities[2] (WebActivity "Get Token").typeProperties.url`, and back to keys."""

from __future__ import annotations

import ast
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


def activity_of_path(path: str) -> str | None:
    """The activity a readable path runs through (its last `(Type "Name")` label), or None."""
    marker = path.rfind(' "')
    end = path.find('")', marker)
    return path[marker + 2:end] if marker >= 0 and end > marker else None


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


# ---------------------------------------------------------------- readable path -> keys and indexes

_INDEX = re.compile(r"\[(\d+)\]")
_QUOTED_KEY = re.compile(r"""\[('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]""", re.DOTALL)
_DOTTED_KEY = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)")
_LABEL = re.compile(r' \((?:[^"()]* )?".*?"\)(?=$|[.\[])', re.DOTALL)  # best effort, for values not in the document


def _quoted(match: re.Match) -> str | None:
    try:
        key = ast.literal_eval(match.group(1))
    except (ValueError, SyntaxError):
        return None
    return key if isinstance(key, str) else None


def parse_path(root: Any, path: str) -> tuple[list[Any], str]:
    """(keys and indexes of `path` that exist in `root`, the rest of the path text that does not).

    Reading against the document makes the readable form unambiguous: an index is followed by exactly
    the label `label_of` gives its item (names may hold any character), and a key must be in its object.
    """
    elements: list[Any] = []
    node, at = root, 0
    while at < len(path):
        if path[at] == "[":
            index = _INDEX.match(path, at)
            if index and isinstance(node, list) and int(index.group(1)) < len(node):
                node = node[int(index.group(1))]
                elements.append(int(index.group(1)))
                at = index.end()
                label = label_of(node)
                if label and path.startswith(label, at):
                    at += len(label)
                continue
            quoted = _QUOTED_KEY.match(path, at)
            key = _quoted(quoted) if quoted else None
            if key is None or not isinstance(node, dict) or key not in node:
                break
            node, at = node[key], quoted.end()
            elements.append(key)
            continue
        dotted = _DOTTED_KEY.match(path, at)
        if (dotted is None or (at > 0 and path[at] != ".") or not isinstance(node, dict)
                or dotted.group(1) not in node):
            break
        node, at = node[dotted.group(1)], dotted.end()
        elements.append(dotted.group(1))
    return elements, path[at:]


def parse_loose(rest: str) -> list[Any]:
    """The keys and indexes of a path with no document to read it against (the part that is missing).

    Stops at the first piece it cannot read; an item label is skipped by its usual shape.
    """
    elements: list[Any] = []
    at = 0
    while at < len(rest):
        index = _INDEX.match(rest, at)
        if index:
            elements.append(int(index.group(1)))
            label = _LABEL.match(rest, index.end())
            at = label.end() if label else index.end()
            continue
        quoted = _QUOTED_KEY.match(rest, at)
        key = _quoted(quoted) if quoted else None
        if key is not None:
            elements.append(key)
            at = quoted.end()
            continue
        dotted = _DOTTED_KEY.match(rest, at)
        if dotted is None or (at > 0 and rest[at] != "."):
            break
        elements.append(dotted.group(1))
        at = dotted.end()
    return elements
