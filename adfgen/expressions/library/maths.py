"""Math functions: add, sub, mul, div, mod, max, min, rand, range.

Integers are .NET longs: a result outside 64 bits is an overflow error, div truncates toward zero and mod keeps
the dividend's sign. With a float on either side the operation is done in doubles (overflowing to infinity), yet
dividing by 0.0 is still an error. rand and range cast their integers to 32-bit ints, wrapping (all observed).
"""

from __future__ import annotations

import math

from .logic import not_numbers
from .registry import implements
from .strings import LONG_MAX, LONG_MIN, check_long, int32, is_integer
from .values import FunctionError, type_name, usage

_NUMBER = (int, float)

# The wording and the usage anchor differ by function and argument: add's first argument may be "a float", mul, div
# and mod point at #mul for the first argument and at #div for the second (observed).
_NUMBER_WORDS = "an integer or a decimal number"
_EXPECTED = {
    ("add", 0): ("an integer, a float or a decimal number", "add"),
    ("add", 1): (_NUMBER_WORDS, "add"),
    ("sub", 0): (_NUMBER_WORDS, "sub"),
    ("sub", 1): (_NUMBER_WORDS, "sub"),
    **{(name, 0): (_NUMBER_WORDS, "mul") for name in ("mul", "div", "mod")},
    **{(name, 1): (_NUMBER_WORDS, "div") for name in ("mul", "div", "mod")},
}


def _operands(function: str, args):
    a, b = args
    for index, (value, ordinal) in enumerate(((a, "first"), (b, "second"))):
        if type(value) not in _NUMBER:
            what, anchor = _EXPECTED[function, index]
            raise FunctionError(
                f"The template language function '{function}' expects its {ordinal} parameter to be {what}. "
                f"The provided value is of type '{type_name(value)}'. {usage(anchor)}"
            )
    if type(a) is int:
        check_long(a)
    if type(b) is int:
        check_long(b)
    if type(a) is int and type(b) is int:
        return a, b, True
    return float(a), float(b), False


def _long(function: str, value: int) -> int:
    if LONG_MIN <= value <= LONG_MAX:
        return value
    raise FunctionError(
        f"The provided parameters for template language function '{function}' caused arithmetic overflow."
    )


def _divisor(function: str, value) -> None:
    if value == 0:
        raise FunctionError(f"Attempt to divide an integral or decimal value by zero in function '{function}'.")


@implements("add")
def add(scope, args):
    """The sum."""
    a, b, integral = _operands("add", args)
    return _long("add", a + b) if integral else a + b


@implements("sub")
def sub(scope, args):
    """The first minus the second."""
    a, b, integral = _operands("sub", args)
    return _long("sub", a - b) if integral else a - b


@implements("mul")
def mul(scope, args):
    """The product."""
    a, b, integral = _operands("mul", args)
    return _long("mul", a * b) if integral else a * b


@implements("div")
def div(scope, args):
    """The quotient: truncated toward zero for two integers."""
    a, b, integral = _operands("div", args)
    _divisor("div", b)
    if not integral:
        return a / b
    quotient = abs(a) // abs(b)
    return _long("div", quotient if (a < 0) == (b < 0) else -quotient)


@implements("mod")
def mod(scope, args):
    """The remainder, with the sign of the dividend."""
    a, b, integral = _operands("mod", args)
    _divisor("mod", b)
    if not integral:
        return math.nan if math.isinf(a) else math.fmod(a, b)  # .NET: infinity % x is NaN; Python raises
    if a == LONG_MIN and b == -1:  # .NET throws where the quotient overflows
        _long("mod", -a)
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder


def _extreme(function: str, args, better):
    values = args[0] if len(args) == 1 and type(args[0]) is list else args
    if not values:
        raise FunctionError(
            f"The template language function '{function}' expects either an array of numbers or a comma separated "
            f"list of numbers as its parameters. The function was invoked with no parameters. {usage(function)}"
        )
    if not all(type(v) in _NUMBER for v in values):
        raise not_numbers(function, values)
    for value in values:
        if type(value) is int:
            check_long(value)
    if any(type(v) is float for v in values):
        values = [float(v) for v in values]
    best = values[0]
    for value in values:
        if better(value, best):  # strictly: on a tie the earlier value stays (max(-0.0, 0.0) is -0.0)
            best = value
        elif value != value if function == "min" else best != best:
            best = value  # as .NET's Enumerable.Min/Max: min takes NaN, max lets any number replace it (observed)
    return best


@implements("max")
def max_(scope, args):
    """The largest number of the arguments, or of one array argument; a float when any is a float."""
    return _extreme("max", args, lambda value, best: value > best)


@implements("min")
def min_(scope, args):
    """The smallest number of the arguments, or of one array argument; a float when any is a float."""
    return _extreme("min", args, lambda value, best: value < best)


def _int_param(function: str, ordinal: str, name: str, value) -> int:
    if not is_integer(value):
        raise FunctionError(
            f"The template language function '{function}' expects its {ordinal} parameter '{name}' to be an integer. "
            f"The provided value is of type '{type_name(value)}'. {usage(function)}"
        )
    return int32(value)


@implements("rand")
def rand(scope, args):
    """A random integer from minimum (inclusive) to maximum (exclusive; minimum itself when they are equal)."""
    low = _int_param("rand", "first", "minimum", args[0])
    high = _int_param("rand", "second", "maximum", args[1])
    if low > high:
        raise FunctionError(
            f"The template language function 'rand' parameters are out of range: the value '{low}' provided for "
            f"'minimum' cannot be greater than the value '{high}' provided for 'maximum'. {usage('rand')}"
        )
    return low if low == high else scope.random.randrange(low, high)


_RANGE_LIMIT = 100_000


@implements("range")
def range_(scope, args):
    """count consecutive integers from start; count at most 100,000 and the last at most 2147483647."""
    start = _int_param("range", "first", "start index", args[0])
    count = _int_param("range", "second", "count", args[1])
    if count < 0 or count > _RANGE_LIMIT or start + count - 1 > 0x7FFFFFFF:
        raise FunctionError(
            "The template language function 'range' parameters are out of range: 'count' must be a positive "
            f"integer no larger than '{_RANGE_LIMIT}' and the sum of 'start index' and 'count' must be no larger "
            f"than 2147483647. {usage('range')}"
        )
    return list(range(start, start + count))
