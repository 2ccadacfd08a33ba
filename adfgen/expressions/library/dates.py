"""Date and time functions, with the engine's semantics and messages.

Each function follows the engine's own code (Microsoft.Azure.Workflows.Templates' TemplateExpressionBuiltInFunctions,
read from the IL of the assembly data-factory-testing-framework 1.4.4 ships; observed): the order of its argument
checks, `DateTime.TryParse(..., RoundtripKind)` for timestamps, `DateTime.ToString(format)` for results ('o' by
default, so the input's kind decides between 'Z', '+00:00' and no suffix), the invariant culture unless a locale is
given, and the resource texts of its error messages. The values, parsing, formatting and time zones live in
dotnet_datetime, dotnet_parse, dotnet_format and timezones. Messages name the function canonically ('addDays'),
where the engine repeats the name as written ('ADDDAYS').
"""

from __future__ import annotations

import re
from typing import Any

from .dotnet_cultures import SPECIFIC
from .dotnet_datetime import MAX_DAYS, MAX_HOURS, MAX_MINUTES, MAX_SECONDS, TICKS_PER_DAY, TICKS_PER_HOUR, \
    TICKS_PER_MINUTE, TICKS_PER_SECOND, UNSPECIFIED, UTC, DateTime, DotNetRangeError
from .dotnet_format import INVARIANT, Culture, FormatError, culture, culture_free, format_datetime
from .dotnet_parse import parse
from .registry import implements
from .timezones import UnknownZone, Zone, find_zone, from_utc, is_ambiguous_or_invalid, to_utc_ticks
from .values import FunctionError, type_name

_LINK = "Please see https://aka.ms/logicexpressions#{anchor} for usage details."


def _fail(text: str, *values: Any) -> FunctionError:
    return FunctionError(text.format(*values))


def _type_error(name: str, anchor: str, what: str, value: Any) -> FunctionError:
    return FunctionError(f"The template language function '{name}' expects {what}. The provided value is of type "
                         f"'{type_name(value)}'. {_LINK.format(anchor=anchor)}")


def _count_error(name: str, anchor: str, expects: str, count: int) -> FunctionError:
    return FunctionError(f"The template language function '{name}' expects {expects}. The function was invoked with "
                         f"'{count}' parameter(s). {_LINK.format(anchor=anchor)}")


