"""If Condition: evaluate a boolean, run one branch with the pipeline's outcome rule."""

from __future__ import annotations

from typing import Any

from adfgen.expressions.library.values import type_name
from adfgen.local.runner import ActivityContext, ActivityFailure, handles


@handles("IfCondition")
def if_condition(ctx: ActivityContext) -> Any:
    """Runs ifTrueActivities or ifFalseActivities; fails when the branch fails."""
    value = ctx.eval(ctx.props.get("expression"))
    ctx.rely("if.boolean")
    if not isinstance(value, bool):
        raise ActivityFailure(f"The expression of If Condition '{ctx.name}' must evaluate to a boolean; it gave "
                              f"a value of type '{type_name(value)}'.", "InvalidTemplate")
    ctx.set_input({"expression": value})
    branch = ctx.props.get("ifTrueActivities" if value else "ifFalseActivities") or []
    inner = ctx.frame.child(kind="IfCondition")
    ok, error = ctx.run_inner(branch, inner)
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
