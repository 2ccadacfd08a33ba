"""Trigger recurrences: the sync schedule and the keep-alive refresh."""

from __future__ import annotations

from typing import Any

from adfgen.plan.common import FREQUENCY_SECONDS
from adfgen.spec.model import Api, Schedule


def default_keep_alive(api: Api) -> Schedule:
    """Weekly, or a quarter of the refresh token's lifetime when that is shorter."""
    days = 7
    if api.auth.refresh_token_lifetime:
        days = max(1, min(7, api.auth.refresh_token_lifetime // 86400 // 4))
    return Schedule(frequency="Day", interval=days, start_time="2024-01-01T03:00:00Z")



def schedule_seconds(schedule: Schedule) -> int:
    """The schedule's period in seconds (a month counts 31 days)."""
    return FREQUENCY_SECONDS[schedule.frequency] * schedule.interval



def recurrence(schedule: Schedule) -> dict[str, Any]:
    """A ScheduleTrigger recurrence."""
    recurrence: dict[str, Any] = {"frequency": schedule.frequency, "interval": schedule.interval,
                                  "startTime": schedule.start_time, "timeZone": schedule.time_zone}
    plan = {k: v for k, v in (("hours", schedule.hours), ("minutes", schedule.minutes)) if v is not None}
    if plan:
        recurrence["schedule"] = plan
    return recurrence