def _require(condition: bool, error: FunctionError) -> None:
    if not condition:
        raise error


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int32(value: int) -> int:
    """C#'s (int) cast of a long: the low 32 bits, signed."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _timestamp(scope, name: str, text: str, *, to_universal: bool = False) -> DateTime:
    value = parse(text, lambda: _now(scope), to_universal=to_universal)
    if value is None:
        raise _fail("In function '{0}', the value provided for date time string '{1}' was not valid. "
                    "The datetime string must match ISO 8601 format.", name, text)
    return value


def _now(scope) -> DateTime:
    """DateTime.UtcNow from the scope's clock (the host's local time is UTC, so also DateTime.Now)."""
    return DateTime.from_python(scope.clock())


def _format_error(name: str, fmt: str) -> FunctionError:
    return _fail("The template language function '{0}' format parameter '{1}' is not supported. The format must "
                 "be a valid single format specifier character (such as 'd' or 'g') or a valid custom format "
                 "pattern (such as 'MMMM dd, yyyy' or 'hh:mm:ss.ff'). For details please review the Standard Date "
                 "and Time Format Strings and the Custom Date and Time Format Strings of the .Net framework.",
                 name, fmt)


def _formatted(name: str, value: DateTime, fmt: str, info: Culture = INVARIANT) -> str:
    try:
        return format_datetime(value, fmt, info)
    except FormatError:
        raise _format_error(name, fmt) from None


# ---------------------------------------------------------------------------------------------------- formatDateTime

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
            raise _fail("The template language function '{0}' was unable to find the locale associated with "
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
        raise _count_error(name, anchor, "a timestamp as the first parameter, an optional format string as the "
                           "second parameter and an optional locale as the third parameter", len(args))
    _require(isinstance(args[0], str), _type_error(name, anchor, "its first parameter to be of type string", args[0]))
    value = _timestamp(scope, name, args[0])
    if len(args) >= 2:
        _require(isinstance(args[1], str),
                 _type_error(name, anchor, "its second parameter to be of type string", args[1]))
    if len(args) == 3:
        _require(isinstance(args[2], str),
                 _type_error(name, anchor, "its third parameter to be of type string", args[2]))
        try:
            info = _culture(name, args[2])
        except _NoCultureData:
            # a format of digits and literals only gives the same text in every culture, and an invalid format
            # is invalid in every culture
            try:
                text = culture_free(value, args[1])
            except FormatError:
                raise _format_error(name, args[1]) from None
            if text is None:
                raise
            return text
        return _formatted(name, value, args[1], info)
    return _formatted(name, value, args[1] if len(args) == 2 else "o")


# ------------------------------------------------------------------------------------ addDays, addHours, ...

def _add_units(name: str, unit: str, max_units: int, ticks_per_unit: int, catches_range: bool):
    anchor = name.lower()

    def body(scope, args):
        if not 2 <= len(args) <= 3:
            raise _count_error(name, anchor, f"a timestamp as the first parameter, the number of {unit} to add as the "
                               "second parameter, and an optional format string as the third parameter", len(args))
        _require(isinstance(args[0], str),
                 _type_error(name, anchor, "its first parameter to be a string that contains the time", args[0]))
        _require(_is_int(args[1]), _type_error(name, anchor, "its second parameter to be an integer", args[1]))
        value = _timestamp(scope, name, args[0])
        if len(args) == 3 and not isinstance(args[2], str):
            what = "its third parameter to be of type string"
            error = _type_error(name, anchor, what, args[2])
            if name == "addSeconds":  # the engine's resource text says this twice
                error = FunctionError(error.message.replace(". Please", f". The provided value is of type "
                                                            f"'{type_name(args[2])}'. Please"))
            raise error
        fmt = args[2] if len(args) == 3 else "o"
        try:
            moved = value.add_units(args[1], max_units, ticks_per_unit)
        except DotNetRangeError as error:
            if not catches_range:  # addMinutes and addSeconds let .NET's exception through (observed)
                raise FunctionError(error.message) from None
            raise _fail("The template language function '{0}' second parameter '{1}' is not valid. The added or "
                        "subtracted value results in an unrepresentable DateTime.", name, args[1]) from None
        return _formatted(name, moved, fmt)

    body.__doc__ = f"The timestamp plus a number of {unit}."
    implements(name)(body)
    return body


add_days = _add_units("addDays", "days", MAX_DAYS, TICKS_PER_DAY, True)
add_hours = _add_units("addHours", "hours", MAX_HOURS, TICKS_PER_HOUR, True)
add_minutes = _add_units("addMinutes", "minutes", MAX_MINUTES, TICKS_PER_MINUTE, False)
add_seconds = _add_units("addSeconds", "seconds", MAX_SECONDS, TICKS_PER_SECOND, False)


# ------------------------------------------------------------------- addToTime, subtractFromTime, get*Time

# Microsoft.Azure.Workflows.Templates.Schema.FlowRecurrenceFrequency, parsed with Enum.TryParse(ignoreCase)
_FREQUENCIES = {"notspecified": 0, "second": 1, "minute": 2, "hour": 3, "day": 4, "week": 5, "month": 6, "year": 7}
_FREQUENCY_NAMES = ["Second", "Minute", "Hour", "Day", "Week", "Month", "Year"]
_ENUM_NUMBER = re.compile(r"^[+-]?\d+$")
# Second .. Week as (factor, .NET's limit on the AddX value, ticks per unit): a week is AddDays(7 n) (observed)
_UNIT_STEPS = {1: (1, MAX_SECONDS, TICKS_PER_SECOND), 2: (1, MAX_MINUTES, TICKS_PER_MINUTE),
               3: (1, MAX_HOURS, TICKS_PER_HOUR), 4: (1, MAX_DAYS, TICKS_PER_DAY), 5: (7, MAX_DAYS, TICKS_PER_DAY)}


def _frequency(text: str) -> int | None:
    """Enum.TryParse<FlowRecurrenceFrequency>(text, ignoreCase: true): names, numbers, 'Day, Hour' (OR-ed)."""
    text = text.strip()
    if not text:
        return None
    if text[0].isdigit() or text[0] in "+-":
        if not _ENUM_NUMBER.match(text):
            return None
        number = int(text)
        return number if -(1 << 31) <= number < 1 << 31 else None
    result = 0
    for part in text.split(","):
        key = part.strip().lower()
        if key not in _FREQUENCIES:
            return None
        result |= _FREQUENCIES[key]
    return result


def _shift(name: str, value: DateTime, interval: int, unit: str) -> DateTime:
    """value moved by interval units: GetTimeSpan (the move as a TimeSpan) added back, i.e. .NET's AddX."""
    frequency = _frequency(unit)
    if not frequency:
        raise _fail("The template language function '{0}' expects its second parameter to be a string that "
                    "represents a valid time unit. The provided value '{1}' is not a valid time unit. Please see "
                    "https://aka.ms/logicexpressions#GetFutureTime for usage details.", name, unit)
    if not 1 <= frequency <= 7:
        raise _fail("The recurrence frequency '{0}' is not supported. The supported frequencies are '{1}'.",
                    frequency, ", ".join(_FREQUENCY_NAMES))
    try:
        if frequency == 6:
            return value.add_months(interval)
        if frequency == 7:
            return value.add_years(interval)
        factor, max_units, ticks_per_unit = _UNIT_STEPS[frequency]
        return value.add_units(interval * factor, max_units, ticks_per_unit)
    except DotNetRangeError:
        raise _fail("The template language function '{0}' could not create time value with time interval '{1}' "
                    "and time unit '{2}'. It results in an out of time range value.", name, interval, unit) from None


