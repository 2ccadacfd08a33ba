"""Time zones as the engine finds them: TimeZoneInfo.FindSystemTimeZoneById on .NET 8 for Linux (observed).

The engine accepts Windows zone names ('Pacific Standard Time', 'W. Europe Standard Time', 'UTC-11') and IANA
names ('Europe/Berlin'), both without regard to case; 'UTC' (any case) is .NET's own UTC zone, whose conversions
give UTC values (printed with 'Z'), while every other zone, 'Etc/UTC' included, gives unspecified local times.
Windows names map onto IANA zones with CLDR's windowsZones table (territory 001, as ICU does) from
`tzlocal.windows_tz`; transitions come from `zoneinfo` (the system's tz database, or the `tzdata` package).
.NET keeps whole-minute offsets only: each offset is the zone's standard offset plus the difference truncated to
minutes (Tokyo's 1887 LMT +09:18:59 converts as +09:18, Berlin's +00:53:28 as +00:54, observed), as here.
The names in error messages: .NET on ICU names a zone found by its Windows id 'GMT' (observed, e.g.
"(UTC-08:00) GMT"); for IANA ids ICU's localized names are not reproduced and the id is shown instead.
"""

from __future__ import annotations

import datetime as _dt
import zoneinfo
from dataclasses import dataclass
from functools import cached_property, lru_cache

from tzlocal.windows_tz import win_tz

from .dotnet_datetime import MAX_TICKS, TICKS_PER_DAY, TICKS_PER_MINUTE, TICKS_PER_SECOND, DateTime

# TimeZoneInfo's UTC aliases on Unix (TimeZoneInfo.Unix.cs): their display name is that of UTC
_UTC_ALIASES = {"etc/utc", "etc/uct", "etc/universal", "etc/zulu", "uct", "utc", "universal", "zulu"}
_REFERENCE_INSTANTS = (_dt.datetime(2025, 1, 15, tzinfo=_dt.timezone.utc),
                       _dt.datetime(2025, 7, 15, tzinfo=_dt.timezone.utc))


class UnknownZone(Exception):
    """TimeZoneNotFoundException."""


