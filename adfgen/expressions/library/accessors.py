"""ADF's context functions: pipeline(), activity(), variables(), item(), dataset(), linkedService(), trigger()."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .registry import implements
from .values import FunctionError


def _named(table: Any, name: Any, missing: str) -> Any:
    """table[name], matching exactly first and then without regard to case; FunctionError(missing) when absent."""
    if isinstance(name, str):
        if name in table:
            return table[name]
        folded = name.lower()
        for key, value in table.items():
            if key.lower() == folded:
                return value
    raise FunctionError(missing)


def _not_here(function: str) -> FunctionError:
    return FunctionError(f"The template function '{function}' is not expected at this location.")


@implements("pipeline")
def pipeline(scope, args):
    """The run's system values with its parameters and global parameters."""
    return scope.pipeline()


@implements("activity")
def activity(scope, args):
    """The result object of an activity that ran before this one in the same scope."""
    return _named(scope.activities, args[0], f"Template language expression cannot be evaluated: the template action "
                  f"'{args[0]}' is not defined at current scope.")


@implements("variables")
def variables(scope, args):
    """The current value of a pipeline variable."""
    return _named(scope.variables, args[0], f"Template language expression cannot be evaluated: the template variable "
                  f"'{args[0]}' cannot be found.")


@implements("item")
def item(scope, args):
    """The current element of the enclosing ForEach."""
    from ..evaluator import UNSET

    if scope.item is UNSET:
        raise _not_here("item")
    return scope.item


def _given(function: str, values: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of what the scope gives a context function, or the engine's error where it gives nothing."""
    if values is None:
        raise _not_here(function)
    return dict(values)


@implements("dataset")
def dataset(scope, args):
    """The parameters of the dataset being resolved."""
    return _given("dataset", scope.dataset)


@implements("linkedService")
def linked_service(scope, args):
    """The parameters of the linked service being resolved."""
    return _given("linkedService", scope.linked_service)


@implements("trigger")
def trigger(scope, args):
    """The trigger's output object ({"outputs": {...}} and its system values)."""
    return _given("trigger", scope.trigger)


@implements("triggerOutputs")
def trigger_outputs(scope, args):
    """trigger().outputs."""
    return trigger(scope, args).get("outputs")


@implements("triggerBody")
def trigger_body(scope, args):
    """trigger().outputs.body."""
    outputs = trigger_outputs(scope, args)
    return outputs.get("body") if isinstance(outputs, dict) else None