def _to_time(name: str, anchor: str, sign: int):
    def body(scope, args):
        if not 3 <= len(args) <= 4:
            raise _count_error(name, anchor, "a timestamp as the first parameter, an interval as the second "
                               "parameter, a time unit as the third parameter, and an optional format string as the "
                               "fourth parameter", len(args))
        _require(isinstance(args[0], str),
                 _type_error(name, anchor, "its first parameter to be a string that contains the time", args[0]))
        _require(_is_int(args[1]), _type_error(name, anchor, "its second parameter to be an integer", args[1]))
        _require(isinstance(args[2], str), _type_error(
            name, anchor, "its third parameter to be a string that contains the time unit", args[2]))
        if len(args) == 4:
            _require(isinstance(args[3], str), _type_error(
                name, anchor, "its fourth parameter to be a string that contains a date time format", args[3]))
        value = _timestamp(scope, name, args[0])
        moved = _shift(name, value, _int32(_int32(args[1]) * sign), args[2])
        return _formatted(name, moved, args[3] if len(args) == 4 else "o")

    body.__doc__ = f"The timestamp {'plus' if sign > 0 else 'minus'} an interval of a unit (Second .. Year)."
    implements(name)(body)
    return body


add_to_time = _to_time("addToTime", "AddToTime", 1)
subtract_from_time = _to_time("subtractFromTime", "SubtractFromTime", -1)


def _relative(name: str, anchor: str, sign: int):
    def body(scope, args):
        if not 2 <= len(args) <= 3:
            raise _count_error(name, anchor, "an interval as the first parameter, a time unit as the second "
                               "parameter, and an optional format string as the third parameter", len(args))
        _require(_is_int(args[0]), _type_error(name, anchor, "its first parameter to be an integer", args[0]))
        _require(isinstance(args[1], str), _type_error(
            name, anchor, "its second parameter to be a string that contains the time unit", args[1]))
        if len(args) == 3:
            _require(isinstance(args[2], str), _type_error(
                name, anchor, "its third parameter to be a string that contains a date time format", args[2]))
        moved = _shift(name, _now(scope), _int32(_int32(args[0]) * sign), args[1])
        return _formatted(name, moved, args[2] if len(args) == 3 else "o")

    body.__doc__ = f"The scope's clock {'plus' if sign > 0 else 'minus'} an interval of a unit, as UTC."
    implements(name)(body)
    return body


