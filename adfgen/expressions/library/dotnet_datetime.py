""".NET's System.DateTime as the engine uses it: 100 ns ticks since 0001-01-01 and a Kind, with .NET's arithmetic.

Python's datetime stops at microseconds, so a value is held as an integer tick count, which keeps round trips such
as formatDateTime('...1234567Z') and ticks() exact. Kind is what the engine's output depends on: Utc values print
'Z', Local values print the host's offset, Unspecified values print none (observed). The engine's host runs on UTC
(assumed for ADF; observed for the test runtime: a timestamp with an offset becomes Local time, printed '+00:00'),
so Local time here is UTC.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

TICKS_PER_SECOND = 10_000_000
TICKS_PER_MINUTE = 60 * TICKS_PER_SECOND
TICKS_PER_HOUR = 60 * TICKS_PER_MINUTE
TICKS_PER_DAY = 24 * TICKS_PER_HOUR
MAX_TICKS = 3_155_378_975_999_999_999  # 9999-12-31T23:59:59.9999999
_EPOCH_ORDINAL = _dt.date(1, 1, 1).toordinal()

UNSPECIFIED, UTC, LOCAL = "Unspecified", "Utc", "Local"

# .NET's AddDays/AddHours/... refuse values whose magnitude exceeds these before adding (DateTime.cs).
MAX_DAYS = MAX_TICKS // TICKS_PER_DAY
MAX_HOURS = MAX_TICKS // TICKS_PER_HOUR
MAX_MINUTES = MAX_TICKS // TICKS_PER_MINUTE
MAX_SECONDS = MAX_TICKS // TICKS_PER_SECOND


class DotNetRangeError(Exception):
    """ArgumentOutOfRangeException from DateTime arithmetic; `message` is .NET's text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


ADD_VALUE = "Value to add was out of range. (Parameter 'value')"
UNREPRESENTABLE = "The added or subtracted value results in an un-representable DateTime. (Parameter 'value')"


@dataclass(frozen=True, slots=True)
class DateTime:
    """One System.DateTime value: ticks (0..MAX_TICKS) and kind (UNSPECIFIED, UTC or LOCAL)."""

    ticks: int
    kind: str = UNSPECIFIED

    @staticmethod
    def of(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, ticks: int = 0,
           kind: str = UNSPECIFIED) -> DateTime:
        """The value of a calendar date and time; ValueError when the date does not exist."""
        days = _dt.date(year, month, day).toordinal() - _EPOCH_ORDINAL
        if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60):
            raise ValueError("time out of range")
        return DateTime(days * TICKS_PER_DAY + hour * TICKS_PER_HOUR + minute * TICKS_PER_MINUTE
                        + second * TICKS_PER_SECOND + ticks, kind)

    @staticmethod
    def from_python(value: _dt.datetime) -> DateTime:
        """An aware Python datetime as a UTC value (utcNow's clock)."""
        utc = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        delta = utc - _dt.datetime(1, 1, 1)
        return DateTime(delta.days * TICKS_PER_DAY + delta.seconds * TICKS_PER_SECOND + delta.microseconds * 10, UTC)

    def date(self) -> _dt.date:
        """The calendar date."""
        return _dt.date.fromordinal(self.ticks // TICKS_PER_DAY + _EPOCH_ORDINAL)

    def naive(self) -> _dt.datetime:
        """The wall time as a naive Python datetime (microseconds; the 100 ns digit is dropped)."""
        day = self.date()
        rest = self.ticks % TICKS_PER_DAY
        return _dt.datetime(day.year, day.month, day.day) + _dt.timedelta(microseconds=rest // 10)

    @property
    def year(self) -> int:
        return self.date().year

    @property
    def month(self) -> int:
        return self.date().month

    @property
    def day(self) -> int:
        return self.date().day

    @property
    def hour(self) -> int:
        return self.ticks % TICKS_PER_DAY // TICKS_PER_HOUR

    @property
    def minute(self) -> int:
        return self.ticks % TICKS_PER_HOUR // TICKS_PER_MINUTE

    @property
    def second(self) -> int:
        return self.ticks % TICKS_PER_MINUTE // TICKS_PER_SECOND

    @property
    def fraction(self) -> int:
        """Ticks past the whole second (0..9999999)."""
        return self.ticks % TICKS_PER_SECOND

    @property
    def day_of_week(self) -> int:
        """0 for Sunday .. 6 for Saturday, as System.DayOfWeek."""
        return (self.ticks // TICKS_PER_DAY + 1) % 7

    @property
    def day_of_year(self) -> int:
        return self.date().timetuple().tm_yday

    def with_ticks(self, ticks: int) -> DateTime:
        """The same kind at other ticks; .NET's "un-representable DateTime" beyond the range."""
        if not 0 <= ticks <= MAX_TICKS:
            raise DotNetRangeError(UNREPRESENTABLE)
        return DateTime(ticks, self.kind)

    def add_ticks(self, ticks: int) -> DateTime:
        return self.with_ticks(self.ticks + ticks)

    def add_units(self, value: int, max_units: int, ticks_per_unit: int) -> DateTime:
        """AddDays/AddHours/AddMinutes/AddSeconds with an integral value (DateTime.AddUnits)."""
        if abs(value) > max_units:
            raise DotNetRangeError(ADD_VALUE)
        return self.add_ticks(value * ticks_per_unit)

    def add_months(self, months: int) -> DateTime:
        """DateTime.AddMonths: the day is clamped to the target month's length (Jan 31 + 1 month = Feb 29)."""
        if not -120_000 <= months <= 120_000:
            raise DotNetRangeError("Months value must be between +/-120000. (Parameter 'months')")
        day = self.date()
        index = day.year * 12 + day.month - 1 + months
        year, month = divmod(index, 12)
        month += 1
        if not 1 <= year <= 9999:
            raise DotNetRangeError("The added or subtracted value results in an un-representable DateTime. "
                                   "(Parameter 'months')")
        last = _days_in_month(year, month)
        moved = _dt.date(year, month, min(day.day, last)).toordinal() - _EPOCH_ORDINAL
        return DateTime(moved * TICKS_PER_DAY + self.ticks % TICKS_PER_DAY, self.kind)

    def add_years(self, years: int) -> DateTime:
        """DateTime.AddYears: Feb 29 becomes Feb 28 in a common year."""
        if not -10_000 <= years <= 10_000:
            raise DotNetRangeError("Years value must be between +/-10000. (Parameter 'years')")
        return self.add_months(years * 12)


def _days_in_month(year: int, month: int) -> int:
    following = _dt.date(year + (month == 12), month % 12 + 1, 1)
    return (following - _dt.timedelta(days=1)).day
