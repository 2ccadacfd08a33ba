"""Argument checks and error messages shared by the conversion functions, in the engine's wording (observed).

The conversion families (conversions, binaries, datauris, uris, jsonxml) were observed through
data-factory-testing-framework 1.4.4 (Microsoft's Logic Apps engine on .NET 8) and are held to it by
tests/evaluator_cases/conversions.py and tests/test_evaluator_properties_conversions.py.
"""

from __future__ import annotations

import base64 as _base64
from typing import Any

from .values import FunctionError, binary_parts, content_type_of, type_name, usage as _usage

FUNCTION = "The template language function"


def usage(function: str) -> str:
    """The usage pointer; conversion functions' messages keep the function's case (observed: #base64ToString)."""
    return _usage(function, keep_case=True)


def one(function: str, args: list[Any], what: str, plural: str = "parameters") -> Any:
    """The single argument, or the engine's arity error ("expects one parameter: <what>")."""
    if len(args) != 1:
        raise FunctionError(
            f"{FUNCTION} '{function}' expects one parameter: {what}. "
            f"The function was invoked with '{len(args)}' {plural}. {usage(function)}"
        )
    return args[0]


def at_least_one(function: str, args: list[Any], what: str) -> None:
    """The engine's error for a call without arguments ("expects at least one parameter: <what>")."""
    if not args:
        raise FunctionError(
            f"{FUNCTION} '{function}' expects at least one parameter: {what}. "
            f"The function was invoked with '0' parameters. {usage(function)}"
        )


def expects(function: str, what: str, value: Any) -> FunctionError:
    """'... expects its parameter to be <what>. The provided value is of type ...' (one-parameter functions)."""
    return FunctionError(
        f"{FUNCTION} '{function}' expects its parameter to be {what}. "
        f"The provided value is of type '{type_name(value)}'. {usage(function)}"
    )


def not_valid(function: str, reason: str = "The value cannot be converted to the target type.") -> FunctionError:
    """'... was invoked with a parameter that is not valid. <reason>'."""
    return FunctionError(f"{FUNCTION} '{function}' was invoked with a parameter that is not valid. {reason}")


def string_argument(function: str, value: Any) -> str:
    """value when it is a string, else the engine's 'expects its parameter to be a string' error."""
    if not isinstance(value, str):
        raise expects(function, "a string", value)
    return value


def binary_argument(function: str, value: Any) -> tuple[tuple[Any, Any], str] | None:
    """(envelope, content type) of a binary value, None for other values; not_valid for null and for a binary value
    whose content type .NET cannot read (binary() and dataUri(), observed)."""
    if value is None:
        raise not_valid(function)
    envelope = binary_parts(value)
    if envelope is None:
        return None
    try:
        return envelope, content_type_of(envelope)
    except ValueError:
        raise not_valid(function) from None


def b64(data: bytes) -> str:
    """Base64 text of bytes."""
    return _base64.b64encode(data).decode("ascii")


def utf8(text: str) -> bytes:
    """UTF-8 of text; lone surrogates pass through as .NET's encoder lets them (surrogatepass)."""
    return text.encode("utf-8", errors="surrogatepass")
