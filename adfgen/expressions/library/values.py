"""Value helpers shared by the function implementations: the engine's type names, string conversion, type checks.

Values are JSON values as Python holds them (str, int, float, bool, None, list, dict); binary values are `bytes`.
Where .NET formats a value differently from Python (True, 1E+20), these helpers follow .NET, since the engine is
Microsoft's Logic Apps template engine running on .NET (observed through data-factory-testing-framework 1.4.4).
"""

from __future__ import annotations

import math
from typing import Any

import orjson

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


class FunctionError(Exception):
    """A function refused its arguments; the evaluator adds the position of the call."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def type_name(value: Any) -> str:
    """The engine's name for value's type, as its error messages spell it ('String', 'Integer', ...)."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Object"
    if isinstance(value, (bytes, bytearray)):
        return "Bytes"
    return type(value).__name__


def ordinal(index: int) -> str:
    """'first', 'second', ... for a 0-based argument index."""
    return ORDINALS[index] if index < len(ORDINALS) else f"{index + 1}th"


def usage(function: str) -> str:
    """The engine's usage pointer that ends its function error messages."""
    return f"Please see https://aka.ms/logicexpressions#{function.lower()} for usage details."


def expected(function: str, index: int, what: str, value: Any) -> FunctionError:
    """The engine's wrong-type error: "... expects its second parameter to be <what>. The provided value is ..."."""
    return FunctionError(
        f"The template language function '{function}' expects its {ordinal(index)} parameter to be {what}. "
        f"The provided value is of type '{type_name(value)}'. {usage(function)}"
    )


def is_number(value: Any) -> bool:
    """True for integers and floats, not booleans."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_double(value: float) -> str:
    """A float as .NET's double.ToString() writes it: shortest round-trip digits, 'E+XX' beyond 1E+15."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    mantissa, _, exponent = text.partition("e")
    if not exponent:
        exp = _decimal_exponent(value)
        if -5 <= exp < 15:
            return text
        mantissa, exponent = _scientific(text)
    exp_value = int(exponent)
    if -5 <= exp_value < 15:
        return f"{value:.{max(0, 16 - exp_value)}f}".rstrip("0").rstrip(".") if exp_value < 0 else repr(value)
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    sign = "-" if exp_value < 0 else "+"
    return f"{mantissa}E{sign}{abs(exp_value):02d}"


def _decimal_exponent(value: float) -> int:
    return math.floor(math.log10(abs(value))) if value else 0


def _scientific(text: str) -> tuple[str, str]:
    sci = f"{float(text):e}"
    digits = repr(float(text)).replace("-", "").replace(".", "").lstrip("0").rstrip("0") or "0"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    sign = "-" if text.startswith("-") else ""
    return sign + mantissa, sci.partition("e")[2]


def json_text(value: Any) -> str:
    """Compact JSON as the engine writes objects and arrays inside strings."""
    return orjson.dumps(value).decode()


def to_string(value: Any) -> str:
    """The engine's conversion of any value to text (string(), concat(), '@{...}' interpolation)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return json_text(value)
