"""The engine's timestamp parsing: .NET DateTime.TryParse with the invariant culture.

The engine reads every timestamp argument with `DateTime.TryParse(text, InvariantCulture, RoundtripKind)`, and
convertTimeZone with `AdjustToUniversal` instead (observed in the engine's IL). .NET's parser is a large lenient
state machine; this module covers the forms that matter and that were probed against the engine:

- ISO 8601 when a 'yyyy-MM-dd' date (or with '/' or '.') is followed by 'T' (.NET's ParseISO8601: two-digit hour, minute and second,
  a fraction after '.' or ',', then 'Z' or an offset '+h', '+hh', '+hh:mm', '+hhmm', with optional blanks);
- otherwise a date (yyyy-M-d, yyyy-M, M/d/yyyy, M/d/yy, with '-', '/' or '.'; d MMM yyyy, MMM d, yyyy, yyyy MMM d,
  MMM yyyy, M/d, with English month names), an optional leading day name (which must match the date), a time
  (H:mm, H:mm:ss, fraction, AM/PM, or 'H AM'), before or after the date, and 'Z', 'GMT' or an offset;
- a time alone takes today's date and a date without a year this year, from the scope's clock (the engine reads
  the host's clock; assumed UTC).

Anything else is refused, which may refuse some exotic string the engine accepts. Fractions are accumulated and
rounded to ticks exactly as .NET does (double arithmetic, banker's rounding), so 8+ digit fractions agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .dotnet_datetime import LOCAL, MAX_TICKS, TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND, \
    UNSPECIFIED, UTC, DateTime

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
_MONTH_NAME = "|".join([m for m in _MONTHS] + [m[:3] for m in _MONTHS if len(m) > 3])
_DAY_NAME = "|".join(_DAYS + [d[:3] for d in _DAYS])
_SEP = r"[-/.]"
_AMPM = r"(?P<ampm>[ap]m)"
_ZONE = r"(?P<zone>z|gmt|[+-]\s*\d{1,4}(?::\d{1,2})?)"

_NAME_SEP = r"[-/\s]"  # around a month name: '01-Jan-2020', '1 Jan 2020'
_DATE_FORMS = [
    rf"(?P<y1>\d{{3,4}}){_SEP}(?P<m1>\d{{1,2}}){_SEP}(?P<d1>\d{{1,2}})",
    rf"(?P<y2>\d{{3,4}}){_SEP}(?P<m2>\d{{1,2}})",
    rf"(?P<m3>\d{{1,2}}){_SEP}(?P<d3>\d{{1,2}}){_SEP}(?P<y3>\d{{1,4}})",
    rf"(?P<d4>\d{{1,2}}){_NAME_SEP}*(?P<n4>{_MONTH_NAME})\.?,?{_NAME_SEP}*(?P<y4>\d{{1,4}})",
    rf"(?P<n5>{_MONTH_NAME})\.?\s*(?P<d5>\d{{1,2}})(?:\s*,\s*|\s+)(?P<y5>\d{{3,4}})",
    rf"(?P<y6>\d{{3,4}}){_NAME_SEP}+(?P<n6>{_MONTH_NAME})\.?{_NAME_SEP}+(?P<d6>\d{{1,2}})",
    rf"(?P<n7>{_MONTH_NAME})\.?\s+(?P<y7>\d{{3,4}})",
    rf"(?P<y10>\d{{3,4}})\s+(?P<n10>{_MONTH_NAME})\.?",
    rf"(?P<d8>\d{{1,2}})\s+(?P<n8>{_MONTH_NAME})\.?",
    rf"(?P<n9>{_MONTH_NAME})\.?\s+(?P<d9>\d{{1,2}})",
    # M/d without a year ('3.5' is March 5 this year), but not before a time: '3/25 10:00' fails (observed)
    rf"(?P<m11>\d{{1,2}}){_SEP}(?P<d11>\d{{1,2}})(?!\s*\d)",
]
_DATE = "(?:" + "|".join(_DATE_FORMS) + ")"
_TIME = (rf"(?:(?P<h>\d{{1,2}}):(?P<mi>\d{{1,2}})(?::(?P<s>\d{{1,2}})(?:[.,](?P<f>\d+))?)?\s*{_AMPM}?"
         rf"|(?P<h2>\d{{1,2}})\s*(?P<ampm2>[ap]m))")
_DATE_FIRST = rf"{_DATE}(?:,?\s*(?P<dayname2>{_DAY_NAME}))?(?:(?:\s+T?\s*|\s*,\s*){_TIME})?"
_TIME_FIRST = rf"{_TIME.replace('?P<', '?P<t_')}\s+{_DATE.replace('?P<', '?P<t_')}"  # group names must differ
_TIME_ONLY = _TIME.replace("?P<", "?P<o_")
_GENERAL = re.compile(
    rf"^\s*(?:(?P<dayname>{_DAY_NAME}),?\s*)?(?:{_DATE_FIRST}|{_TIME_FIRST}|{_TIME_ONLY})\s*{_ZONE}?\s*$",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"^\s*(\d{3,4})[-/.](\d{1,2})[-/.](\d{1,2})T", re.IGNORECASE)
_ISO_TIME = re.compile(
    r"\s*(\d{2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2})(?:[.,](\d+))?)?\s*"
    r"(?:(?P<z>[zZ])|(?P<sign>[+-])(?P<off>\d{1,4}(?::\d{1,2})?))?\s*$"
)
_MAX_OFFSET = 14 * TICKS_PER_HOUR
_BLANKS = re.compile(r"\s+")


def parse(text: str, now: Callable[[], DateTime], *, to_universal: bool = False) -> DateTime | None:
    """DateTime.TryParse(text, InvariantCulture, RoundtripKind or AdjustToUniversal); None when it fails."""
    # every blank in the grammar takes any run of blanks, so one blank stands for a run (and long runs cannot
    # make the patterns backtrack for seconds)
    text = _BLANKS.sub(" ", text)
    try:
        fields = _iso(text) if _ISO_DATE.match(text) else _general(text, now)
    except ValueError:
        return None
    if fields is None:
        return None
    value, offset, utc_mark = fields
    return _adjust(value, offset, utc_mark, to_universal)


def _iso(text: str) -> tuple[int, int | None, bool] | None:
    date = _ISO_DATE.match(text)
    assert date is not None
    time = _ISO_TIME.match(text, date.end())
    if time is None:
        return None
    hour, minute = int(time.group(1)), int(time.group(2))
    second = int(time.group(3) or 0)
    value = DateTime.of(int(date.group(1)), int(date.group(2)), int(date.group(3)), hour, minute, second).ticks
    value += _fraction_ticks(time.group(4))
    offset = _offset(time.group("sign") + time.group("off")) if time.group("sign") else None
    if time.group("z"):
        return value, 0, True
    return value, offset, False


def _general(text: str, now: Callable[[], DateTime]) -> tuple[int, int | None, bool] | None:
    match = _GENERAL.match(text)
    if match is None:
        return None
    groups = {k: v for k, v in match.groupdict().items() if v is not None}
    fields = {}
    for key, value in groups.items():
        fields[key.removeprefix("t_").removeprefix("o_")] = value
    if "h" in fields and not any(key.startswith("t_") for key in groups) and ({"y2", "y7", "y10"} & set(fields)):
        # a year and month without a day cannot be followed by an H:mm time, though '10am' may (observed)
        return None
    if "zone" in groups and match.start("zone") > 0 and text[match.start("zone") - 1].isalpha() \
            and groups["zone"][0].isalpha():
        return None  # 'AMZ', 'PMGMT': .NET reads one unknown word (observed)
    if "h2" in fields and ({"y2", "y7", "y10"} & set(fields)) and not any(k.startswith("t_") for k in groups):
        # after a year and month, '7am' is the day (7) at midnight and '7pm' the day at noon (observed)
        fields["d"] = fields.pop("h2")
        fields["h"], fields["mi"] = ("12" if fields.pop("ampm2").lower() == "pm" else "0"), "0"
        fields["d" + next(k[1:] for k in ("y2", "y7", "y10") if k in fields)] = fields.pop("d")
    today = now()
    year, month, day = _date_fields(fields, today)
    hour, minute, second, fraction = _time_fields(fields)
    value = DateTime.of(year, month, day, hour, minute, second).ticks + _fraction_ticks(fraction)
    dayname = fields.get("dayname") or fields.get("dayname2")
    if dayname and _DAYS.index(_full_day(dayname)) != DateTime(value).day_of_week:
        return None
    zone = fields.get("zone")
    if zone is None:
        return value, None, False
    if zone.lower() in ("z", "gmt"):
        return value, 0, True
    return value, _offset(zone.replace(" ", "")), False


def _date_fields(fields: dict[str, str], today: DateTime) -> tuple[int, int, int]:
    if not any(key[0] in "ymdn" and key[1:].isdigit() for key in fields):
        return today.year, today.month, today.day
    form = next(key[1:] for key in fields if key[0] in "ymdn" and key[1:].isdigit())
    raw_year = fields.get(f"y{form}")
    month_text = fields.get(f"m{form}") or fields.get(f"n{form}")
    assert month_text is not None
    month = int(month_text) if month_text.isdigit() else _month(month_text)
    day = int(fields.get(f"d{form}", "1"))
    if raw_year is None:
        year = today.year
    elif len(raw_year) <= 2:
        # .NET's two-digit year window: TwoDigitYearMax is 2049 for the Gregorian calendar
        year = 2000 + int(raw_year) if int(raw_year) <= 49 else 1900 + int(raw_year)
    else:
        year = int(raw_year)
    return year, month, day


def _time_fields(fields: dict[str, str]) -> tuple[int, int, int, str | None]:
    if "h" in fields:
        hour, minute, second = int(fields["h"]), int(fields["mi"]), int(fields.get("s", "0"))
        ampm = fields.get("ampm")
    elif "h2" in fields:
        hour, minute, second, ampm = int(fields["h2"]), 0, 0, fields["ampm2"]
    else:
        return 0, 0, 0, None
    if ampm:
        # .NET: 12 AM is 0 h, PM adds 12 below noon; '13:00 PM' stays 13 h (observed)
        if ampm.lower() == "am" and hour == 12:
            hour = 0
        elif ampm.lower() == "pm" and hour < 12:
            hour += 12
    return hour, minute, second, fields.get("f")


def _month(name: str) -> int:
    name = name.lower()
    for index, month in enumerate(_MONTHS):
        if name in (month, month[:3]):
            return index + 1
    raise ValueError(name)


def _full_day(name: str) -> str:
    name = name.lower()
    return next(day for day in _DAYS if name in (day, day[:3]))


def _fraction_ticks(digits: str | None) -> int:
    """.NET's ParseFraction (a double accumulated digit by digit) rounded half-to-even to ticks."""
    if not digits:
        return 0
    result, base = 0.0, 0.1
    for ch in digits:
        result += (ord(ch) - 48) * base
        base *= 0.1
    return int(round(result * TICKS_PER_SECOND))


