"""Argument checks, timestamps and error messages shared by the date and time functions (see dates.py).

The message texts are the engine's resource texts (observed, data-factory-testing-framework 1.4.4).
"""

from __future__ import annotations

from typing import Any

from .dotnet_datetime import DateTime
from .dotnet_format import INVARIANT, Culture, FormatError, format_datetime
from .dotnet_parse import parse
from .values import FunctionError, type_name

LINK = "Please see https://aka.ms/logicexpressions#{anchor} for usage details."


def fail(text: str, *values: Any) -> FunctionError:
    """An error of one of the engine's resource texts, its {0}, {1}, ... filled in."""
    return FunctionError(text.format(*values))


def type_error(name: str, anchor: str, what: str, value: Any) -> FunctionError:
    """'... expects <what>. The provided value is of type ...' with the usage link."""
    return FunctionError(f"The template language function '{name}' expects {what}. The provided value is of type "
                         f"'{type_name(value)}'. {LINK.format(anchor=anchor)}")


def count_error(name: str, anchor: str, expects: str, count: int) -> FunctionError:
    """'... expects <expects>. The function was invoked with 'n' parameter(s).' with the usage link."""
    return FunctionError(f"The template language function '{name}' expects {expects}. The function was invoked with "
                         f"'{count}' parameter(s). {LINK.format(anchor=anchor)}")


def require(condition: bool, error: FunctionError) -> None:
    """Raise error unless condition holds."""
    if not condition:
        raise error


def is_int(value: Any) -> bool:
    """True for an integer that is not a boolean."""
    return isinstance(value, int) and not isinstance(value, bool)


def int32(value: int) -> int:
    """C#'s (int) cast of a long: the low 32 bits, signed."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def timestamp(scope, name: str, text: str, *, to_universal: bool = False) -> DateTime:
    """The DateTime that DateTime.TryParse(text, RoundtripKind) reads, or the engine's ISO 8601 error."""
    value = parse(text, lambda: now(scope), to_universal=to_universal)
    if value is None:
        raise fail("In function '{0}', the value provided for date time string '{1}' was not valid. "
                   "The datetime string must match ISO 8601 format.", name, text)
    return value


def now(scope) -> DateTime:
    """DateTime.UtcNow from the scope's clock (the host's local time is UTC, so also DateTime.Now)."""
    return DateTime.from_python(scope.clock())


def format_error(name: str, fmt: str) -> FunctionError:
    """The engine's error for a format string .NET refuses."""
    return fail("The template language function '{0}' format parameter '{1}' is not supported. The format must "
                "be a valid single format specifier character (such as 'd' or 'g') or a valid custom format "
                "pattern (such as 'MMMM dd, yyyy' or 'hh:mm:ss.ff'). For details please review the Standard Date "
                "and Time Format Strings and the Custom Date and Time Format Strings of the .Net framework.",
                name, fmt)


def formatted(name: str, value: DateTime, fmt: str, info: Culture = INVARIANT) -> str:
    """value.ToString(fmt, info), or the engine's format error."""
    try:
        return format_datetime(value, fmt, info)
    except FormatError:
        raise format_error(name, fmt) from None
