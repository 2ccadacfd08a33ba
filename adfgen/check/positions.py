"""Where a value sits in JSON text: RFC 6901 pointers and a lazy position map (offset, line, column).

`check` parses files with json.loads (C speed) and only needs positions for the few values a finding
is about, so the map indexes containers on demand: the members of an object or array are listed the
first time a lookup passes through it, and a container being skipped is crossed by a regex that jumps
from bracket to bracket (strings included), recording where every nested container ends. Each byte is
crossed by that scan at most once, so any number of lookups costs time linear in the text, and nothing
recurses (depth is unbounded). Duplicate keys resolve as json.loads resolves them: the last one wins.
The text must be what json.loads accepted (NaN and Infinity included); columns count code points.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from json.decoder import scanstring
from typing import Sequence, Union

Element = Union[str, int]

_WS = re.compile(r"[ \t\n\r]*+")
_COLON = re.compile(r"[ \t\n\r]*+:[ \t\n\r]*+")  # between a key and its value
_NEXT = re.compile(r"[ \t\n\r]*+(?:,[ \t\n\r]*+)?")  # after a member: to the next one, or to the closing bracket
_STRING_END = re.compile(r'[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)  # from just after the opening quote
_PRIMITIVE = re.compile(r"-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?(?:[eE][-+]?[0-9]++)?|true|false|null|NaN|-?Infinity")
_STRING = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_FLAT = r'[^"\[\]{}]*+(?:' + _STRING + r'[^"\[\]{}]*+)*+'  # text holding no bracket outside its strings
# Everything up to and including the next bracket outside strings, crossing flat containers (no container
# inside) whole: the regex engine, not a Python loop, walks the leaves of the tree, which are most of it.
_TO_BRACKET = re.compile(r"(?:" + _FLAT + r"[\[{]" + _FLAT + r"[\]}])*+" + _FLAT + r"[\[\]{}]", re.DOTALL)
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")


def escape_token(element: Element) -> str:
    """One pointer reference token: `~` as `~0`, `/` as `~1` (RFC 6901 §3)."""
    return str(element).replace("~", "~0").replace("/", "~1")


def to_pointer(elements: Sequence[Element]) -> str:
    """The JSON pointer of a sequence of keys and indexes; "" is the whole document."""
    return "".join("/" + escape_token(e) for e in elements)


def from_pointer(pointer: str) -> list[str]:
    """The reference tokens of a pointer, unescaped (`~1` before `~0`, as RFC 6901 §4 orders it)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/': {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


class PositionMap:
    """Offsets, lines and columns of the values in one JSON text, computed on demand."""

    def __init__(self, text: str):
        self.text = text
        self._members: dict[int, dict[str, int] | list[int]] = {}  # container offset -> member value offsets
        self._ends: dict[int, int] = {}  # container offset -> offset just past its closing bracket
        self._lines: list[tuple[int, int]] = [(0, 1)]  # (offset, line) pairs already counted, sorted
        self.root = _WS.match(text).end()

    # ------------------------------------------------------------ lookups

    def find(self, elements: Sequence[Element]) -> tuple[int, int]:
        """(offset of the deepest existing value on the path, how many elements were found).

        An element that names no member (a missing key, an index out of range, a key into an array
        that is not a canonical index, anything below a string or number) ends the walk there.
        """
        offset = self.root
        for depth, element in enumerate(elements):
            members = self._index(offset)
            if isinstance(members, dict):
                found = members.get(element) if isinstance(element, str) else members.get(str(element))
            elif isinstance(members, list):
                index = _as_index(element)
                found = members[index] if index is not None and index < len(members) else None
            else:
                found = None
            if found is None:
                return offset, depth
            offset = found
        return offset, len(elements)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset; columns count code points, lines end at `\\n`."""
        # Count from the nearest offset already counted: lookups cost the text between them, not all of it.
        at = bisect_right(self._lines, (offset, 0)) - 1
        known, line = self._lines[at]
        if known != offset:
            line += self.text.count("\n", known, offset)
            self._lines.insert(at + 1, (offset, line))
        return line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1

    def end(self, offset: int) -> int:
        """The offset just past the value that starts at `offset`."""
        char = self.text[offset]
        if char == '"':
            return _STRING_END.match(self.text, offset + 1).end()
        if char in "{[":
            return self._skip_container(offset)
        return _PRIMITIVE.match(self.text, offset).end()

    # ------------------------------------------------------------ indexing

    def _index(self, offset: int) -> dict[str, int] | list[int] | None:
        """The member value offsets of the container at `offset` (None for a scalar), listed once."""
        found = self._members.get(offset)
        if found is not None:
            return found
        char = self.text[offset]
        if char == "{":
            found = self._object_members(offset)
        elif char == "[":
            found = self._array_members(offset)
        else:
            return None
        self._members[offset] = found
        return found

    def _object_members(self, offset: int) -> dict[str, int]:
        text, members = self.text, {}
        at = _WS.match(text, offset + 1).end()
        if text[at] == "}":
            self._ends[offset] = at + 1
            return members
        while True:
            key, at = scanstring(text, at + 1)  # C: decodes escapes exactly as json.loads does
            value = _COLON.match(text, at).end()
            members[key] = value  # a repeated key: the last one wins, as in json.loads
            at = _NEXT.match(text, self.end(value)).end()
            if text[at] == "}":
                self._ends[offset] = at + 1
                return members

    def _array_members(self, offset: int) -> list[int]:
        text, members = self.text, []
        at = _WS.match(text, offset + 1).end()
        if text[at] == "]":
            self._ends[offset] = at + 1
            return members
        while True:
            members.append(at)
            at = _NEXT.match(text, self.end(at)).end()
            if text[at] == "]":
                self._ends[offset] = at + 1
                return members

    def _skip_container(self, offset: int) -> int:
        """The end of the container at `offset`, recording the ends of every container inside it."""
        known = self._ends.get(offset)
        if known is not None:
            return known
        text, ends, opened = self.text, self._ends, [offset]
        at = offset + 1
        while opened:
            inner = ends.get(at) if text[at] in "{[" else None
            if inner is not None:  # crossed before: jump
                at = inner
                continue
            match = _TO_BRACKET.match(text, at)
            bracket = match.end() - 1
            at = match.end()
            if text[bracket] in "{[":
                known = ends.get(bracket)
                if known is not None:
                    at = known
                else:
                    opened.append(bracket)
            else:
                ends[opened.pop()] = at
        return ends[offset]


def _as_index(element: Element) -> int | None:
    """An array index from an int or a canonical decimal token (RFC 6901: no leading zeros, no sign)."""
    if isinstance(element, int):
        return element if element >= 0 else None
    return int(element) if _ARRAY_INDEX.fullmatch(element) else None
