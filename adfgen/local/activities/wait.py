"""Wait: sleep waitTimeInSeconds on the runtime's clock."""

from __future__ import annotations

from typing import Any

from adfgen.local.runner import ActivityContext, ActivityFailure, handles


@handles("Wait")
def wait(ctx: ActivityContext) -> Any:
    """Waits, compressed by the time scale."""
    seconds = ctx.eval(ctx.props.get("waitTimeInSeconds"))
    if isinstance(seconds, str) and seconds.strip().isdigit():
        seconds = int(seconds)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ActivityFailure(f"Wait '{ctx.name}': waitTimeInSeconds must be a non-negative number, found {seconds!r}",
                              "InvalidWaitTime")
    ctx.set_input({"waitTimeInSeconds": seconds})
    ctx.sleep(seconds)
    return {}
