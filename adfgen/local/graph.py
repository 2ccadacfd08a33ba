"""ADF's activity-graph rules: dependency conditions, the pipeline outcome rule, and what ADF refuses at publish."""

from __future__ import annotations

from typing import Any

from adfgen.core import adf_limits as limits
from adfgen.local import evidence
from adfgen.local.evidence import Relied
from adfgen.local.records import FAILED, SKIPPED, SUCCEEDED, ActivityRun

CONDITIONS = {"Succeeded": {SUCCEEDED}, "Failed": {FAILED}, "Skipped": {SKIPPED}, "Completed": {SUCCEEDED, FAILED}}


def result_object(record: ActivityRun) -> dict[str, Any]:
    """What activity('x') returns for a finished activity."""
    return {"output": record.output if record.output is not None else {}, "error": record.error,
            "status": record.status, "activityRunId": record.activity_run_id, "activityName": record.name,
            "activityType": record.type, "pipelineRunId": record.pipeline_run_id}


def dependencies(activity: dict[str, Any]) -> list[tuple[str, set[str]]]:
    """(parent, allowed statuses) for each dependsOn entry."""
    found = []
    for dep in activity.get("dependsOn") or []:
        if not isinstance(dep, dict):
            continue
        allowed: set[str] = set()
        for condition in dep.get("dependencyConditions") or []:
            allowed |= CONDITIONS.get(str(condition), set())
        found.append((str(dep.get("activity")), allowed))
    return found


def judge(by_name: dict[str, dict[str, Any]], status: dict[str, str], errors: dict[str, dict[str, Any]],
          relied: Relied) -> tuple[bool, dict[str, Any] | None]:
    """ADF's outcome rule: every leaf must succeed; a skipped leaf is judged by its parents."""
    relied.use("outcome.leaves")
    depended = {parent for activity in by_name.values() for parent, _ in dependencies(activity)}
    leaves = [name for name in by_name if name not in depended]
    failed: list[str] = []
    seen: set[str] = set()

    def examine(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        state = status.get(name)
        if state == FAILED:
            failed.append(name)
        elif state == SKIPPED:
            for parent, _ in dependencies(by_name[name]):
                examine(parent)

    for leaf in leaves:
        examine(leaf)
    if not failed:
        return True, None
    name = failed[0]
    inner = errors.get(name) or {"errorCode": "ActivityFailed", "message": "", "failureType": "UserError"}
    error = {"errorCode": inner.get("errorCode"), "message": f"Operation on target {name} failed: {inner.get('message')}",
             "failureType": inner.get("failureType", "UserError"), "target": name, "details": ""}
    return False, error


def check_graph(activities: Any, where: str = "") -> list[str]:
    """Dependency problems ADF refuses at publish: unknown activities, cycles, repeated names."""
    if not isinstance(activities, list):
        return []
    problems: list[str] = []
    names = [a.get("name") for a in activities if isinstance(a, dict)]
    by_name = {a["name"]: a for a in activities if isinstance(a, dict) and isinstance(a.get("name"), str)}
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(f"activity name {name!r} is used twice{where}")
    for name, activity in by_name.items():
        for parent, _ in dependencies(activity):
            if parent not in by_name:
                problems.append(f"activity '{name}' depends on '{parent}', which is not in the same container{where}")
    paths: dict[str, set[str]] = {}
    for activity in by_name.values():
        for dep in activity.get("dependsOn") or []:
            if isinstance(dep, dict):
                paths.setdefault(str(dep.get("activity")), set()).update(map(str, dep.get("dependencyConditions") or []))
    for parent, conditions in sorted(paths.items()):
        if "Completed" in conditions and conditions & {"Succeeded", "Failed"}:
            problems.append(f"activity '{parent}' has an Upon Completion path together with an Upon Success or Upon "
                            f"Failure path, which ADF does not allow{where} (documented: {evidence.ERROR_HANDLING})")
    visiting: dict[str, int] = {}

    def visit(name: str) -> bool:
        if visiting.get(name) == 1:
            return True
        if visiting.get(name) == 2:
            return False
        visiting[name] = 1
        cyclic = any(visit(p) for p, _ in dependencies(by_name[name]) if p in by_name)
        visiting[name] = 2
        return cyclic

    if any(visit(n) for n in by_name):
        problems.append(f"the dependencies form a cycle{where}")
    for name, activity in by_name.items():
        for inner in limits.inner_lists(activity):
            problems += check_graph(inner, f" (inside '{name}')")
    return problems
