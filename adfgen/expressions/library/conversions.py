"""Conversions between the plain value types: string(), int(), float(), bool(), array() and createArray().

Every rule here was observed through data-factory-testing-framework 1.4.4 (Microsoft's Logic Apps engine on
.NET 8) and is held to it by tests/evaluator_cases/conversions.py and tests/test_evaluator_properties_conversions.py.
The other conversion families live beside it: binaries (base64, binary), datauris, uris and jsonxml; their shared
argument checks and messages are conversion_args.
"""

from __future__ import annotations

from .conversion_args import FUNCTION, not_valid, one, usage
from .numbers import BrokenCulture, CultureError, check_culture, double_to_long, parse_double
from .registry import implements
from .values import FunctionError, NotConvertible, is_big_integer, to_string


@implements("string")
def string(scope, args):
    """Any value as text, as concat() and interpolation write it."""
    value = one("string", args, "the value that is to be converted to a string")
    try:
        return to_string(value)
    except NotConvertible:
        raise not_valid("string", "The value cannot be converted to a string.") from None


@implements("int")
def int_(scope, args):
    """An Int64 from a number, a boolean or text, always by way of a double (so large integers round)."""
    value = one("int", args, "the value that is to be converted to an integer")
    result: int | None = None
    if isinstance(value, bool):
        result = int(value)
    elif isinstance(value, int):  # through a double too: int(9007199254740993) is 9007199254740992 (observed)
        result = None if is_big_integer(value) else double_to_long(float(value))
    elif isinstance(value, float):
        result = double_to_long(value)
    elif isinstance(value, str):
        number = parse_double(value)
        result = None if number is None else double_to_long(number)
    if result is None:
        raise not_valid("int")
    return result


@implements("float")
def float_(scope, args):
    """A double from a number, a boolean or text; text in an optional culture ('de-DE': '1,5' is 1.5)."""
    if len(args) not in (1, 2):
        one("float", args, "the value that is to be converted to a floating point number")
    value = args[0]
    culture = ""
    if len(args) == 2:
        if not isinstance(value, str):
            # The engine names the culture, not the value's type, here (observed).
            shown = "<null>" if args[1] is None else to_string(args[1])
            raise FunctionError(
                f"{FUNCTION} 'float' expects its first parameter to be a string when a culture is supplied in the "
                f"second parameter. The provided value is of type '{shown}'. {usage('float')}"
            )
        if args[1] is None or isinstance(args[1], (list, dict)):
            raise not_valid("float")
        culture = to_string(args[1])
        try:
            check_culture(culture)
        except BrokenCulture:  # the engine fails inside .NET (observed)
            raise FunctionError("Object reference not set to an instance of an object.") from None
        except CultureError:
            raise FunctionError(
                f"{FUNCTION} 'float' expects an RFC 4646 culture identifier as its second parameter. "
                f"Culture name '{culture}' is not supported. {usage('float')}"
            ) from None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int) and not is_big_integer(value):
        return float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        number = parse_double(value, culture, trailing_sign=True)
        if number is not None:
            return number
    raise not_valid("float")


_BOOL_SPACE = (  # char.IsWhiteSpace and NUL, which Boolean.Parse trims
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\x00"
)


@implements("bool")
def bool_(scope, args):
    """A boolean from a number (non-zero is true, NaN too) or the text 'true'/'false' in any case."""
    value = one("bool", args, "the value that is to be converted to a boolean")
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not is_big_integer(value):
        return value != 0
    if isinstance(value, float):
        return value != 0.0 or value != value
    if isinstance(value, str):
        word = value.strip(_BOOL_SPACE).lower()  # .NET's Boolean.Parse trims white space and NUL
        if word in ("true", "false"):
            return word == "true"
    raise not_valid("bool")


@implements("array")
def array(scope, args):
    """A one-item array of the value; an array is returned as it is (observed)."""
    value = one("array", args, "the value that is to be converted to an array")
    return value if isinstance(value, list) else [value]


@implements("createArray")
def create_array(scope, args):
    """An array of the arguments."""
    if not args:
        raise FunctionError(
            f"{FUNCTION} 'createArray' expects a comma separated list of parameters. "
            f"The function was invoked with no parameters. {usage('createArray')}"
        )
    return list(args)
