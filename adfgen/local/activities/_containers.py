"""What the control activities share: their typed inputs, running a branch, and failing as ADF's containers do."""

from __future__ import annotations

from typing import Any

from adfgen.expressions.library.values import type_name
from adfgen.local.runner import ActivityContext, ActivityFailure


def items_of(ctx: ActivityContext, label: str) -> list[Any]:
    """The evaluated `items` of a ForEach or Filter (`label` names it, e.g. "ForEach 'x'"); an array or a failure."""
    items = ctx.eval(ctx.props.get("items"))
    if not isinstance(items, list):
        raise ActivityFailure(f"The items of {label} must be an array; the expression gave a value of type "
                              f"'{type_name(items)}'.", "InvalidTemplate")
    return items


def boolean(value: Any, what: str) -> bool:
    """`value` when it is a boolean, else the failure naming `what` ("The expression of Until 'x'")."""
    if not isinstance(value, bool):
        raise ActivityFailure(f"{what} must evaluate to a boolean; it gave a value of type '{type_name(value)}'.",
                              "InvalidTemplate")
    return value


def run_branch(ctx: ActivityContext, activities: list[Any], kind: str) -> dict[str, Any]:
    """Run one branch of an If Condition or Switch; its results stay visible, its failure is the container's."""
    inner = ctx.frame.child(kind=kind)
    ok, error = ctx.run_inner(activities, inner)
    export(ctx, inner)
    if not ok:
        ctx.rely("outcome.container")
        raise inner_failure(error)
    return {}


def export(ctx: ActivityContext, inner: Any) -> None:
    """Make a branch's activity results visible after the container (If, Switch, Until)."""
    if inner.results:
        ctx.rely("scope.container_results")
        ctx.frame.results.update(inner.results)


def inner_failure(error: dict[str, Any] | None) -> ActivityFailure:
    """The container's failure, naming the inner activity as ADF's monitoring does."""
    error = error or {}
    target = error.get("target") or "?"
    message = str(error.get("message") or "")
    prefix = f"Operation on target {target} failed: "
    detail = message[len(prefix):] if message.startswith(prefix) else message
    return ActivityFailure(f"Activity failed because an inner activity failed; Inner activity name: {target}, "
                           f"Error: {detail}", str(error.get("errorCode") or "ActivityFailed"))
