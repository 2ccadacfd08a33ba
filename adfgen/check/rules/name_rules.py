"""RF: activity and resource names: dependsOn inside the scope and acyclic, names unique and valid."""

from __future__ import annotations

from typing import Any, Iterator

from adfgen.check.model import WARNING
from adfgen.check.rules.base import Context, FactoryView, Hit, Rule
from adfgen.check.walk import Activity
from adfgen.core.naming_rules import FIRST_CHARACTER_TOLERATED, START_WITH_LETTER, name_problems


class BadDependsOn(Rule):
    """`dependsOn` naming an activity that is not in the same scope, the activity itself, or forming a cycle.

    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "A", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1},
             "dependsOn": [{"activity": "B", "dependencyConditions": ["Succeeded"]}]},
            {"name": "B", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1},
             "dependsOn": [{"activity": "A", "dependencyConditions": ["Succeeded"]}]}]}}

    Good:
        {"pipeline/pl_x": {"activities": [
            {"name": "A", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
            {"name": "B", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1},
             "dependsOn": [{"activity": "A", "dependencyConditions": ["Succeeded"]}]}]}}
    """

    code = "RF009"
    name = "bad-depends-on"
    message = "dependsOn names an unknown activity or forms a cycle"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        pipeline = ctx.pipeline
        scopes: dict[int, list[Activity]] = {}
        names_in: dict[int, set[str]] = {}  # per scope, once: per activity it made a long pipeline quadratic
        for activity in pipeline.all:
            scopes.setdefault(id(activity.scope), activity.scope)
            siblings = names_in.get(id(activity.scope))
            if siblings is None:
                siblings = names_in[id(activity.scope)] = {a.name.lower() for a in activity.scope}
            for index, name in enumerate(activity.depends_on()):
                path = f"{activity.path}.dependsOn[{index}].activity"
                if name.lower() == activity.name.lower():
                    yield Hit(path, f"'{activity.name}' depends on itself", activity=activity.name)
                elif name.lower() not in siblings:
                    where = ("is in another scope (a container's inside or outside)" if name.lower() in pipeline.names
                             else "does not exist")
                    yield Hit(path, f"dependsOn '{name}' {where}; an activity can only depend on activities "
                                    f"in the same list", activity=activity.name)
        for scope in scopes.values():
            yield from _cycles(scope)


def _cycles(scope: list[Activity]) -> Iterator[Hit]:
    by_name: dict[str, Activity] = {}
    for activity in scope:
        by_name.setdefault(activity.name.lower(), activity)  # a duplicate name is RF010's finding
    state: dict[str, int] = {}  # 1 visiting, 2 done
    reported: set[frozenset[str]] = set()

    def visit(name: str, trail: list[str]) -> Iterator[Hit]:
        state[name] = 1
        trail.append(name)
        for dep in (d.lower() for d in by_name[name].depends_on()):
            if dep not in by_name or dep == name:
                continue
            if state.get(dep) == 1:
                cycle = trail[trail.index(dep):]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    first = by_name[cycle[0]]
                    shown = [by_name[n].name for n in cycle + [cycle[0]]]
                    yield Hit(f"{first.path}.dependsOn", "dependsOn cycle: " + " -> ".join(shown),
                              activity=first.name)
            elif state.get(dep) is None:
                yield from visit(dep, trail)
        trail.pop()
        state[name] = 2

    for activity in scope:
        if activity.name.lower() not in state:
            yield from visit(activity.name.lower(), [])


class DuplicateName(Rule):
    """Two resources of one kind, or two activities of one pipeline, with the same name (ADF names are case-insensitive).

    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
            {"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 2}}]}}

    Good:
        {"pipeline/pl_x": {"activities": [
            {"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
            {"name": "Pause Again", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 2}}]}}
    """

    code = "RF010"
    name = "duplicate-name"
    message = "name is used twice"
    factory_wide = True

    def check_factory(self, view: FactoryView) -> Iterator[Hit]:
        seen: dict[tuple[str, str], Any] = {}
        for entry in view.factory.entries:
            key = (entry.kind, entry.name.lower())
            if key in seen:
                yield Hit("name", f"{entry.kind} name '{entry.name}' is also used by {seen[key].file}", entry=entry)
            else:
                seen[key] = entry
        for entry in view.factory.entries:
            if entry.kind != "pipeline":
                continue
            names: dict[str, Activity] = {}
            for activity in view.context(entry).pipeline.everything:
                if activity.name.lower() in names:
                    yield Hit(f"{activity.path}.name", f"activity name '{activity.name}' is used twice in this pipeline",
                              activity=activity.name, entry=entry)
                else:
                    names[activity.name.lower()] = activity


class InvalidName(Rule):
    """A resource name that breaks ADF's naming rules for its kind (https://learn.microsoft.com/azure/data-factory/naming-rules).

    Names start with a letter and contain none of . + ? / < > * % & : \\ #; linked service, dataset and data flow
    names contain no dashes; no quote (it ends the '...' literals that name the resource in ARM and expressions)
    and no control characters; at most 260 characters. The table has no row for triggers: a trigger named
    `00_Daily` is not reported (ADF accepts it, observed).

    Bad:
        {"linkedService/ls-api": {"type": "RestService", "typeProperties": {"url": "https://x", "authenticationType": "Anonymous"}}}

    Good:
        {"linkedService/ls_api": {"type": "RestService", "typeProperties": {"url": "https://x", "authenticationType": "Anonymous"}}}
    """

    code = "RF011"
    name = "invalid-name"
    message = "name is not a valid ADF name"
    severity_note = "warning for a name that starts with a digit or '_', none for a trigger"

    def check(self, ctx: Context) -> Iterator[Hit]:
        for problem in name_problems(ctx.entry.kind, ctx.entry.name):
            if problem == START_WITH_LETTER and ctx.entry.name[0] in FIRST_CHARACTER_TOLERATED:
                if ctx.entry.kind == "trigger":
                    # The naming-rules table has no row for triggers (the pipeline rule is only assumed for them)
                    # and ADF has accepted `00_Load_...`, `_H_Trigger ...`, `12 Hour Updates` (observed, corpus).
                    continue
                yield Hit("name", f"name {ctx.entry.name!r}: {problem} (documented; ADF has been seen to accept "
                          "a digit or '_' first)", severity=WARNING)
            else:
                yield Hit("name", f"name {ctx.entry.name!r}: {problem}")
