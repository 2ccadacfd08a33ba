"""Classify each resource as create / update / delete / unchanged against the live factory (pure, no Azure calls)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from adfgen.azure.normalize import canonical_text, normalise
from adfgen.azure.references import Reference, unresolved_references
from adfgen.core.resources import KINDS, Resource, carries_managed_annotation

CREATE, UPDATE, DELETE, UNCHANGED = "create", "update", "delete", "unchanged"
ORPHAN = "orphan"  # managed by adfgen, gone from the source, kept because --prune was not given
UNMANAGED = "unmanaged"  # live, not written by adfgen: never touched
CHANGES = (CREATE, UPDATE, DELETE)
STARTED, STOPPED = "Started", "Stopped"


@dataclass(frozen=True)
class LiveResource:
    """One resource as the factory reports it."""

    kind: str
    name: str
    properties: dict[str, Any]

    @property
    def is_managed(self) -> bool:
        """True when adfgen wrote it (the managed annotation)."""
        return carries_managed_annotation(self.properties)

    @property
    def runtime_state(self) -> str | None:
        """A trigger's `runtimeState` ("Started"/"Stopped"), None for other kinds."""
        return self.properties.get("runtimeState") if self.kind == "trigger" else None


@dataclass
class PlanItem:
    """What happens to one resource, and for triggers what happens to their runtime state."""

    kind: str
    name: str
    action: str
    managed: bool
    source: Resource | None = None
    live: LiveResource | None = None
    diff: str = ""
    live_state: str | None = None  # triggers only
    final_state: str | None = None  # triggers only: the runtime state after deploy
    stop_first: bool = False  # a started trigger that will be updated, deleted or stopped
    start_after: bool = False  # the trigger must be (re)started after the PUTs
    takes_over: bool = False  # an update of a live resource adfgen did not write (needs --adopt)

    @property
    def trigger_change(self) -> str | None:
        """"start"/"stop" when the trigger's runtime state changes, else None."""
        if self.kind != "trigger" or self.action == DELETE:
            return None
        if self.final_state == STARTED and self.live_state != STARTED:
            return "start"
        if self.final_state == STOPPED and self.live_state == STARTED:
            return "stop"
        return None

    @property
    def has_change(self) -> bool:
        """True when deploy would call ARM for this resource."""
        return self.action in CHANGES or self.trigger_change is not None

    def to_json(self) -> dict[str, Any]:
        """A machine-readable row."""
        row: dict[str, Any] = {"kind": self.kind, "name": self.name, "action": self.action, "managed": self.managed}
        if self.kind == "trigger":
            row.update(runtimeState=self.live_state, finalRuntimeState=self.final_state,
                       triggerChange=self.trigger_change)
        if self.takes_over:
            row["takesOver"] = True
        if self.diff:
            row["diff"] = self.diff
        return row


@dataclass
class Plan:
    """Every resource's fate, in deploy order."""

    items: list[PlanItem] = field(default_factory=list)
    list_calls: int = 0
    unresolved: list[Reference] = field(default_factory=list)  # source references to nothing in source or live

    @property
    def has_changes(self) -> bool:
        """True when deploy would change anything (exit code 3 for `plan`)."""
        return any(i.has_change for i in self.items)

    def counts(self) -> dict[str, int]:
        """Number of items per action."""
        out: dict[str, int] = {}
        for item in self.items:
            out[item.action] = out.get(item.action, 0) + 1
        return out

    def takeovers(self) -> list[PlanItem]:
        """Updates that would overwrite live resources adfgen did not write."""
        return [i for i in self.items if i.takes_over]

    def with_action(self, *actions: str) -> list[PlanItem]:
        """Items whose action is one of `actions`, in deploy order."""
        return [i for i in self.items if i.action in actions]


def desired_state(source: Resource, start_triggers: bool) -> str | None:
    """A source trigger's wanted runtime state: its own `runtimeState` if given, else Started unless told not to."""
    explicit = source.properties.get("runtimeState")
    if explicit in (STARTED, STOPPED):
        return explicit
    return STARTED if start_triggers else None


def compute_plan(source: list[Resource], live: list[LiveResource], *, prune: bool = False,
                 start_triggers: bool = True) -> Plan:
    """Compare built resources with live ones; `prune` turns managed orphans into deletes."""
    live_by_key = {(r.kind, r.name.lower()): r for r in live}
    source_keys = {(r.kind, r.name.lower()) for r in source}
    items: list[PlanItem] = []
    for resource in source:
        current = live_by_key.get((resource.kind, resource.name.lower()))
        if current is None:
            item = PlanItem(resource.kind, resource.name, CREATE, True, source=resource)
        elif normalise(current.properties) == normalise(resource.properties):
            item = PlanItem(resource.kind, current.name, UNCHANGED, True, source=resource, live=current)
        else:
            item = PlanItem(resource.kind, current.name, UPDATE, True, source=resource, live=current,
                            diff=unified_diff(resource.kind, current.name, current.properties, resource.properties),
                            takes_over=not current.is_managed)
        if resource.kind == "trigger":
            item.live_state = (current.runtime_state or STOPPED) if current else None
            wanted = desired_state(resource, start_triggers)
            was_started = item.live_state == STARTED
            item.final_state = wanted or (STARTED if was_started else STOPPED)
            item.stop_first = was_started and (item.action == UPDATE or item.final_state == STOPPED)
            item.start_after = item.final_state == STARTED and (not was_started or item.stop_first)
        items.append(item)
    for current in live:
        if (current.kind, current.name.lower()) in source_keys:
            continue
        if not current.is_managed:
            item = PlanItem(current.kind, current.name, UNMANAGED, False, live=current)
        else:
            item = PlanItem(current.kind, current.name, DELETE if prune else ORPHAN, True, live=current)
        if current.kind == "trigger":
            item.live_state = item.final_state = current.runtime_state or STOPPED
            item.stop_first = item.action == DELETE and item.live_state == STARTED
        items.append(item)
    items.sort(key=lambda i: (KINDS[i.kind].deploy_order, i.name.lower()))
    return Plan(items, unresolved=unresolved_references(source, live))


def unified_diff(kind: str, name: str, live: dict[str, Any], source: dict[str, Any]) -> str:
    """A readable diff of the normalised JSON, live → source."""
    before = canonical_text(live).splitlines(keepends=True)
    after = canonical_text(source).splitlines(keepends=True)
    return "".join(difflib.unified_diff(before, after, f"live/{kind}/{name}", f"source/{kind}/{name}", n=3))
