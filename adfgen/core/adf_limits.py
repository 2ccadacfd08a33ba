"""ADF's documented limits, each with its source, and the checks that enforce them: at build (adfgen refuses a
factory ADF would refuse), in `adfgen check`, and before and during `adfgen run`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from adfgen.core import adf_docs as ev
from adfgen.core.json_values import strings_in
from adfgen.core.timespan import parse_timespan


@dataclass(frozen=True)
class Limit:
    """One limit: its value, what it bounds, and where it is stated."""

    key: str
    value: int
    text: str
    status: str
    source: str


LIMITS: tuple[Limit, ...] = (
    Limit("pipeline.activities", 120, "activities per pipeline, inner activities of containers included",
          ev.DOCUMENTED, ev.LIMITS),
    Limit("pipeline.parameters", 50, "parameters per pipeline", ev.DOCUMENTED, ev.LIMITS),
    Limit("expression.length", 8192, "characters per expression", ev.DOCUMENTED, ev.LIMITS),
    Limit("activity.payload", 896 * 1024, "bytes of an activity's evaluated input", ev.DOCUMENTED, ev.LIMITS),
    Limit("foreach.items", 100_000, "items of one ForEach", ev.DOCUMENTED, ev.FOREACH),
    Limit("foreach.batch", 50, "ForEach batchCount", ev.DOCUMENTED, ev.FOREACH),
    Limit("switch.cases", 25, "cases of one Switch", ev.DOCUMENTED, ev.SWITCH),
    Limit("retry.interval.min", 30, "seconds, the smallest retryIntervalInSeconds", ev.DOCUMENTED, ev.POLICY),
    Limit("retry.interval.max", 86400, "seconds, the largest retryIntervalInSeconds", ev.DOCUMENTED, ev.POLICY),
    Limit("policy.timeout.max", 7 * 86400, "seconds, the longest activity policy timeout", ev.DOCUMENTED, ev.POLICY),
    Limit("web.response", 4 * 1024 * 1024, "bytes of a Web activity response", ev.DOCUMENTED, ev.WEB),
    Limit("web.timeout.min", 60, "seconds, the shortest Web httpRequestTimeout", ev.DOCUMENTED, ev.WEB),
    Limit("web.timeout.max", 600, "seconds, the longest Web httpRequestTimeout", ev.DOCUMENTED, ev.WEB),
    Limit("lookup.rows", 5000, "rows a Lookup returns (more are dropped silently)", ev.DOCUMENTED, ev.LOOKUP),
    Limit("lookup.duration", 86400, "seconds a Lookup may run before it times out", ev.DOCUMENTED, ev.LOOKUP),
    Limit("lookup.bytes", 4 * 1024 * 1024, "bytes of a Lookup output (more fails)", ev.DOCUMENTED, ev.LOOKUP),
    Limit("nesting.if_in_if", 0, "If/Switch inside If/Switch", ev.DOCUMENTED, ev.NESTED),
    Limit("nesting.loop_in_loop", 0, "ForEach/Until inside ForEach/Until", ev.DOCUMENTED, ev.NESTED),
    Limit("nesting.validation", 0, "Validation inside any container", ev.DOCUMENTED, ev.NESTED),
)

BY_KEY = {limit.key: limit for limit in LIMITS}
CONTAINERS = {"ForEach": ("activities",), "Until": ("activities",),
              "IfCondition": ("ifTrueActivities", "ifFalseActivities"), "Switch": ()}
_BRANCHES = ("IfCondition", "Switch")
_LOOPS = ("ForEach", "Until")


def value(key: str) -> int:
    """The value of limit `key`."""
    return BY_KEY[key].value


def cite(key: str) -> str:
    """`(documented: URL)` for a limit, for error messages."""
    limit = BY_KEY[key]
    return f"({limit.status}: {limit.source})"


def inner_lists(activity: dict[str, Any]) -> Iterator[list[Any]]:
    """The lists of inner activities of a container activity (If branches, Switch cases and default, loops)."""
    props = activity.get("typeProperties") if isinstance(activity.get("typeProperties"), dict) else {}
    kind = activity.get("type")
    if kind == "Switch":
        for case in props.get("cases") or []:
            if isinstance(case, dict) and isinstance(case.get("activities"), list):
                yield case["activities"]
        if isinstance(props.get("defaultActivities"), list):
            yield props["defaultActivities"]
        return
    for field in CONTAINERS.get(kind, ()):
        if isinstance(props.get(field), list):
            yield props[field]


def _walk(activities: list[Any], ancestors: tuple[str, ...]) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
    for activity in activities:
        if not isinstance(activity, dict):
            continue
        yield activity, ancestors
        for inner in inner_lists(activity):
            yield from _walk(inner, ancestors + (str(activity.get("type")),))


def _expressions(value: Any) -> Iterator[str]:
    return (text for text in strings_in(value) if text.startswith("@") or "@{" in text)


def _own_fields(activity: dict[str, Any]) -> dict[str, Any]:
    """An activity without its inner activities (they are checked on their own)."""
    props = activity.get("typeProperties")
    if not isinstance(props, dict) or activity.get("type") not in CONTAINERS:
        return activity
    own = {k: v for k, v in props.items() if k not in ("activities", "ifTrueActivities", "ifFalseActivities",
                                                       "defaultActivities", "cases")}
    return {**activity, "typeProperties": own}


def check_pipeline(name: str, properties: dict[str, Any]) -> list[str]:
    """Every documented limit a pipeline definition breaks, one message each with its source."""
    problems: list[str] = []
    activities = properties.get("activities") if isinstance(properties.get("activities"), list) else []
    walked = list(_walk(activities, ()))
    if len(walked) > value("pipeline.activities"):
        problems.append(f"pipeline {name} has {len(walked)} activities; ADF allows "
                        f"{value('pipeline.activities')} per pipeline {cite('pipeline.activities')}")
    params = properties.get("parameters") if isinstance(properties.get("parameters"), dict) else {}
    if len(params) > value("pipeline.parameters"):
        problems.append(f"pipeline {name} has {len(params)} parameters; ADF allows "
                        f"{value('pipeline.parameters')} {cite('pipeline.parameters')}")
    for activity, ancestors in walked:
        label = f"activity '{activity.get('name')}'"
        kind = activity.get("type")
        if kind in _BRANCHES and any(a in _BRANCHES for a in ancestors):
            problems.append(f"{label}: a {kind} cannot be nested inside an If Condition or Switch "
                            f"{cite('nesting.if_in_if')}")
        if kind in _LOOPS and any(a in _LOOPS for a in ancestors):
            problems.append(f"{label}: a {kind} cannot be nested inside a ForEach or Until "
                            f"{cite('nesting.loop_in_loop')}")
        if kind == "Validation" and ancestors:
            problems.append(f"{label}: a Validation activity cannot be nested inside a container "
                            f"{cite('nesting.validation')}")
        props = activity.get("typeProperties") if isinstance(activity.get("typeProperties"), dict) else {}
        if kind == "ForEach":
            batch = props.get("batchCount")
            if isinstance(batch, int) and not isinstance(batch, bool) and not 1 <= batch <= value("foreach.batch"):
                problems.append(f"{label}: batchCount {batch} is outside 1..{value('foreach.batch')} "
                                f"{cite('foreach.batch')}")
        if kind == "Switch" and len(props.get("cases") or []) > value("switch.cases"):
            problems.append(f"{label}: {len(props['cases'])} cases; ADF allows {value('switch.cases')} "
                            f"{cite('switch.cases')}")
        policy = activity.get("policy") if isinstance(activity.get("policy"), dict) else {}
        interval = policy.get("retryIntervalInSeconds")
        if isinstance(interval, int) and not isinstance(interval, bool) and not (
                value("retry.interval.min") <= interval <= value("retry.interval.max")):
            problems.append(f"{label}: retryIntervalInSeconds {interval} is outside "
                            f"{value('retry.interval.min')}..{value('retry.interval.max')} "
                            f"{cite('retry.interval.min')}")
        timeout = policy.get("timeout")
        if isinstance(timeout, str) and "@" not in timeout:
            try:
                seconds = parse_timespan(timeout)
            except ValueError:
                problems.append(f"{label}: policy timeout {timeout!r} is not a timespan like 0.12:00:00")
            else:
                if seconds > value("policy.timeout.max"):
                    problems.append(f"{label}: policy timeout {timeout} is longer than 7 days "
                                    f"{cite('policy.timeout.max')}")
        for text in _expressions(_own_fields(activity)):
            if len(text) > value("expression.length"):
                problems.append(f"{label}: an expression of {len(text)} characters; ADF allows "
                                f"{value('expression.length')} {cite('expression.length')}")
    return problems


def markdown_table() -> str:
    """The limits table as docs/run.md shows it."""
    lines = ["| key | limit | value | status | source |", "| --- | --- | --- | --- | --- |"]
    for limit in LIMITS:
        shown = "not allowed" if limit.key.startswith("nesting.") else f"{limit.value:,}"
        lines.append(f"| `{limit.key}` | {limit.text} | {shown} | {limit.status} | {limit.source} |")
    return "\n".join(lines)
