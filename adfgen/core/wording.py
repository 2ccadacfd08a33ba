"""Counts as people read them: `1 file`, `2 files`, never `1 file(s)`."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 file`, `2 files`, `0 files` (pass `many` for irregular plurals: `factory`/`factories`)."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def them(count: int) -> str:
    """The pronoun for `count` things: `it` for one, `them` otherwise (`1 file; commit it`)."""
    return "it" if count == 1 else "them"
