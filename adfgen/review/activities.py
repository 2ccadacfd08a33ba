"""Reading a pipeline's activity tree: containers and their branches, dependencies, secure flags, calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

# Where a container keeps its inner activities (https://learn.microsoft.com/azure/data-factory/
# concepts-pipelines-activities#control-flow-activities): ForEach/Until `activities`, IfCondition
# `ifTrueActivities`/`ifFalseActivities`, Switch `cases[].activities` and `defaultActivities`.
BRANCH_KEYS = (("activities", ""), ("ifTrueActivities", "true"), ("ifFalseActivities", "false"),
               ("defaultActivities", "default"))


@dataclass(frozen=True)
class Branch:
    """One list of inner activities of a container: its label ("" for a loop body) and the activities."""

    label: str
    activities: list[dict[str, Any]]


def as_list(value: Any) -> list[dict[str, Any]]:
    """The activity dicts of a list, skipping anything malformed (real factories hold surprises)."""
    return [a for a in value if isinstance(a, dict)] if isinstance(value, list) else []


def type_properties(activity: dict[str, Any]) -> dict[str, Any]:
    """An activity's `typeProperties`, {} when absent or malformed."""
    value = activity.get("typeProperties")
    return value if isinstance(value, dict) else {}


def branches(activity: dict[str, Any]) -> list[Branch]:
    """The inner activity lists of a container activity, in a fixed order; [] for a plain activity."""
    props = type_properties(activity)
    found = [Branch(label, as_list(props[key])) for key, label in BRANCH_KEYS if key in props]
    cases = props.get("cases")
    if isinstance(cases, list):
        for case in cases:
            if isinstance(case, dict):
                found.insert(len(found) - ("defaultActivities" in props),
                             Branch(f"case {case.get('value', '')}", as_list(case.get("activities"))))
    return found


def activity_name(activity: dict[str, Any]) -> str:
    """The activity's name as text ("?" when missing)."""
    name = activity.get("name")
    return name if isinstance(name, str) else "?"


def dependencies(activity: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """(upstream activity, its conditions) for each `dependsOn` entry."""
    found = []
    entries = activity.get("dependsOn")
    for dep in entries if isinstance(entries, list) else []:
        if isinstance(dep, dict) and isinstance(dep.get("activity"), str):
            conditions = dep.get("dependencyConditions")
            found.append((dep["activity"], tuple(c for c in conditions if isinstance(c, str))
                          if isinstance(conditions, list) else ()))
    return found


def secure_flags(activity: dict[str, Any]) -> tuple[str, ...]:
    """Which of `secureInput` / `secureOutput` the activity's policy turns on."""
    policy = activity.get("policy")
    if not isinstance(policy, dict):
        return ()
    return tuple(flag for flag in ("secureInput", "secureOutput") if policy.get(flag) is True)


def called_pipeline(activity: dict[str, Any]) -> str | None:
    """The pipeline an Execute Pipeline activity runs, None for other activities."""
    if activity.get("type") != "ExecutePipeline":
        return None
    reference = type_properties(activity).get("pipeline")
    name = reference.get("referenceName") if isinstance(reference, dict) else None
    return name if isinstance(name, str) else None


def walk(activities: list[dict[str, Any]], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict]]:
    """Every activity with the names of the containers (and branch labels) around it, depth first."""
    for activity in as_list(activities):
        yield path, activity
        for branch in branches(activity):
            name = activity_name(activity)
            inner = path + (f"{name} ({branch.label})" if branch.label else name,)
            yield from walk(branch.activities, inner)


def pipeline_activities(properties: dict[str, Any]) -> list[dict[str, Any]]:
    """A pipeline's top-level activities."""
    return as_list(properties.get("activities")) if isinstance(properties, dict) else []
