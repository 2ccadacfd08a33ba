"""Find the parts of an expression that fail whatever the run's inputs are, by evaluating them with adfgen's evaluator.

A subtree is *static* when it calls no accessor (pipeline(), activity(), item(), ...), no clock (utcNow,
getPastTime, getFutureTime) and no random function (guid, rand): its value, or its failure, is the same in every
run. A static subtree that fails and that the engine always evaluates (not an `if` branch, nor an `and`/`or`/
`coalesce` argument after the first) makes the whole expression fail every time. A date function whose only
varying input is its timestamp (or the clock) fails every time too when it fails for every sample timestamp: an
invalid format string, time unit or time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from adfgen.expressions import Access, Call, ExpressionError, Index, Literal, Node, Template, parse_value
from adfgen.expressions.functions import FUNCTIONS, check_call

_VARYING = {"activity", "dataset", "item", "linkedservice", "pipeline", "trigger", "triggerbody", "triggeroutputs",
            "variables", "utcnow", "getpasttime", "getfuturetime", "guid", "rand"}
_PURE = frozenset(FUNCTIONS) - _VARYING
_LAZY = {"if", "and", "or", "coalesce"}  # arguments after the first may never be evaluated
# Date functions whose first argument is the timestamp, and the clock functions (their timestamp is now).
_TIMESTAMP_FIRST = {"adddays", "addhours", "addminutes", "addseconds", "addtotime", "subtractfromtime",
                    "convertfromutc", "converttoutc", "converttimezone", "formatdatetime", "startofday",
                    "startofhour", "startofmonth"}
_CLOCK = {"utcnow", "getpasttime", "getfuturetime"}
# Timestamps of each form the date functions accept: UTC, unspecified offset, date only.
_SAMPLES = ("2026-01-02T03:04:05.1234567Z", "2024-02-29T23:59:59", "2025-06-30")
_CLOCKS = (dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=dt.timezone.utc),
           dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=dt.timezone.utc))
_NOT_OURS = "adfgen's evaluator"  # adfgen's own limits ("not implemented", "has no ... data"), not the engine's


@dataclass(frozen=True)
class Failure:
    """A part of an expression that always fails: its 0-based position and the engine's message for it."""

    position: int
    message: str


_static_memo: dict[int, bool] = {}  # id(node) -> static, for the nodes of the template being analysed


def _static(node: Node) -> bool:
    found = _static_memo.get(id(node))
    if found is None:
        if isinstance(node, Literal):
            found = True
        elif isinstance(node, Call):
            found = node.key in _PURE and check_call(node) is None and all([_static(a) for a in node.args])
        elif isinstance(node, Access):
            found = _static(node.target)
        else:
            found = _static(node.target) & _static(node.index)
        _static_memo[id(node)] = found
    return found


def _error(node: Node, clock: dt.datetime | None = None) -> str | None:
    """The evaluation error of a static node, or None when it evaluates (or adfgen cannot tell)."""
    from adfgen.expressions.evaluator import EvaluationError, evaluate_node

    try:
        evaluate_node(node, _scope(clock))
    except EvaluationError as error:
        return None if _NOT_OURS in error.message else error.message
    except Exception:  # noqa: BLE001 - an evaluator bug must not become a finding, nor crash check
        return None
    return None


@lru_cache(maxsize=None)
def _scope(clock: dt.datetime | None):
    """One empty scope per clock (a Scope seeds its own random generator, which costs more than most evaluations)."""
    from adfgen.expressions.evaluator import Scope

    return Scope() if clock is None else Scope(clock=lambda: clock)


def _date_failure(node: Call) -> str | None:
    """The error of a date call that fails for every sample timestamp because of its literal arguments."""
    key = node.key
    if key in _CLOCK:
        if check_call(node) is not None or not all(_static(a) for a in node.args):
            return None
        errors = [_error(node, clock) for clock in _CLOCKS]
    elif key in _TIMESTAMP_FIRST and node.args:
        if check_call(node) is not None or not all(_static(a) for a in node.args[1:]):
            return None
        errors = [_error(Call(node.name, (Literal(sample, node.position), *node.args[1:]), node.position))
                  for sample in _SAMPLES]
    else:
        return None
    return errors[0] if all(errors) else None


def _failures(node: Node, always: bool, found: list[Failure]) -> None:
    if _static(node):
        if always:
            message = _error(node)
            if message:
                found.append(Failure(node.position, message))
        return
    if isinstance(node, Call):
        if always and node.key in (_TIMESTAMP_FIRST | _CLOCK):
            message = _date_failure(node)
            if message:
                found.append(Failure(node.position, message))
                return
        lazy = node.key in _LAZY
        for index, arg in enumerate(node.args):
            _failures(arg, always and not (lazy and index > 0), found)
    elif isinstance(node, Access):
        _failures(node.target, always, found)
    elif isinstance(node, Index):
        _failures(node.target, always, found)
        _failures(node.index, always, found)


@lru_cache(maxsize=65536)
def always_failing(text: str) -> tuple[Failure, ...]:
    """The always-failing parts of one JSON string value (none when it does not parse: EX001 reports that)."""
    if "@" not in text:
        return ()
    try:
        template = parse_value(text)
    except (ExpressionError, RecursionError):
        return ()
    if not isinstance(template, Template):
        return ()
    found: list[Failure] = []
    try:
        for node in template.nodes:
            _failures(node, True, found)
    except RecursionError:
        return ()
    finally:
        _static_memo.clear()  # ids are only unique while the template is alive
    return tuple(found)
