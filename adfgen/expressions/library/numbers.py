"""Text to number as int() and float() read it: .NET's double.Parse with NumberStyles.Float | AllowThousands.

Observed (data-factory-testing-framework 1.4.4): int('1,000') is 1000, int('1e3') 1000, int('1.0') 1, int('1.5')
fails, int('9223372036854775807') fails (the text is read as a double first, and 2^63 is out of range),
int('NaN') is Int64.MinValue; leading and trailing ASCII white space (tab to carriage return, space) is allowed,
no-break spaces are not; the NaN and infinity symbols match without regard to case. float(text, culture) uses
the culture's decimal and group separators, signs and symbols, taken from .NET itself (dotnet_numbers.py);
'de-DE' reads '1.000,5' as 1000.5, and names .NET cannot make a culture of are refused.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from .dotnet_numbers import CULTURES, SYMBOLS, UNKNOWN

_SPACE = "[\t\n\x0b\x0c\r ]*"
_TRIM = "\t\n\x0b\x0c\r "
# Names .NET (on ICU) takes, observed: a first part of 2 to 11 letters or digits (or just 'c', the POSIX locale),
# or of one character when more parts follow; parts joined by '-' or '_'. Unknown names get ICU's root data.
_CULTURE_NAME = re.compile(r"(?:[A-Za-z0-9]{2,11}|c)(?:[-_][A-Za-z0-9]+)*|[A-Za-z0-9](?:[-_][A-Za-z0-9]+)+", re.I)
# Names ICU knows but .NET then fails on with a NullReferenceException (observed).
_BROKEN_CULTURE = re.compile(r"root|x(?:[-_].*)?", re.IGNORECASE | re.DOTALL)
# Where the culture's minus sign is one of these, .NET also takes a hyphen (NumberFormatInfo.AllowHyphenDuringParsing).
_HYPHEN_LIKE = {"\u2012", "\u207b", "\u208b", "\u2212", "\u2796", "\ufe63", "\uff0d"}
_NBSP_GROUPS = ("\u00a0", "\u202f")


class CultureError(ValueError):
    """A culture name .NET refuses."""


class BrokenCulture(ValueError):
    """A culture name on which the engine fails inside .NET ('root', private-use 'x-...')."""


def check_culture(name: str) -> None:
    """Raise CultureError when .NET has no culture of that name ('' is the invariant culture), BrokenCulture when
    the engine crashes on it."""
    if _BROKEN_CULTURE.fullmatch(name) and name.lower() != "x":
        raise BrokenCulture(name)
    if name and not _CULTURE_NAME.fullmatch(name):
        raise CultureError(name)


def parse_double(text: str, culture: str = "", *, trailing_sign: bool = False) -> float | None:
    """The double .NET reads from text in culture ('' is the invariant culture), or None when it cannot.

    trailing_sign: float() also takes '3-' (NumberStyles.Number | AllowExponent; observed), int() does not.
    """
    parser = _parser(culture)
    match = (parser.trailing if trailing_sign else parser.number).fullmatch(text)
    if match:
        sign, integer, fraction, exponent, *after = match.groups()
        if integer is None and not fraction or sign is not None and after and after[0] is not None:
            return None
        sign = sign if sign is not None else (after[0] if after else None)
        digits = re.sub(r"\D", "", integer or "", flags=re.ASCII) or "0"
        negative = sign is not None and sign in parser.minus
        power = ""
        if exponent:
            exponent_digits = exponent.lstrip("eE")
            power_sign = exponent_digits.rstrip("0123456789")
            power = f"e{'-' if power_sign in parser.minus else ''}{exponent_digits[len(power_sign):]}"
        return float(f"{'-' if negative else ''}{digits}.{fraction or '0'}{power}")
    return parser.special.get(text.strip(_TRIM).lower())


def double_to_long(value: float) -> int | None:
    """The Int64 int() makes of a double: None for fractions and values outside Int64; NaN is Int64.MinValue."""
    if math.isnan(value):
        return -(2**63)
    if math.isinf(value) or not value.is_integer() or not -(2**63) <= value < 2**63:
        return None
    return int(value)


class _Parser:
    __slots__ = ("number", "trailing", "minus", "special")

    def __init__(self, row: tuple[str, ...]) -> None:
        decimal, group, minus, plus, nan, infinity, negative_infinity = row
        minus_signs = [minus] + (["-"] if minus in _HYPHEN_LIKE else [])
        groups = [group] + ([" "] if group in _NBSP_GROUPS else [])
        group_class = "".join(re.escape(g) for g in groups if len(g) == 1)
        signs = "|".join(re.escape(s) for s in sorted({*minus_signs, plus}, key=len, reverse=True))
        # The exponent's sign is the culture's too: ar-SA refuses '8e-4' (its minus is '\u061c-'; observed).
        body = rf"{_SPACE}({signs})?(\d[\d{group_class}]*)?(?:{re.escape(decimal)}(\d*))?([eE](?:{signs})?\d+)?{_SPACE}"
        self.number = re.compile(body, re.ASCII)
        self.trailing = re.compile(rf"{body}(?:({signs}){_SPACE})?", re.ASCII)
        self.minus = set(minus_signs)
        # As .NET's fallback for symbols: the three symbols, a plus sign before infinity or NaN, and the culture's
        # own minus sign before NaN; no hyphen stands in here ('-∞' and '-NaN' fail in sv-SE; observed).
        self.special: dict[str, float] = {(minus + nan).lower(): math.nan}
        self.special[(plus + infinity).lower()] = math.inf
        self.special[(plus + nan).lower()] = math.nan
        self.special[negative_infinity.lower()] = -math.inf
        self.special[infinity.lower()] = math.inf
        self.special[nan.lower()] = math.nan


@lru_cache(maxsize=64)
def _parser(culture: str) -> _Parser:
    return _Parser(SYMBOLS[_row(culture)])


def _row(culture: str) -> int:
    """The symbol row of a culture name: itself, else its nearest parent .NET knows, else ICU's root data."""
    key = culture.lower().replace("_", "-")
    while key:
        if key in CULTURES:
            return CULTURES[key]
        key = key.rpartition("-")[0]
    return CULTURES[""] if not culture else UNKNOWN
