"""Markdown primitives: escaped prose, code spans and fences that user text cannot break out of, anchors."""

from __future__ import annotations

import re


def text(value: str) -> str:
    """Prose-safe text: Markdown's punctuation backslash-escaped, HTML's `<`/`&` as entities, one line."""
    one_line = " ".join(str(value).split())
    escaped = re.sub(r"([\\`*_\[\]|~>])", r"\\\1", one_line).replace("&", "&amp;").replace("<", "&lt;")
    # a block marker (#, -, +, =, "1.") only counts at the start of a line
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", re.sub(r"^([#+\-=])", r"\\\1", escaped))


def code(value: str) -> str:
    """An inline code span holding `value` exactly, its fence longer than any backtick run inside."""
    one_line = " ".join(str(value).split("\n"))
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", one_line)), default=0) + 1)
    pad = " " if one_line.startswith("`") or one_line.endswith("`") or not one_line.strip() else ""
    return f"{ticks}{pad}{one_line}{pad}{ticks}"


def fence(body: str, language: str = "") -> str:
    """A fenced block holding `body` exactly, its fence longer than any backtick run at a line start inside."""
    runs = re.findall(r"^\s*(`{3,})", body, flags=re.MULTILINE)
    ticks = "`" * max([3] + [len(run) + 1 for run in runs])
    return f"{ticks}{language}\n{body}\n{ticks}"


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but `-`/`_` dropped, spaces as `-`."""
    return re.sub(r"[^\w\- ]", "", heading.lower(), flags=re.UNICODE).replace(" ", "-")
