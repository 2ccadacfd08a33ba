"""If Condition: evaluate a boolean, run one branch with the pipeline's outcome rule."""

from __future__ import annotations

from typing import Any

from adfgen.local.activities._containers import boolean, run_branch
from adfgen.local.runner import ActivityContext, handles


@handles("IfCondition")
def if_condition(ctx: ActivityContext) -> Any:
    """Runs ifTrueActivities or ifFalseActivities; fails when the branch fails."""
    value = ctx.eval(ctx.props.get("expression"))
    ctx.rely("if.boolean")
    boolean(value, f"The expression of If Condition '{ctx.name}'")
    ctx.set_input({"expression": value})
    return run_branch(ctx, ctx.props.get("ifTrueActivities" if value else "ifFalseActivities") or [], "IfCondition")
