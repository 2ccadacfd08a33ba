"""Logical functions. `if`, `and`, `or`, `coalesce` evaluate only the arguments they need, as the engine does.

equals compares two numbers by value (1 equals 1.0) and everything else by JSON type and value; greater/less
compare two numbers, or two strings in the engine's culture order (collation.py). All observed.
"""

from __future__ import annotations

import operator

from .collation import compare_text
from .registry import implements
from .strings import check_long
from .values import FunctionError, type_name, usage


def _boolean(function: str, value):
    # and/or stop at the first value that is not a boolean and name its type (observed)
    if not isinstance(value, bool):
        raise FunctionError(
            f"The template language function '{function}' expects all of its parameters to be booleans. "
            f"Found invalid parameter types: '{type_name(value)}'."
        )
    return value


@implements("if", lazy=True)
def if_(scope, args):
    """The second argument when the first is true, else the third; the other branch is never evaluated."""
    condition = args[0]()
    if not isinstance(condition, bool):
        raise FunctionError(
            "The template language function 'if' expects its first parameter to be of type boolean. "
            f"The provided value is of type '{type_name(condition)}'. {usage('if')}"
        )
    return args[1]() if condition else args[2]()


@implements("and", lazy=True)
def and_(scope, args):
    """True when every argument is true; stops at the first false."""
    for thunk in args:
        if not _boolean("and", thunk()):
            return False
    return True


@implements("or", lazy=True)
def or_(scope, args):
    """True when any argument is true; stops at the first true."""
    for thunk in args:
        if _boolean("or", thunk()):
            return True
    return False


@implements("coalesce", lazy=True)
def coalesce(scope, args):
    """The first argument that is not null; later arguments are never evaluated (observed)."""
    for thunk in args:
        value = thunk()
        if value is not None:
            return value
    return None


@implements("not")
def not_(scope, args):
    """The negation of a boolean."""
    value = args[0]
    if not isinstance(value, bool):
        raise FunctionError(
            "The template language function 'not' expects its parameter to be a boolean. "
            f"The provided value is of type '{type_name(value)}'. {usage('not')}"
        )
    return not value


def same(a, b) -> bool:
    """JSON deep equality as the engine's JToken.DeepEquals: types must match (1 is not 1.0, nor true)."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if kind is dict:
        return len(a) == len(b) and all(key in b and same(value, b[key]) for key, value in a.items())
    if kind is float and a != b:
        # Newtonsoft compares two floats with a tolerance (MathUtils.ApproxEquals): 0.0 equals 1e-300, and NaN
        # equals NaN (observed)
        if a != a:
            return b != b
        tolerance = (abs(a) + abs(b) + 10.0) * 2.2204460492503131e-16
        return -tolerance < a - b < tolerance
    return a == b


def _equal(a, b) -> bool:
    # Two numbers compare by value (1 equals 1.0, as doubles when one is a float); all else strictly (observed).
    if type(a) in _NUMBERS and type(b) in _NUMBERS:
        for value in (a, b):
            if type(value) is int:
                check_long(value)
        return a == b if type(a) is type(b) else float(a) == float(b)
    return same(a, b)


_NUMBERS = (int, float)


@implements("equals")
def equals(scope, args):
    """True when every argument equals the first."""
    first = args[0]
    return all(_equal(first, other) for other in args[1:])


def _ordered(function: str, a, b, test) -> bool:
    """test(a, b) for two numbers (as doubles when one is a float; NaN compares false) or test(order, 0) for two
    strings in the engine's culture order; the engine's errors for anything else."""
    ka, kb = type(a), type(b)
    if ka in _NUMBERS and kb in _NUMBERS:
        for value in (a, b):
            if type(value) is int:
                check_long(value)
        if ka is not kb:
            a, b = float(a), float(b)
        return test(a, b)
    if ka is str and kb is str:
        return test(compare_text(a, b), 0)
    if ka is str or kb is str:
        raise FunctionError(
            f"The template language function '{function}' expects two parameter of matching types. "
            f"The function was invoked with values of type '{type_name(a)}' and '{type_name(b)}' that do not match."
        )
    raise not_numbers(function, (a, b))


def not_numbers(function: str, values) -> FunctionError:
    """The engine's error naming the distinct non-number types among values, in order."""
    names = list(dict.fromkeys(type_name(v) for v in values if type(v) not in _NUMBERS))
    return FunctionError(
        f"The template language function '{function}' expects all of its parameters to be either integer or "
        f"decimal numbers. Found invalid parameter types: '{','.join(names)}'."
    )


@implements("greater")
def greater(scope, args):
    """True when the first value is greater than the second (numbers, or strings in the engine's culture order)."""
    return _ordered("greater", args[0], args[1], operator.gt)


@implements("greaterOrEquals")
def greater_or_equals(scope, args):
    """True when the first value is greater than or equal to the second."""
    return _ordered("greaterOrEquals", args[0], args[1], operator.ge)


@implements("less")
def less(scope, args):
    """True when the first value is less than the second."""
    return _ordered("less", args[0], args[1], operator.lt)


@implements("lessOrEquals")
def less_or_equals(scope, args):
    """True when the first value is less than or equal to the second."""
    return _ordered("lessOrEquals", args[0], args[1], operator.le)