def _offset(text: str) -> int:
    """.NET's ParseTimeZone: '+h', '+hh', '+h:m', '+hh:mm', '+hmm', '+hhmm'; minutes below 60, at most 14 hours."""
    sign = -1 if text[0] == "-" else 1
    body = text[1:]
    hours_text, _, minutes_text = body.partition(":")
    if minutes_text or len(hours_text) <= 2:
        if len(hours_text) > 2:
            raise ValueError(text)
        hours, minutes = int(hours_text), int(minutes_text or 0)
    else:
        hours, minutes = divmod(int(hours_text), 100)
    if minutes >= 60:
        raise ValueError(text)
    offset = sign * (hours * TICKS_PER_HOUR + minutes * TICKS_PER_MINUTE)
    if abs(offset) > _MAX_OFFSET:
        raise ValueError(text)
    return offset


def _adjust(ticks: int, offset: int | None, utc_mark: bool, to_universal: bool) -> DateTime | None:
    """.NET's DetermineTimeZoneAdjustments for RoundtripKind (Z keeps Utc, an offset gives host-local time) or
    AdjustToUniversal (any zone gives Utc)."""
    if not 0 <= ticks <= MAX_TICKS:
        return None
    if offset is None:
        return DateTime(ticks, UNSPECIFIED)
    if utc_mark and not to_universal:
        return DateTime(ticks, UTC)
    moved = ticks - offset
    if moved < 0 and (to_universal or ticks < TICKS_PER_DAY):
        # .NET wraps a negative result on 0001-01-01 into the same day instead of failing (observed)
        moved += TICKS_PER_DAY
    if not 0 <= moved <= MAX_TICKS:
        return None
    return DateTime(moved, UTC if to_universal else LOCAL)

