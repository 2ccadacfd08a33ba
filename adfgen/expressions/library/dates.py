"""Date and time functions, with the engine's semantics and messages.

Each function follows the engine's own code (Microsoft.Azure.Workflows.Templates' TemplateExpressionBuiltInFunctions,
read from the IL of the assembly data-factory-testing-framework 1.4.4 ships; observed): the order of its argument
checks, `DateTime.TryParse(..., RoundtripKind)` for timestamps, `DateTime.ToString(format)` for results ('o' by
default, so the input's kind decides between 'Z', '+00:00' and no suffix), the invariant culture unless a locale is
given, and the resource texts of its error messages. The values, parsing, formatting and time zones live in
dotnet_datetime, dotnet_parse, dotnet_format and timezones. Messages name the function canonically ('addDays'),
where the engine repeats the name as written ('ADDDAYS'). Here: arithmetic and parts; formatDateTime is
date_formatting, the time-zone conversions date_zones, the shared checks and messages date_args.
"""

from __future__ import annotations

import re

from .date_args import LINK, count_error, fail, formatted, int32, is_int, now, require, timestamp, type_error
from .dotnet_datetime import MAX_DAYS, MAX_HOURS, MAX_MINUTES, MAX_SECONDS, TICKS_PER_DAY, TICKS_PER_HOUR, \
    TICKS_PER_MINUTE, TICKS_PER_SECOND, DateTime, DotNetRangeError
from .registry import implements
from .values import FunctionError, type_name


# ------------------------------------------------------------------------------------ addDays, addHours, ...

def _add_units(name: str, unit: str, max_units: int, ticks_per_unit: int, catches_range: bool):
    anchor = name.lower()

    def body(scope, args):
        if not 2 <= len(args) <= 3:
            raise count_error(name, anchor, f"a timestamp as the first parameter, the number of {unit} to add as the "
                              "second parameter, and an optional format string as the third parameter", len(args))
        require(isinstance(args[0], str),
                type_error(name, anchor, "its first parameter to be a string that contains the time", args[0]))
        require(is_int(args[1]), type_error(name, anchor, "its second parameter to be an integer", args[1]))
        value = timestamp(scope, name, args[0])
        if len(args) == 3 and not isinstance(args[2], str):
            what = "its third parameter to be of type string"
            error = type_error(name, anchor, what, args[2])
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
            raise fail("The template language function '{0}' second parameter '{1}' is not valid. The added or "
                       "subtracted value results in an unrepresentable DateTime.", name, args[1]) from None
        return formatted(name, moved, fmt)

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
        raise fail("The template language function '{0}' expects its second parameter to be a string that "
                   "represents a valid time unit. The provided value '{1}' is not a valid time unit. Please see "
                   "https://aka.ms/logicexpressions#GetFutureTime for usage details.", name, unit)
    if not 1 <= frequency <= 7:
        raise fail("The recurrence frequency '{0}' is not supported. The supported frequencies are '{1}'.",
                   frequency, ", ".join(_FREQUENCY_NAMES))
    try:
        if frequency == 6:
            return value.add_months(interval)
        if frequency == 7:
            return value.add_years(interval)
        factor, max_units, ticks_per_unit = _UNIT_STEPS[frequency]
        return value.add_units(interval * factor, max_units, ticks_per_unit)
    except DotNetRangeError:
        raise fail("The template language function '{0}' could not create time value with time interval '{1}' "
                   "and time unit '{2}'. It results in an out of time range value.", name, interval, unit) from None


def _to_time(name: str, anchor: str, sign: int):
    def body(scope, args):
        if not 3 <= len(args) <= 4:
            raise count_error(name, anchor, "a timestamp as the first parameter, an interval as the second "
                              "parameter, a time unit as the third parameter, and an optional format string as the "
                              "fourth parameter", len(args))
        require(isinstance(args[0], str),
                type_error(name, anchor, "its first parameter to be a string that contains the time", args[0]))
        require(is_int(args[1]), type_error(name, anchor, "its second parameter to be an integer", args[1]))
        require(isinstance(args[2], str), type_error(
            name, anchor, "its third parameter to be a string that contains the time unit", args[2]))
        if len(args) == 4:
            require(isinstance(args[3], str), type_error(
                name, anchor, "its fourth parameter to be a string that contains a date time format", args[3]))
        value = timestamp(scope, name, args[0])
        moved = _shift(name, value, int32(int32(args[1]) * sign), args[2])
        return formatted(name, moved, args[3] if len(args) == 4 else "o")

    body.__doc__ = f"The timestamp {'plus' if sign > 0 else 'minus'} an interval of a unit (Second .. Year)."
    implements(name)(body)
    return body


add_to_time = _to_time("addToTime", "AddToTime", 1)
subtract_from_time = _to_time("subtractFromTime", "SubtractFromTime", -1)


def _relative(name: str, anchor: str, sign: int):
    def body(scope, args):
        if not 2 <= len(args) <= 3:
            raise count_error(name, anchor, "an interval as the first parameter, a time unit as the second "
                              "parameter, and an optional format string as the third parameter", len(args))
        require(is_int(args[0]), type_error(name, anchor, "its first parameter to be an integer", args[0]))
        require(isinstance(args[1], str), type_error(
            name, anchor, "its second parameter to be a string that contains the time unit", args[1]))
        if len(args) == 3:
            require(isinstance(args[2], str), type_error(
                name, anchor, "its third parameter to be a string that contains a date time format", args[2]))
        moved = _shift(name, now(scope), int32(int32(args[0]) * sign), args[1])
        return formatted(name, moved, args[2] if len(args) == 3 else "o")

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
            f"parameter. The function was invoked with '{len(args)}' parameter(s). {LINK.format(anchor=anchor)}")
    if args:
        require(isinstance(args[0], str), type_error(name, anchor, "its parameter to be of type string", args[0]))
    return formatted(name, now(scope), args[0] if args else "o")


# ------------------------------------------------------------------------------------------------- startOf...

def _start_of(name: str, truncate):
    anchor = name.lower()

    def body(scope, args):
        if not 1 <= len(args) <= 2:
            raise count_error(name, anchor, "a timestamp as the first parameter and an optional format string as "
                              "the second parameter", len(args))
        require(isinstance(args[0], str), type_error(
            name, anchor, "its first parameter to be a string that represents a timestamp", args[0]))
        value = timestamp(scope, name, args[0])
        if len(args) == 2:
            require(isinstance(args[1], str),
                    type_error(name, anchor, "its second parameter to be of type string", args[1]))
        return formatted(name, truncate(value), args[1] if len(args) == 2 else "o")

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
            raise count_error(name, name.lower(), "a single parameter that is a timestamp", len(args))
        require(isinstance(args[0], str), type_error(
            name, anchor, "its parameter to be a string that represents a timestamp", args[0]))
        return read(timestamp(scope, name, args[0]))

    body.__doc__ = f"{name} of the timestamp as an integer."
    implements(name)(body)
    return body


day_of_month = _part("dayOfMonth", "dayofymonth", lambda v: v.day)  # sic: the engine's link has this typo
day_of_week = _part("dayOfWeek", "dayofweek", lambda v: v.day_of_week)
day_of_year = _part("dayOfYear", "dayofyear", lambda v: v.day_of_year)
ticks = _part("ticks", "ticks", lambda v: v.ticks)
