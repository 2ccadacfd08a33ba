"""Evaluate ADF expressions with the semantics of Microsoft's engine (the Logic Apps template language on .NET).

    evaluate(text, scope)        a JSON string value: '@expr' gives the native value, '...@{expr}...' a string
    evaluate_node(node, scope)   one parsed expression
Semantics were observed through data-factory-testing-framework 1.4.4, which embeds the engine; the differential
test (tests/test_evaluator_differential.py) holds them to it. Property names match exactly first, then without
regard to case; `?.` and `?[...]` give null for a missing property, an index out of range or a null target,
for that one step only; `if`, `and`, `or` and `coalesce` evaluate only the arguments they need.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .errors import ExpressionError
from .functions import FUNCTIONS, lookup
from .library.arity_messages import MESSAGES as ARITY_MESSAGES
from .library import IMPLEMENTATIONS
from .library.values import FunctionError, NotConvertible, to_string, type_name
from .nodes import Access, Call, Index, Literal, Node, Template, unparse
from .parser import parse_value

UNSET: Any = object()  # item() outside a ForEach, dataset() outside a dataset, ...
# One generator for scopes that bring none: seeding a Random per Scope costs more than most evaluations.
_SHARED_RANDOM = random.Random()


def _utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


@dataclass
class Scope:
    """What an expression can see: parameters, variables, activity results, the iteration item, the clock.

    `system` holds pipeline() system values by their ADF names (RunId, TriggerTime, Pipeline, DataFactory, ...);
    `activities` maps an activity name to what activity('name') returns ({"output": ..., "status": ..., ...}).
    """

    parameters: Mapping[str, Any] = field(default_factory=dict)
    global_parameters: Mapping[str, Any] = field(default_factory=dict)
    system: Mapping[str, Any] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)
    activities: Mapping[str, Any] = field(default_factory=dict)
    item: Any = UNSET
    dataset: Mapping[str, Any] | None = None
    linked_service: Mapping[str, Any] | None = None
    trigger: Mapping[str, Any] | None = None
    clock: Callable[[], _dt.datetime] = _utc_now
    random: random.Random = field(default_factory=lambda: _SHARED_RANDOM)  # pass Random(seed) to repeat rand()/guid()

    def pipeline(self) -> dict[str, Any]:
        """What pipeline() returns: the system values plus `parameters` and `globalParameters`."""
        return {**self.system, "parameters": dict(self.parameters), "globalParameters": dict(self.global_parameters)}


class EvaluationError(ExpressionError):
    """An expression that parsed but failed to evaluate; the message is the engine's (or a close paraphrase)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message, position, "evaluation")


def evaluate(text: str, scope: Scope | None = None) -> Any:
    """The value of one JSON string value: literal text, '@expr' (native value) or interpolated text (a string)."""
    template = _parse(text)
    scope = scope if scope is not None else Scope()
    if template is None:
        return text
    if template.is_whole:
        return evaluate_node(template.parts[0], scope)  # type: ignore[arg-type]
    try:
        return "".join(
            part if isinstance(part, str) else to_string(evaluate_node(part, scope)) for part in template.parts
        )
    except NotConvertible as error:  # a segment the engine cannot write as text (BigInteger, broken binary)
        raise EvaluationError(error.message, 0) from None


@lru_cache(maxsize=4096)
def _parse(text: str) -> Template | None:
    return parse_value(text)


def _arity_message(key: str, count: int) -> str | None:
    """The engine's message for a call of the function `key` with `count` arguments, or None when it accepts them."""
    function = FUNCTIONS.get(key)
    if function is None or function.accepts(count):
        return None
    messages = ARITY_MESSAGES.get(key)
    if not messages:
        return f"The template language function '{function.name}' takes {function.arity_text()}, got {count}."
    template = messages.get(count) or messages[max(messages)]
    return template.replace("{count}", str(count))


def _as_spelled(message: str, canonical: str, spelled: str) -> str:
    """message naming the function as the expression spells it, as the engine does."""
    if spelled == canonical:
        return message
    return message.replace(f"function '{canonical}'", f"function '{spelled}'", 1)


def evaluate_node(node: Node, scope: Scope) -> Any:
    """The value of one parsed expression in scope; raises EvaluationError with the engine's message."""
    try:
        return _Evaluation(node, scope).value(node)
    except RecursionError:  # the engine goes deeper (400 nested calls observed); Python's stack ends first
        raise EvaluationError("The expression is nested too deeply for adfgen's evaluator "
                              "(Python's recursion limit); split it into variables.", 0) from None


