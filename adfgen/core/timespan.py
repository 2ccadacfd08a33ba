"""ADF's .NET TimeSpan strings (`[d.]hh:mm:ss[.fffffff]`), as policies and timeouts write them."""

from __future__ import annotations

import re

_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$")


def parse_timespan(value: object, what: str = "timespan") -> float:
    """Seconds in a .NET TimeSpan string `[d.]hh:mm:ss[.fffffff]` (an int or float counts as seconds)."""
    if isinstance(value, bool):
        raise ValueError(f"{what}: expected a timespan like 0.00:05:00, found {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    match = _TIMESPAN.match(text)
    if not match:
        raise ValueError(f"{what}: expected a timespan like 0.00:05:00, found {text!r}")
    days, hours, minutes, seconds, fraction = match.groups()
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    return total + (float(f"0.{fraction}") if fraction else 0.0)