get_future_time = _relative("getFutureTime", "GetFutureTime", 1)
get_past_time = _relative("getPastTime", "GetPastTime", -1)


@implements("utcNow")
def utc_now(scope, args):
    """The scope's clock as UTC, in a format ('o' by default)."""
    name, anchor = "utcNow", "utcnow"
    if len(args) > 1:
        raise FunctionError(
            f"The template language function '{name}' can be invoked with no parameters or with an optional format "
            f"parameter. The function was invoked with '{len(args)}' parameter(s). {_LINK.format(anchor=anchor)}")
    if args:
        _require(isinstance(args[0], str), _type_error(name, anchor, "its parameter to be of type string", args[0]))
    return _formatted(name, _now(scope), args[0] if args else "o")


# ------------------------------------------------------------------------------------------------- startOf...

def _start_of(name: str, truncate):
    anchor = name.lower()

    def body(scope, args):
        if not 1 <= len(args) <= 2:
            raise _count_error(name, anchor, "a timestamp as the first parameter and an optional format string as "
                               "the second parameter", len(args))
        _require(isinstance(args[0], str), _type_error(
            name, anchor, "its first parameter to be a string that represents a timestamp", args[0]))
        value = _timestamp(scope, name, args[0])
        if len(args) == 2:
            _require(isinstance(args[1], str),
                     _type_error(name, anchor, "its second parameter to be of type string", args[1]))
        return _formatted(name, truncate(value), args[1] if len(args) == 2 else "o")

    body.__doc__ = f"The timestamp truncated to the {name[7:].lower()}, same kind (Z, offset or none)."
    implements(name)(body)
    return body


start_of_day = _start_of("startOfDay", lambda v: DateTime(v.ticks - v.ticks % TICKS_PER_DAY, v.kind))
start_of_hour = _start_of("startOfHour", lambda v: DateTime(v.ticks - v.ticks % TICKS_PER_HOUR, v.kind))
start_of_month = _start_of("startOfMonth", lambda v: DateTime.of(v.year, v.month, 1, kind=v.kind))


# --------------------------------------------------------------------------------- dayOf..., ticks

def _part(name: str, anchor: str, read):
    def body(scope, args):
        if len(args) != 1:
            raise _count_error(name, name.lower(), "a single parameter that is a timestamp", len(args))
        _require(isinstance(args[0], str), _type_error(
            name, anchor, "its parameter to be a string that represents a timestamp", args[0]))
        return read(_timestamp(scope, name, args[0]))

    body.__doc__ = f"{name} of the timestamp as an integer."
    implements(name)(body)
    return body


day_of_month = _part("dayOfMonth", "dayofymonth", lambda v: v.day)  # sic: the engine's link has this typo
day_of_week = _part("dayOfWeek", "dayofweek", lambda v: v.day_of_week)
day_of_year = _part("dayOfYear", "dayofyear", lambda v: v.day_of_year)
ticks = _part("ticks", "ticks", lambda v: v.ticks)


# ---------------------------------------------------------------------------------------------- time zones

def _zone(name: str, zone_name: str) -> Zone:
    try:
        return find_zone(zone_name)
    except UnknownZone:
        raise _fail("In the template language function '{0}', the value provided for the time zone id '{1}' was "
                    "not valid. ", name, zone_name) from None


def _check_unambiguous(name: str, zone: Zone, value: DateTime) -> None:
    if is_ambiguous_or_invalid(zone, value):
        raise _fail("The template language function '{0}' was given a timestamp '{1}' that was invalid or ambiguous "
                    "in the source time zone '{2}'.", name, format_datetime(value, "o"), zone.standard_name)


