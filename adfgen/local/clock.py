"""The runtime's clock: real time by default, compressed by a time scale for tests and `--time-scale`."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from adfgen.core.timespan import parse_timespan  # noqa: F401 (the runtime's handlers import it from here)


class Clock:
    """Virtual time that runs `time_scale` times faster than real time, shared by the runtime and test fakes.

    With time_scale 100 a 30 s wait takes 0.3 real seconds and now() advances 30 s across it, so every wait keeps
    its order relative to the others.
    """

    def __init__(self, time_scale: float = 1.0, start: datetime | None = None):
        if not time_scale > 0:
            raise ValueError("time_scale must be positive")
        self.time_scale = float(time_scale)
        self._start = (start or datetime.now(timezone.utc)).astimezone(timezone.utc)
        self._real_start = time.monotonic()

    def monotonic(self) -> float:
        """Virtual seconds since the clock was made."""
        return (time.monotonic() - self._real_start) * self.time_scale

    def now(self) -> datetime:
        """The current virtual time, timezone-aware UTC."""
        return self._start + timedelta(seconds=self.monotonic())

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` of virtual time (seconds / time_scale real seconds)."""
        if seconds > 0:
            time.sleep(seconds / self.time_scale)

    def real_seconds(self, seconds: float) -> float:
        """How many real seconds `seconds` of virtual time last."""
        return seconds / self.time_scale

