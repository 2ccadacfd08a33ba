"""formatDateTime(): a timestamp in a .NET format string, in the invariant culture or a given locale.

Observed (data-factory-testing-framework 1.4.4; see dates.py for how the engine's code was read): the locale is
CultureInfo.CreateSpecificCulture's, with its "language-region" fallback; the formatting itself is dotnet_format.
"""

from __future__ import annotations

import re

from .date_args import count_error, fail, format_error, formatted, require, timestamp, type_error
from .dotnet_cultures import SPECIFIC
from .dotnet_format import INVARIANT, Culture, FormatError, culture, culture_free
from .registry import implements
from .values import FunctionError

# .NET's culture-name check (CultureData.IsValidCultureName): 2 to 85 ASCII letters, digits and '-', at most one '_'
_CULTURE_NAME = re.compile(r"^(?=.{2,85}$)[A-Za-z0-9-]*(?:_[A-Za-z0-9-]*)?$")


class _NoCultureData(FunctionError):
    """A locale .NET would accept but whose data adfgen does not carry."""


class _InvalidCulture(Exception):
    """A name .NET refuses as a culture."""


def _culture(name: str, locale: str) -> Culture:
    """CultureInfo.CreateSpecificCulture(locale), for the cultures whose data adfgen carries.

    When the whole name is refused, .NET retries with the part before the first '-' (CreateSpecificCulture's
    "language-region" fallback), so 'de-DE:x' is German and '-x' the invariant culture (observed on the engine).
    """
    try:
        return _specific_culture(locale)
    except _InvalidCulture:
        dash = locale.find("-")
        try:
            if dash < 0:
                raise
            return _specific_culture(locale[:dash])
        except _InvalidCulture:
            raise fail("The template language function '{0}' was unable to find the locale associated with "
                       "'{1}'. The provided locale name is either invalid or does not have a locale associated "
                       "with it. Please see https://aka.ms/logicexpressions#formatdatetime for usage details.",
                       name, locale) from None


def _specific_culture(locale: str) -> Culture:
    folded = locale.lower()
    if folded in ("", "c", "iv"):  # 'iv' is .NET's name of the invariant culture (observed)
        return INVARIANT
    if folded in SPECIFIC:
        return culture(SPECIFIC[folded])
    if not _CULTURE_NAME.match(locale) or locale.endswith("-"):  # ICU refuses an empty last subtag ('a-', observed)
        raise _InvalidCulture(locale)
    known = ", ".join(sorted({v for v in SPECIFIC.values()}))
    raise _NoCultureData(f"adfgen's evaluator has no date formatting data for the locale '{locale}' "
                        f"(it knows the invariant culture and {known}).")


@implements("formatDateTime")
def format_date_time(scope, args):
    """The timestamp in a .NET format (default 'o'), in the invariant culture or the given locale."""
    name, anchor = "formatDateTime", "formatdatetime"
    if not 1 <= len(args) <= 3:
        raise count_error(name, anchor, "a timestamp as the first parameter, an optional format string as the "
                          "second parameter and an optional locale as the third parameter", len(args))
    require(isinstance(args[0], str), type_error(name, anchor, "its first parameter to be of type string", args[0]))
    value = timestamp(scope, name, args[0])
    if len(args) >= 2:
        require(isinstance(args[1], str),
                type_error(name, anchor, "its second parameter to be of type string", args[1]))
    if len(args) == 3:
        require(isinstance(args[2], str),
                type_error(name, anchor, "its third parameter to be of type string", args[2]))
        try:
            info = _culture(name, args[2])
        except _NoCultureData:
            # a format of digits and literals only gives the same text in every culture, and an invalid format
            # is invalid in every culture
            try:
                text = culture_free(value, args[1])
            except FormatError:
                raise format_error(name, args[1]) from None
            if text is None:
                raise
            return text
        return formatted(name, value, args[1], info)
    return formatted(name, value, args[1] if len(args) == 2 else "o")
