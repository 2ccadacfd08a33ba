"""Switch: evaluate `on` to a string and run the matching case, else the default activities."""

from __future__ import annotations

from typing import Any

from adfgen.expressions.library.values import to_string
from adfgen.local.activities._containers import run_branch
from adfgen.local.runner import ActivityContext, handles


@handles("Switch")
def switch(ctx: ActivityContext) -> Any:
    """Runs the activities of the case whose value equals `on`."""
    value = ctx.eval(ctx.props.get("on"))
    text = value if isinstance(value, str) else to_string(value)
    ctx.rely("switch.match")
    ctx.set_input({"on": text})
    chosen = ctx.props.get("defaultActivities") or []
    for case in ctx.props.get("cases") or []:
        if isinstance(case, dict) and str(case.get("value")).lower() == text.lower() and str(case.get("value")) != text:
            ctx.rely("switch.case_sensitive")  # only differs by case: the outcome depends on the assumption
        if isinstance(case, dict) and str(case.get("value")) == text:
            chosen = case.get("activities") or []
            break
    return run_branch(ctx, chosen, "Switch")
