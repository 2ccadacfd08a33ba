"""Fail: fail with the evaluated message and error code."""

from __future__ import annotations

from typing import Any

from adfgen.expressions.library.values import to_string
from adfgen.local.runner import ActivityContext, ActivityFailure, handles


@handles("Fail")
def fail(ctx: ActivityContext) -> Any:
    """Always fails; monitoring shows the message and code in clear (Fail has no secure policy)."""
    message = ctx.eval(ctx.props.get("message", ""))
    code = ctx.eval(ctx.props.get("errorCode", ""))
    message = message if isinstance(message, str) else to_string(message)
    code = code if isinstance(code, str) else to_string(code)
    ctx.set_input({"message": message, "errorCode": code})
    ctx.rely("fail.error")
    raise ActivityFailure(message, code)
