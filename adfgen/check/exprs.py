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
    """What the checker keeps about one string: its refs and problems (none for a plain literal)."""

    refs: tuple[Ref, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)


_PLAIN = Parsed()
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
        return Parsed((), (_problem(exc),))
    except RecursionError:
        return Parsed((), (Problem("syntax", "expression nested too deeply", 0),))
    if template is None:
        return _PLAIN
    try:
        refs = tuple(Ref(r.kind, r.name or "", r.position, tuple(_step(s) for s in r.path_after))
                     for r in _x.references(template))
        problems = tuple(_problem(e) for e in _x.check_functions(template))
    except RecursionError:
        return Parsed((), (Problem("syntax", "expression nested too deeply", 0),))
    return Parsed(refs, problems)


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


# Functions that accept a null argument without failing (observed with Microsoft's engine through
# tests/engine_oracle.py: concat and string give '', equals compares, empty is true, coalesce skips it);
# every other function fails on a null argument, as does selecting a member of null.
NULL_SAFE_FUNCTIONS = frozenset({"coalesce", "empty", "concat", "string", "equals"})
NULL_TESTS = frozenset({"coalesce", "empty", "equals"})
_null_cache: dict[tuple[str, str], tuple[str, int] | None] = {}


def null_breaking_use(text: str, parameter: str) -> tuple[str, int] | None:
    """(how, 0-based position) of the first use of `pipeline().parameters.<parameter>` in `text` that fails when
    the parameter is null; None when every use copes with null (or the expression tests it for null itself)."""
    key = (text, parameter.lower())
    if key in _null_cache:
        return _null_cache[key]
    found = None
    try:
        template = _x.parse_value(text)
        if template is not None:
            found = _breaking(template, parameter.lower())
    except (_x.ExpressionError, RecursionError):
        found = None
    _null_cache[key] = found
    return found


def _parameter_chain(node: Any, parameter: str) -> tuple[int, int] | None:
    """(position, members after the name) when `node` is `pipeline().parameters.<parameter>...`."""
    from adfgen.expressions.references import unchain

    base, chain = unchain(node)
    if not (isinstance(base, _x.Call) and base.name.lower() == "pipeline" and not base.args and len(chain) >= 2):
        return None
    steps = [getattr(a, "name", None) if isinstance(a, _x.Access) else getattr(a.index, "value", None) for a in chain[:2]]
    if not all(isinstance(s, str) for s in steps) or steps[0].lower() != "parameters" or steps[1].lower() != parameter:
        return None
    return chain[1].position, len(chain) - 2


def _breaking(template: Any, parameter: str) -> tuple[str, int] | None:
    calls = [n for n in _x.walk(template) if isinstance(n, _x.Call)]
    for call in calls:  # a null test anywhere in the expression: the author handles null
        if call.name.lower() in NULL_TESTS and any(_mentions(arg, parameter) for arg in call.args):
            return None
    for node in _x.walk(template):
        found = _parameter_chain(node, parameter) if isinstance(node, (_x.Access, _x.Index)) else None
        if found is not None and found[1] > 0:
            return "selects a member of it", found[0]
    for call in calls:
        if call.name.lower() in NULL_SAFE_FUNCTIONS:
            continue
        args = call.args[:1] if call.name.lower() == "if" else call.args  # if() passes its branches on unchanged
        for arg in args:
            found = _parameter_chain(arg, parameter)
            if found is not None:
                return f"passes it to {call.name}()", found[0]
    return None


def _mentions(node: Any, parameter: str) -> bool:
    return any(_parameter_chain(n, parameter) is not None for n in _x.walk(node) if isinstance(n, (_x.Access, _x.Index)))


def tests_for_null(text: str, parameter: str) -> bool:
    """True when `text` passes `pipeline().parameters.<parameter>` to coalesce(), empty() or equals()."""
    try:
        template = _x.parse_value(text)
    except (_x.ExpressionError, RecursionError):
        return False
    if template is None:
        return False
    return any(isinstance(n, _x.Call) and n.name.lower() in NULL_TESTS and any(_mentions(a, parameter.lower()) for a in n.args)
               for n in _x.walk(template))
