"""Trigger recurrences: the sync schedule and the keep-alive refresh."""

from __future__ import annotations

from typing import Any

from adfgen.build import fragments as fx
from adfgen.build.contexts.common import ANNOTATIONS, FREQUENCY_SECONDS, Names, RenderJob
from adfgen.spec.model import Api, Schedule
from adfgen.spec.variants.auth import flow_of


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


def trigger_jobs(names: Names, api: Api, controller: str, refresh: str | None, stateful: bool) -> list[RenderJob]:
    """The API's sync schedule and, for flows whose refresh token expires unused, the keep-alive refresh."""
    incremental = [e.incremental for e in api.endpoints if e.incremental]
    parameters = {}
    if incremental and not stateful:  # no file sink to keep state in: each run looks back one schedule period
        lookback = schedule_seconds(api.schedule) + max(i.lookback for i in incremental)
        parameters["Watermark"] = fx.expression(
            f"formatDateTime(addSeconds(trigger().scheduledTime, -{lookback}), 'yyyy-MM-ddTHH:mm:ssZ')")
    schedule = names.trigger(f"{api.name}_schedule")
    jobs = [RenderJob("trigger", schedule, "trigger/schedule.json.jinja", {
        "name": schedule, "pipeline": controller, "parameters": parameters,
        "recurrence": recurrence(api.schedule), "annotations": ANNOTATIONS,
        "runtime_state": runtime_state(api.schedule.started),
        "description": f"Runs the {api.name} controller on schedule"})]
    if flow_of(api.auth).keep_alive:
        keep_alive = names.trigger(f"{api.name}_keepalive")
        chosen = api.keep_alive or default_keep_alive(api)
        jobs.append(RenderJob("trigger", keep_alive, "trigger/schedule.json.jinja", {
            "name": keep_alive, "pipeline": refresh, "parameters": {},
            "recurrence": recurrence(chosen), "annotations": ANNOTATIONS,
            # an unused refresh token expires: the keep-alive starts with every deployment path unless the spec says no
            "runtime_state": runtime_state(True if chosen.started is None else chosen.started),
            "description": f"Rotates the {api.name} refresh token so that an unused one never expires"}))
    return jobs


def runtime_state(started: bool | None) -> str | None:
    """The literal runtimeState a trigger carries: Microsoft's deployment script starts only a literal "Started"."""
    return None if started is None else ("Started" if started else "Stopped")
