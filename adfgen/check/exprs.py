"""The checker's one view of the expression parser: parse each distinct string once, keep what rules need."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adfgen import expressions as _x


@dataclass(frozen=True)
class Ref:
    """A reference inside an expression: kind (activity, parameter, variable, ...), name, 0-based offset, member path."""

    kind: str
    name: str
    position: int
    members: tuple[str, ...] = ()  # e.g. ("output", "value") after activity('X')


@dataclass(frozen=True)
class Problem:
    """A syntax, unknown-function or arity problem at a 0-based offset."""

    kind: str  # "syntax" | "function" | "arity"
    message: str
    position: int


@dataclass(frozen=True)
class Parsed:
    """What the checker keeps about one string: None-template (plain literal), refs and problems."""

    is_expression: bool
    refs: tuple[Ref, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)


_PLAIN = Parsed(False)
_cache: dict[str, Parsed] = {}


_PROBLEM_KINDS = {"syntax": "syntax", "unknown_function": "function", "arity": "arity"}


def _step(step: Any) -> str:
    if isinstance(step, str):
        return step
    if isinstance(step, int):
        return str(step)
    return "[]"  # a dynamic index


def _problem(error: Any) -> Problem:
    return Problem(_PROBLEM_KINDS.get(getattr(error, "kind", "syntax"), "syntax"),
                   str(getattr(error, "message", error)), int(getattr(error, "position", 0) or 0))


def _analyse(text: str) -> Parsed:
    try:
        template = _x.parse_value(text)
    except _x.ExpressionError as exc:
        return Parsed(True, (), (_problem(exc),))
    except RecursionError:
        return Parsed(True, (), (Problem("syntax", "expression nested too deeply", 0),))
    if template is None:
        return _PLAIN
    try:
        refs = tuple(Ref(r.kind, r.name or "", r.position, tuple(_step(s) for s in r.path_after))
                     for r in _x.references(template))
        problems = tuple(_problem(e) for e in _x.check_functions(template))
    except RecursionError:
        return Parsed(True, (), (Problem("syntax", "expression nested too deeply", 0),))
    return Parsed(True, refs, problems)


def analyse(text: str) -> Parsed:
    """The (cached) analysis of one JSON string value; plain literals cost one `in` test."""
    if "@" not in text:
        return _PLAIN
    found = _cache.get(text)
    if found is None:
        if len(_cache) > 200_000:
            _cache.clear()
        found = _cache[text] = _analyse(text)
    return found


def clear_cache() -> None:
    """Forget every parsed string (benchmarks use it to measure a cold run)."""
    _cache.clear()