class _Evaluation:
    __slots__ = ("root", "scope")

    def __init__(self, root: Node, scope: Scope) -> None:
        self.root = root
        self.scope = scope

    def value(self, node: Node) -> Any:
        kind = type(node)
        if kind is Literal:
            return node.value  # type: ignore[union-attr]
        if kind is Call:
            return self.call(node)  # type: ignore[arg-type]
        return self.chain(node)  # type: ignore[arg-type]

    def chain(self, node: Access | Index) -> Any:
        """base.a[b]?.c...: a null-safe step on null ends the whole chain with null, later steps unevaluated
        (observed: json('null')?.x.y is null), while a missing property or index gives null for its step only."""
        steps: list[Access | Index] = []
        while type(node) is Access or type(node) is Index:
            steps.append(node)
            node = node.target  # type: ignore[assignment]
        current = self.value(node)
        for step in reversed(steps):
            if type(step) is Access:
                if current is None and step.null_safe:
                    return None
                current = self.select(current, step.name, step.null_safe, step.position)  # type: ignore[union-attr]
                continue
            key = self.value(step.index)  # type: ignore[union-attr]
            if current is None and step.null_safe and (type(key) is str or type(key) is int):
                return None
            current = self.index(current, key, step.null_safe, step.position)
        return current

    def call(self, node: Call) -> Any:
        implementation = IMPLEMENTATIONS.get(node.key)
        if implementation is None:
            known = lookup(node.name)
            what = "is not implemented by adfgen's evaluator" if known else "is not defined or not valid"
            raise EvaluationError(f"The template function '{node.name}' {what}.", node.position)
        if implementation.lazy:
            args: list[Any] = [self._thunk(arg) for arg in node.args]
        else:
            args = [self.value(arg) for arg in node.args]  # before the count check, as the engine does (observed)
        wrong_count = _arity_message(node.key, len(node.args))
        if wrong_count is not None:
            raise EvaluationError(_as_spelled(wrong_count, implementation.name, node.name), node.position)
        try:
            return implementation.body(self.scope, args)
        except FunctionError as error:
            raise EvaluationError(_as_spelled(error.message, implementation.name, node.name), node.position) from None

    def _thunk(self, node: Node) -> Callable[[], Any]:
        return lambda: self.value(node)

    def fail(self, reason: str, position: int) -> EvaluationError:
        return EvaluationError(
            f"The template language expression '{unparse(self.root)}' cannot be evaluated because {reason}. "
            "Please see https://aka.ms/logicexpressions for usage details.",
            position,
        )

    def select(self, target: Any, name: str, null_safe: bool, position: int) -> Any:
        if isinstance(target, dict):
            if name in target:
                return target[name]
            folded = name.lower()
            for key, value in target.items():
                if key.lower() == folded:
                    return value
            if null_safe:
                return None
            available = ", ".join(target)
            raise self.fail(f"property '{name}' doesn't exist, available properties are '{available}'", position)
        if target is None:
            if null_safe:
                return None
            raise self.fail(f"property '{name}' cannot be selected", position)
        # `?.` forgives only a missing property and a null target; a wrong target type fails as without it (observed)
        if isinstance(target, list):
            raise self.fail(
                f"property '{name}' cannot be selected. Array elements can only be selected using an integer index",
                position,
            )
        raise self.fail(
            f"property '{name}' cannot be selected. "
            f"Property selection is not supported on values of type '{type_name(target)}'",
            position,
        )

    def index(self, target: Any, key: Any, null_safe: bool, position: int) -> Any:
        if isinstance(key, str):
            return self.select(target, key, null_safe, position)
        shown = to_string(key)
        if isinstance(key, int) and not isinstance(key, bool):
            # `?[n]` forgives only an index out of range and a null target (observed)
            if isinstance(target, list):
                if 0 <= key < len(target):
                    return target[key]
                if null_safe:
                    return None
                raise self.fail(
                    f"array index '{key}' is outside bounds (0, {max(len(target) - 1, 0)}) of array", position
                )
            if target is None and null_safe:
                return None
            if isinstance(target, dict):
                raise self.fail(
                    f"property '{shown}' cannot be selected. Object properties can only be selected by names",
                    position,
                )
            if target is not None:
                raise self.fail(
                    f"property '{shown}' cannot be selected. "
                    f"Property selection is not supported on values of type '{type_name(target)}'",
                    position,
                )
        raise self.fail(f"property '{shown}' cannot be selected", position)
