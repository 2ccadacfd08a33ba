"""Time-zone conversions: convertFromUtc(), convertToUtc() and convertTimeZone().

Observed (data-factory-testing-framework 1.4.4; see dates.py for how the engine's code was read): .NET's
TimeZoneInfo conversions over the zones timezones.py knows by their Windows and IANA names.
"""

from __future__ import annotations

from .date_args import LINK, count_error, fail, formatted, require, timestamp, type_error
from .dotnet_datetime import UNSPECIFIED, UTC, DateTime
from .dotnet_format import format_datetime
from .registry import implements
from .timezones import UnknownZone, Zone, find_zone, from_utc, is_ambiguous_or_invalid, to_utc_ticks


def _zone(name: str, zone_name: str) -> Zone:
    try:
        return find_zone(zone_name)
    except UnknownZone:
        raise fail("In the template language function '{0}', the value provided for the time zone id '{1}' was "
                   "not valid. ", name, zone_name) from None


def _check_unambiguous(name: str, zone: Zone, value: DateTime) -> None:
    if is_ambiguous_or_invalid(zone, value):
        raise fail("The template language function '{0}' was given a timestamp '{1}' that was invalid or ambiguous "
                   "in the source time zone '{2}'.", name, format_datetime(value, "o"), zone.standard_name)


_ORDINALS = ("first", "second", "third", "fourth")


def _arguments(name: str, anchor: str, args: list, expects: str, zones: list[str]) -> str:
    """Check a timestamp, the zone parameters and an optional format in the engine's order; the format ('o' if none).

    expects: the count message's text; zones: how the type messages describe each zone ('the target time zone').
    """
    last = len(zones) + 2
    if not last - 1 <= len(args) <= last:
        raise count_error(name, anchor, expects, len(args))
    require(isinstance(args[0], str),
            type_error(name, anchor, "its first parameter to be a string that contains the time", args[0]))
    for position, zone in enumerate(zones, start=1):
        require(isinstance(args[position], str), type_error(
            name, anchor, f"its {_ORDINALS[position]} parameter to be a string that contains {zone}", args[position]))
    if len(args) < last:
        return "o"
    require(isinstance(args[-1], str), type_error(
        name, anchor, f"its {_ORDINALS[last - 1]} parameter to be a string that contains a date time format", args[-1]))
    return args[-1]


@implements("convertFromUtc")
def convert_from_utc(scope, args):
    """A UTC timestamp ('Z') as wall time in a zone; no offset in the output unless the zone is 'UTC'."""
    name, anchor = "convertFromUtc", "ConvertFromUtc"
    fmt = _arguments(name, anchor, args, "a timestamp as the first parameter, a target time zone as the second "
                     "parameter, and an optional format string as the third parameter", ["the target time zone"])
    value = timestamp(scope, name, args[0])
    if value.kind != UTC:
        raise fail("The template language function '{0}' expects its first parameter to be a string that contains "
                   "a UTC date time. The value was '{1}'. {2}", name, format_datetime(value, "o"),
                   LINK.format(anchor=anchor))
    zone = _zone(name, args[1])
    return formatted(name, from_utc(value.ticks, zone), fmt)


@implements("convertToUtc")
def convert_to_utc(scope, args):
    """A wall time in a zone as UTC ('Z'); a timestamp that carries its own zone must be in 'UTC' itself."""
    name, anchor = "convertToUtc", "ConvertToUtc"
    fmt = _arguments(name, anchor, args, "a timestamp as the first parameter, a source time zone as the second "
                     "parameter, and an optional format string as the third parameter", ["the source time zone"])
    zone = _zone(name, args[1])
    value = timestamp(scope, name, args[0])
    _check_unambiguous(name, zone, value)
    if value.kind != UNSPECIFIED:
        # TimeZoneInfo.ConvertTimeToUtc refuses a Utc value unless the zone is UTC, and every Local value
        if not (value.kind == UTC and zone.is_utc):
            raise fail("The template language function '{0}' expects its second parameter to be a time zone "
                       "matching the time zone indicated by the timestamp. The provided value '{1}' is not valid or "
                       "does not match the timestamp '{2}'. {3}", name, zone.display_name,
                       format_datetime(value, "o"), LINK.format(anchor=anchor))
        return formatted(name, value, fmt)
    return formatted(name, from_utc(to_utc_ticks(value.ticks, zone), find_zone("UTC")), fmt)


@implements("convertTimeZone")
def convert_time_zone(scope, args):
    """A timestamp from one zone to another; a timestamp with 'Z' or an offset is taken as that instant."""
    name, anchor = "convertTimeZone", "ConvertTimeZone"
    fmt = _arguments(name, anchor, args, "a timestamp as the first parameter, a source time zone as the second "
                     "parameter, a target time zone as the third parameter, and an optional format string as the "
                     "fourth parameter", ["a source time zone", "the target time zone"])
    value = timestamp(scope, name, args[0], to_universal=True)
    source, target = _zone(name, args[1]), _zone(name, args[2])
    _check_unambiguous(name, source, value)
    utc_ticks = value.ticks if value.kind == UTC else to_utc_ticks(value.ticks, source)
    return formatted(name, from_utc(utc_ticks, target), fmt)
