"""ADF's documented limits, each with its source, and the checks that enforce them: at build (adfgen refuses a
factory ADF would refuse), in `adfgen check`, and before and during `adfgen run`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from adfgen.core import adf_docs as ev
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
    Limit("factory.entities", 5000, "entities (pipelines, datasets, linked services, triggers, data flows, ...) in "
          "one factory", ev.DOCUMENTED, ev.LIMITS),
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


Path = tuple[Any, ...]  # keys and indexes from a pipeline's `properties` to a value


@dataclass(frozen=True)
class Breach:
    """One limit a pipeline breaks: which, where (a path into its properties), and the message with the source."""

    key: str
    path: Path
    message: str


def inner_lists(activity: dict[str, Any]) -> Iterator[list[Any]]:
    """The lists of inner activities of a container activity (If branches, Switch cases and default, loops)."""
    for _, inner in _inner_lists_at(activity):
        yield inner


def _inner_lists_at(activity: dict[str, Any]) -> Iterator[tuple[Path, list[Any]]]:
    """Each list of inner activities with its path from the activity."""
    props = activity.get("typeProperties") if isinstance(activity.get("typeProperties"), dict) else {}
    kind = activity.get("type")
    if kind == "Switch":
        for index, case in enumerate(props.get("cases") or []):
            if isinstance(case, dict) and isinstance(case.get("activities"), list):
                yield ("typeProperties", "cases", index, "activities"), case["activities"]
        if isinstance(props.get("defaultActivities"), list):
            yield ("typeProperties", "defaultActivities"), props["defaultActivities"]
        return
    for field in CONTAINERS.get(kind, ()):
        if isinstance(props.get(field), list):
            yield ("typeProperties", field), props[field]


def _walk(activities: list[Any], ancestors: tuple[str, ...],
          at: Path) -> Iterator[tuple[dict[str, Any], tuple[str, ...], Path]]:
    for index, activity in enumerate(activities):
        if not isinstance(activity, dict):
            continue
        here = at + (index,)
        yield activity, ancestors, here
        for inner_at, inner in _inner_lists_at(activity):
            yield from _walk(inner, ancestors + (str(activity.get("type")),), here + inner_at)


_INNER_FIELDS = ("activities", "ifTrueActivities", "ifFalseActivities", "defaultActivities", "cases")


def _own_expressions(activity: dict[str, Any], at: Path) -> Iterator[tuple[Path, str]]:
    """The expressions of an activity, not of its inner activities (they are checked on their own)."""
    def walk(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
        if isinstance(value, str):
            if value.startswith("@") or "@{" in value:
                yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from walk(item, path + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, path + (index,))

    container = activity.get("type") in CONTAINERS
    for key, item in activity.items():
        if key == "typeProperties" and container and isinstance(item, dict):
            for inner_key, inner in item.items():
                if inner_key not in _INNER_FIELDS:
                    yield from walk(inner, at + (key, inner_key))
        else:
            yield from walk(item, at + (key,))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def breaches(name: str, properties: dict[str, Any], expressions: bool = True) -> list[Breach]:
    """Every documented limit a pipeline definition breaks, each with its path and a message citing its source.

    `expressions=False` leaves out the expression-length walk, for a caller that already holds every string with its
    path (check's shared tree) and tests their length itself."""
    found: list[Breach] = []
    activities = properties.get("activities") if isinstance(properties.get("activities"), list) else []
    walked = list(_walk(activities, (), ("activities",)))
    if len(walked) > value("pipeline.activities"):
        found.append(Breach("pipeline.activities", ("activities",),
                            f"pipeline {name} has {len(walked)} activities; ADF allows "
                            f"{value('pipeline.activities')} per pipeline {cite('pipeline.activities')}"))
    params = properties.get("parameters") if isinstance(properties.get("parameters"), dict) else {}
    if len(params) > value("pipeline.parameters"):
        found.append(Breach("pipeline.parameters", ("parameters",),
                            f"pipeline {name} has {len(params)} parameters; ADF allows "
                            f"{value('pipeline.parameters')} {cite('pipeline.parameters')}"))
    for activity, ancestors, at in walked:
        found += _activity_breaches(activity, ancestors, at, expressions)
    return found


def _activity_breaches(activity: dict[str, Any], ancestors: tuple[str, ...], at: Path,
                       expressions: bool = True) -> list[Breach]:
    """The limits one activity breaks by itself or by where it sits."""
    found: list[Breach] = []
    label = f"activity '{activity.get('name')}'"
    kind = activity.get("type")
    if kind in _BRANCHES and any(a in _BRANCHES for a in ancestors):
        found.append(Breach("nesting.if_in_if", at, f"{label}: a {kind} cannot be nested inside an If Condition or "
                                                    f"Switch {cite('nesting.if_in_if')}"))
    if kind in _LOOPS and any(a in _LOOPS for a in ancestors):
        found.append(Breach("nesting.loop_in_loop", at, f"{label}: a {kind} cannot be nested inside a ForEach or "
                                                        f"Until {cite('nesting.loop_in_loop')}"))
    if kind == "Validation" and ancestors:
        found.append(Breach("nesting.validation", at, f"{label}: a Validation activity cannot be nested inside a "
                                                      f"container {cite('nesting.validation')}"))
    props = activity.get("typeProperties") if isinstance(activity.get("typeProperties"), dict) else {}
    batch = props.get("batchCount")
    if kind == "ForEach" and _is_int(batch) and not 1 <= batch <= value("foreach.batch"):
        found.append(Breach("foreach.batch", at + ("typeProperties", "batchCount"),
                            f"{label}: batchCount {batch} is outside 1..{value('foreach.batch')} "
                            f"{cite('foreach.batch')}"))
    if kind == "Switch" and len(props.get("cases") or []) > value("switch.cases"):
        found.append(Breach("switch.cases", at + ("typeProperties", "cases"),
                            f"{label}: {len(props['cases'])} cases; ADF allows {value('switch.cases')} "
                            f"{cite('switch.cases')}"))
    policy = activity.get("policy") if isinstance(activity.get("policy"), dict) else {}
    interval = policy.get("retryIntervalInSeconds")
    if _is_int(interval) and not value("retry.interval.min") <= interval <= value("retry.interval.max"):
        found.append(Breach("retry.interval.min", at + ("policy", "retryIntervalInSeconds"),
                            f"{label}: retryIntervalInSeconds {interval} is outside "
                            f"{value('retry.interval.min')}..{value('retry.interval.max')} "
                            f"{cite('retry.interval.min')}"))
    found += _timeout_breaches(label, policy.get("timeout"), at + ("policy", "timeout"))
    for path, text in _own_expressions(activity, at) if expressions else ():
        if len(text) > value("expression.length"):
            found.append(Breach("expression.length", path,
                                f"{label}: an expression of {len(text)} characters; ADF allows "
                                f"{value('expression.length')} {cite('expression.length')}"))
    return found


def _timeout_breaches(label: str, timeout: Any, at: Path) -> list[Breach]:
    """A literal policy timeout that is not a timespan or is longer than ADF allows."""
    if not isinstance(timeout, str) or "@" in timeout:
        return []
    try:
        seconds = parse_timespan(timeout)
    except ValueError:
        return [Breach("policy.timeout.max", at, f"{label}: policy timeout {timeout!r} is not a timespan like "
                                                 "0.12:00:00")]
    if seconds > value("policy.timeout.max"):
        return [Breach("policy.timeout.max", at, f"{label}: policy timeout {timeout} is longer than 7 days "
                                                 f"{cite('policy.timeout.max')}")]
    return []


def factory_breach(entities: int) -> str | None:
    """The message when a factory holds more entities than ADF allows, else None."""
    if entities <= value("factory.entities"):
        return None
    return (f"the factory has {entities:,} entities; ADF allows {value('factory.entities'):,} "
            f"{cite('factory.entities')}")


def check_pipeline(name: str, properties: dict[str, Any]) -> list[str]:
    """Every documented limit a pipeline definition breaks, one message each with its source."""
    return [breach.message for breach in breaches(name, properties)]


def markdown_table() -> str:
    """The limits table as docs/run.md shows it."""
    lines = ["| key | limit | value | status | source |", "| --- | --- | --- | --- | --- |"]
    for limit in LIMITS:
        shown = "not allowed" if limit.key.startswith("nesting.") else f"{limit.value:,}"
        lines.append(f"| `{limit.key}` | {limit.text} | {shown} | {limit.status} | {limit.source} |")
    return "\n".join(lines)