@dataclass(frozen=True)
class Zone:
    """A found time zone: `is_utc` for .NET's own UTC zone, else an IANA key for zoneinfo."""

    id: str
    key: str
    is_utc: bool = False
    windows: bool = False

    @property
    def info(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.key)

    def offset_from_utc(self, utc_ticks: int) -> int:
        """The zone's offset (ticks, whole minutes) at a UTC instant."""
        if self.is_utc:
            return 0
        moment = _clamped(utc_ticks).replace(tzinfo=_dt.timezone.utc)
        return self._net(moment.astimezone(self.info).utcoffset())

    def offsets_of_wall(self, wall_ticks: int) -> tuple[int, int]:
        """The offsets (fold 0, fold 1) of a wall time: different when it is ambiguous or skipped."""
        if self.is_utc:
            return 0, 0
        wall = _clamped(wall_ticks)
        first = wall.replace(tzinfo=self.info, fold=0).utcoffset()
        second = wall.replace(tzinfo=self.info, fold=1).utcoffset()
        return self._net(first), self._net(second)

    def daylight_fold(self, wall_ticks: int) -> bool:
        """True when a wall time is repeated or skipped by a plain daylight saving change: its two readings
        differ in offset, one in standard time and the other in (positive) daylight time."""
        if self.is_utc:
            return False
        first, second = self._readings(wall_ticks)
        if first.utcoffset() == second.utcoffset():
            return False
        zero = _dt.timedelta(0)
        dst = [reading.dst() or zero for reading in (first, second)]
        return min(dst) >= zero and (dst[0] > zero) != (dst[1] > zero)

    def _readings(self, wall_ticks: int) -> tuple[_dt.datetime, _dt.datetime]:
        wall = _clamped(wall_ticks)
        return wall.replace(tzinfo=self.info, fold=0), wall.replace(tzinfo=self.info, fold=1)

    def base_offset(self) -> int:
        """BaseUtcOffset (ticks, whole minutes): the zone's current standard offset."""
        return _minutes(self._base_seconds) if not self.is_utc else 0

    @cached_property
    def _base_seconds(self) -> int:
        for instant in _REFERENCE_INSTANTS:
            local = instant.astimezone(self.info)
            if not local.dst():
                return int(local.utcoffset().total_seconds())
        return int(_REFERENCE_INSTANTS[0].astimezone(self.info).utcoffset().total_seconds())

    def _net(self, offset: _dt.timedelta | None) -> int:
        """An offset as .NET keeps it: BaseUtcOffset plus the difference to it truncated to whole minutes
        (TZif_CalculateTransitionOffsetFromBase), so Berlin's LMT +00:53:28 is +00:54 and Tokyo's +09:18:59 is
        +09:18 (observed)."""
        seconds = int(offset.total_seconds()) if offset else 0
        base = self._base_seconds
        return _minutes(base) + _minutes(seconds - base)

    @property
    def standard_name(self) -> str:
        if self.is_utc or self.key.lower() in _UTC_ALIASES and not self.windows:
            return "Coordinated Universal Time"
        return "GMT" if self.windows else self.id

    @property
    def display_name(self) -> str:
        """TimeZoneInfo.ToString(), as the engine's mismatch message shows it."""
        if self.is_utc or self.key.lower() in _UTC_ALIASES and not self.windows:
            return "(UTC) Coordinated Universal Time"
        offset = self.base_offset()
        sign = "-" if offset < 0 else "+"
        hours, minutes = divmod(abs(offset) // TICKS_PER_MINUTE, 60)
        return f"(UTC{sign}{hours:02d}:{minutes:02d}) {self.standard_name}"


def find_zone(name: str) -> Zone:
    """FindSystemTimeZoneById(name); UnknownZone when neither an IANA nor a Windows id."""
    folded = name.lower()
    if folded == "utc":
        return Zone(name, "Etc/UTC", is_utc=True)
    iana = _iana_keys().get(folded)
    if iana is not None:
        return Zone(name, iana)
    windows = _windows_names().get(folded)
    if windows is not None:
        return Zone(name, win_tz[windows], windows=True)
    raise UnknownZone(name)


@lru_cache(maxsize=1)
def _iana_keys() -> dict[str, str]:
    return {key.lower(): key for key in zoneinfo.available_timezones()}


@lru_cache(maxsize=1)
def _windows_names() -> dict[str, str]:
    return {name.lower(): name for name in win_tz}


def is_ambiguous_or_invalid(zone: Zone, value: DateTime) -> bool:
    """TimeZoneInfo.IsAmbiguousTime || IsInvalidTime: a Utc or Local value is first moved into the zone, and then
    can only be ambiguous; an unspecified value is a wall time in the zone. .NET only sees daylight saving
    changes: a wall time repeated or skipped by a change of standard offset (London's 1971 return from
    year-round BST) or of a negative daylight saving (Dublin, Casablanca) is neither (observed)."""
    wall = value.ticks
    if value.kind != "Unspecified":
        wall = value.ticks + zone.offset_from_utc(value.ticks)
        if not 0 <= wall <= MAX_TICKS:
            return False
    return zone.daylight_fold(wall)


def from_utc(utc_ticks: int, zone: Zone) -> DateTime:
    """TimeZoneInfo.ConvertTimeFromUtc: clamped to DateTime's range; Utc kind only for the UTC zone."""
    ticks = _clamp(utc_ticks + zone.offset_from_utc(_clamp(utc_ticks)))
    return DateTime(ticks, "Utc" if zone.is_utc else "Unspecified")


def to_utc_ticks(wall_ticks: int, zone: Zone) -> int:
    """The UTC ticks of a wall time in zone, unclamped. A wall time repeated or skipped by a change that is not
    a plain daylight saving one takes the larger offset: the earlier reading of a repeated time, the later one of
    a skipped time (observed: London 1971-10-31T02:30 is +01:00, Samoa's skipped 2011-12-30T12:00 is +14:00)."""
    return wall_ticks - max(zone.offsets_of_wall(wall_ticks))


def _clamp(ticks: int) -> int:
    return min(max(ticks, 0), MAX_TICKS)


def _clamped(ticks: int) -> _dt.datetime:
    """A naive datetime for ticks, kept a day inside Python's range so that offsets can be computed at the ends."""
    ticks = min(max(ticks, TICKS_PER_DAY), MAX_TICKS - TICKS_PER_DAY)
    return DateTime(ticks).naive()


def _minutes(seconds: int) -> int:
    """Seconds as ticks, truncated toward zero to whole minutes."""
    whole = abs(seconds) // 60 * 60
    return (whole if seconds >= 0 else -whole) * TICKS_PER_SECOND
