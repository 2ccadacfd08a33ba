"""Logical functions. `if`, `and`, `or` evaluate only the arguments they need, as the engine does (observed)."""

from __future__ import annotations

from .registry import implements
from .values import expected


def _boolean(function: str, index: int, value):
    if not isinstance(value, bool):
        raise expected(function, index, "a boolean", value)
    return value


@implements("if", lazy=True)
def if_(scope, args):
    """The second argument when the first is true, else the third; the other branch is never evaluated."""
    condition = _boolean("if", 0, args[0]())
    return args[1]() if condition else args[2]()


@implements("and", lazy=True)
def and_(scope, args):
    """True when every argument is true; stops at the first false."""
    for index, thunk in enumerate(args):
        if not _boolean("and", index, thunk()):
            return False
    return True


@implements("or", lazy=True)
def or_(scope, args):
    """True when any argument is true; stops at the first true."""
    for index, thunk in enumerate(args):
        if _boolean("or", index, thunk()):
            return True
    return False