@implements("convertFromUtc")
def convert_from_utc(scope, args):
    """A UTC timestamp ('Z') as wall time in a zone; no offset in the output unless the zone is 'UTC'."""
    name, anchor = "convertFromUtc", "ConvertFromUtc"
    if not 2 <= len(args) <= 3:
        raise _count_error(name, anchor, "a timestamp as the first parameter, a target time zone as the second "
                           "parameter, and an optional format string as the third parameter", len(args))
    _require(isinstance(args[0], str),
             _type_error(name, anchor, "its first parameter to be a string that contains the time", args[0]))
    _require(isinstance(args[1], str), _type_error(
        name, anchor, "its second parameter to be a string that contains the target time zone", args[1]))
    if len(args) == 3:
        _require(isinstance(args[2], str), _type_error(
            name, anchor, "its third parameter to be a string that contains a date time format", args[2]))
    value = _timestamp(scope, name, args[0])
    if value.kind != UTC:
        raise _fail("The template language function '{0}' expects its first parameter to be a string that contains "
                    "a UTC date time. The value was '{1}'. {2}", name, format_datetime(value, "o"),
                    _LINK.format(anchor=anchor))
    zone = _zone(name, args[1])
    return _formatted(name, from_utc(value.ticks, zone), args[2] if len(args) == 3 else "o")


@implements("convertToUtc")
def convert_to_utc(scope, args):
    """A wall time in a zone as UTC ('Z'); a timestamp that carries its own zone must be in 'UTC' itself."""
    name, anchor = "convertToUtc", "ConvertToUtc"
    if not 2 <= len(args) <= 3:
        raise _count_error(name, anchor, "a timestamp as the first parameter, a source time zone as the second "
                           "parameter, and an optional format string as the third parameter", len(args))
    _require(isinstance(args[0], str),
             _type_error(name, anchor, "its first parameter to be a string that contains the time", args[0]))
    _require(isinstance(args[1], str), _type_error(
        name, anchor, "its second parameter to be a string that contains the source time zone", args[1]))
    if len(args) == 3:
        _require(isinstance(args[2], str), _type_error(
            name, anchor, "its third parameter to be a string that contains a date time format", args[2]))
    zone = _zone(name, args[1])
    value = _timestamp(scope, name, args[0])
    _check_unambiguous(name, zone, value)
    fmt = args[2] if len(args) == 3 else "o"
    if value.kind != UNSPECIFIED:
        # TimeZoneInfo.ConvertTimeToUtc refuses a Utc value unless the zone is UTC, and every Local value
        if not (value.kind == UTC and zone.is_utc):
            raise _fail("The template language function '{0}' expects its second parameter to be a time zone "
                        "matching the time zone indicated by the timestamp. The provided value '{1}' is not valid or "
                        "does not match the timestamp '{2}'. {3}", name, zone.display_name,
                        format_datetime(value, "o"), _LINK.format(anchor=anchor))
        return _formatted(name, value, fmt)
    return _formatted(name, from_utc(to_utc_ticks(value.ticks, zone), find_zone("UTC")), fmt)


@implements("convertTimeZone")
def convert_time_zone(scope, args):
    """A timestamp from one zone to another; a timestamp with 'Z' or an offset is taken as that instant."""
    name, anchor = "convertTimeZone", "ConvertTimeZone"
    if not 3 <= len(args) <= 4:
        raise _count_error(name, anchor, "a timestamp as the first parameter, a source time zone as the second "
                           "parameter, a target time zone as the third parameter, and an optional format string as "
                           "the fourth parameter", len(args))
    _require(isinstance(args[0], str),
             _type_error(name, anchor, "its first parameter to be a string that contains the time", args[0]))
    _require(isinstance(args[1], str), _type_error(
        name, anchor, "its second parameter to be a string that contains a source time zone", args[1]))
    _require(isinstance(args[2], str), _type_error(
        name, anchor, "its third parameter to be a string that contains the target time zone", args[2]))
    if len(args) == 4:
        _require(isinstance(args[3], str), _type_error(
            name, anchor, "its fourth parameter to be a string that contains a date time format", args[3]))
    value = _timestamp(scope, name, args[0], to_universal=True)
    source, target = _zone(name, args[1]), _zone(name, args[2])
    fmt = args[3] if len(args) == 4 else "o"
    _check_unambiguous(name, source, value)
    utc_ticks = value.ticks if value.kind == UTC else to_utc_ticks(value.ticks, source)
    return _formatted(name, from_utc(utc_ticks, target), fmt)
