"""Until: run the inner activities, then evaluate the condition, until it is true or the timeout passes."""

from __future__ import annotations

from typing import Any

from adfgen.local.activities._containers import boolean, export, inner_failure
from adfgen.local.clock import parse_timespan
from adfgen.local.runner import ActivityContext, ActivityFailure, handles

DEFAULT_TIMEOUT = 7 * 86400  # documented default: 7 days


@handles("Until")
def until(ctx: ActivityContext) -> Any:
    """Loops do-while style; an inner failure does not stop the loop (documented); the timeout fails it."""
    timeout_text = ctx.props.get("timeout")
    try:
        timeout = parse_timespan(ctx.eval(timeout_text), "timeout") if timeout_text else DEFAULT_TIMEOUT
    except ValueError as exc:
        raise ActivityFailure(str(exc), "InvalidTimeout") from None
    ctx.rely("until.timeout")
    deadline = ctx.clock.monotonic() + timeout
    iterations = 0
    last_ok, last_error = True, None
    while True:
        iterations += 1
        inner = ctx.frame.child(kind="Until", label=f"{ctx.name}[{iterations - 1}]")
        last_ok, last_error = ctx.run_inner(ctx.props.get("activities") or [], inner)
        export(ctx, inner)
        if not last_ok:
            ctx.rely("until.continue")
        if boolean(ctx.eval(ctx.props.get("expression")), f"The expression of Until '{ctx.name}'"):
            break
        if ctx.clock.monotonic() >= deadline:
            raise ActivityFailure(f"Until '{ctx.name}' timed out after {iterations} iterations "
                                  f"(timeout {timeout:g} s).", "UntilTimedOut")
        ctx.progress(f"iteration {iterations + 1}")
    ctx.set_input({"iterations": iterations})
    if not last_ok:
        ctx.rely("outcome.container")
        raise inner_failure(last_error)
    return {}
