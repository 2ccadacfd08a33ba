"""Semantic diff of two factories: per resource, what changed in a reviewer's terms; security-relevant first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adfgen.core.resources import KINDS
from adfgen.review import activities as acts
from adfgen.review.leaves import MISSING, changed_leaves, path_text, unwrap
from adfgen.review.redact import is_secret, shown
from adfgen.review.security import hosts, secret_flows

# Report order within a resource; "security" is pulled to the very top of the whole diff.
CATEGORIES = ("security", "resource", "activity", "dependency", "pagination", "header", "url", "policy", "schedule",
              "setting")
SECURE_FLAGS = ("secureInput", "secureOutput")
# Header maps: Copy's REST source, Web/WebHook activities, the REST linked service's authHeaders.
HEADER_KEYS = {"additionalHeaders", "headers", "authHeaders"}
# A tumbling window trigger keeps its schedule directly in typeProperties (schedule triggers under `recurrence`):
# (https://learn.microsoft.com/azure/data-factory/how-to-create-tumbling-window-trigger, "type properties").
WINDOW_KEYS = {"frequency", "interval", "startTime", "endTime", "delay", "maxConcurrency"}


@dataclass(frozen=True)
class Change:
    """One change a reviewer reads: where, what kind of change, and old → new values (None when not applicable)."""

    kind: str  # resource kind: pipeline, trigger, dataset, linkedService
    resource: str
    category: str  # one of CATEGORIES
    summary: str  # one line, e.g. "activity 'A' renamed to 'B'"
    where: str = ""  # activity path and/or JSON path inside the resource
    old: Any = None
    new: Any = None

    @property
    def security(self) -> bool:
        """True for the changes listed first."""
        return self.category == "security"

    def to_json(self) -> dict[str, Any]:
        """The change for `--output json`; absent values are omitted, not null."""
        row: dict[str, Any] = {"kind": self.kind, "resource": self.resource, "category": self.category,
                               "security": self.security, "summary": self.summary}
        if self.where:
            row["where"] = self.where
        for key in ("old", "new"):
            value = getattr(self, key)
            if value is not MISSING and value is not None:
                row[key] = value
        return row


def _sort_key(change: Change) -> tuple:
    return (not change.security, KINDS[change.kind].deploy_order if change.kind in KINDS else 9, change.resource,
            CATEGORIES.index(change.category), change.where, change.summary)


def diff_factories(before: list[Any], after: list[Any]) -> list[Change]:
    """Every change from `before` to `after` (lists of Resource), security-relevant first, then by resource."""
    old = {(r.kind, r.name): r for r in before}
    new = {(r.kind, r.name): r for r in after}
    changes: list[Change] = []
    for key in sorted(set(old) | set(new)):
        kind, name = key
        if key not in new:
            changes.append(Change(kind, name, "resource", f"{kind} '{name}' removed"))
        elif key not in old:
            changes.append(Change(kind, name, "resource", f"{kind} '{name}' added"))
        elif old[key].properties != new[key].properties:
            changes += _diff_resource(kind, name, old[key].properties, new[key].properties)
    changes += _security_facts(before, after)
    return sorted(changes, key=_sort_key)


def _diff_resource(kind: str, name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    if kind == "pipeline":
        return _diff_pipeline(name, old, new)
    found = []
    for path, before, after in changed_leaves(old, new):
        category = _leaf_category(path)
        if kind == "trigger" and ("recurrence" in path or path[:1] == ("runtimeState",) or (
                len(path) == 2 and path[0] == "typeProperties" and path[1] in WINDOW_KEYS)):
            category = "schedule"
        secret = is_secret(path, old, new)
        found.append(Change(kind, name, category, f"{_category_noun(category)} changed", path_text(path),
                            shown(unwrap(before), secret), shown(unwrap(after), secret)))
    return found


def _leaf_category(path: tuple[Any, ...]) -> str:
    """pagination / header / url / setting, by where the leaf sits."""
    if "paginationRules" in path:
        return "pagination"
    if any(step in HEADER_KEYS for step in path):
        return "header"
    if path and isinstance(path[-1], str) and path[-1].lower().endswith("url"):
        return "url"  # url, baseUrl, relativeUrl; and adfgen's dataset parameters BaseUrl, RelativeUrl
    return "setting"


def _category_noun(category: str) -> str:
    return {"pagination": "pagination rule", "header": "header", "url": "URL", "schedule": "schedule",
            "policy": "policy", "setting": "setting"}[category]


# ---------------------------------------------------------------- pipelines

def _own_part(activity: dict[str, Any]) -> dict[str, Any]:
    """The activity without its name, dependencies and inner activity lists (those are compared on their own)."""
    props = {k: v for k, v in acts.type_properties(activity).items()
             if k not in ("activities", "ifTrueActivities", "ifFalseActivities", "defaultActivities")}
    if isinstance(props.get("cases"), list):
        props["cases"] = [{k: v for k, v in c.items() if k != "activities"} if isinstance(c, dict) else c
                          for c in props["cases"]]
    return {**{k: v for k, v in activity.items() if k not in ("name", "dependsOn", "typeProperties")},
            "typeProperties": props}


def _flat(properties: dict[str, Any]) -> dict[tuple[tuple[str, ...], str], dict[str, Any]]:
    """(container path, name) → activity, for every activity at any depth."""
    return {(path, acts.activity_name(a)): a for path, a in acts.walk(acts.pipeline_activities(properties))}


def _rename_path(path: tuple[str, ...], renames: dict[tuple[tuple[str, ...], str], str]) -> tuple[str, ...]:
    """An old container path in new names ("Loop (true)" keeps its branch label)."""
    mapped: tuple[str, ...] = ()
    for step in path:
        name, _, label = step.partition(" (") if step.endswith(")") else (step, "", "")
        for candidate in (step, name):
            if (mapped, candidate) in renames:
                step = renames[(mapped, candidate)] + (f" ({label}" if candidate == name and label else "")
                break
        mapped += (step,)
    return mapped


def _match(old: dict, new: dict) -> tuple[list, list, list, dict]:
    """Pair activities: same path and name, else a rename (same path, type and settings); the rest added/removed."""
    renames: dict[tuple[tuple[str, ...], str], str] = {}
    pairs, removed = [], []
    remaining_new = dict(new)
    for (path, name), activity in sorted(old.items(), key=lambda item: (len(item[0][0]), item[0])):
        mapped = _rename_path(path, renames)
        if (mapped, name) in remaining_new:
            pairs.append(((mapped, name), activity, remaining_new.pop((mapped, name))))
            continue
        twin = next((key for key, candidate in sorted(remaining_new.items())
                     if key[0] == mapped and key not in old and candidate.get("type") == activity.get("type")
                     and _own_part(candidate).get("typeProperties") == _own_part(activity).get("typeProperties")),
                    None)
        if twin is None:
            removed.append(((mapped, name), activity))
            continue
        renames[(mapped, name)] = twin[1]
        pairs.append((twin, activity, remaining_new.pop(twin)))
    return pairs, removed, sorted(remaining_new.items()), renames


def _where(path: tuple[str, ...], name: str) -> str:
    return " / ".join(path + (name,))


def _diff_pipeline(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    found = []
    pipeline_old = {k: v for k, v in old.items() if k != "activities"}
    pipeline_new = {k: v for k, v in new.items() if k != "activities"}
    for path, before, after in changed_leaves(pipeline_old, pipeline_new):
        secret = is_secret(path, pipeline_old, pipeline_new)
        category = _leaf_category(path[:-1] if path[-1:] == ("defaultValue",) else path)  # a parameter's default
        summary = "pipeline setting changed" if category == "setting" else f"{_category_noun(category)} changed"
        found.append(Change("pipeline", name, category, summary, path_text(path),
                            shown(unwrap(before), secret), shown(unwrap(after), secret)))
    old_flat, new_flat = _flat(old), _flat(new)
    pairs, removed, added, renames = _match(old_flat, new_flat)
    for (path, activity_name), activity in removed:
        found.append(Change("pipeline", name, "activity",
                            f"activity '{activity_name}' ({activity.get('type')}) removed",
                            _where(path, activity_name)))
    for (path, activity_name), activity in added:
        found.append(Change("pipeline", name, "activity",
                            f"activity '{activity_name}' ({activity.get('type')}) added", _where(path, activity_name)))
    for (path, new_name), before, after in pairs:
        old_name = acts.activity_name(before)
        where = _where(path, new_name)
        if old_name != new_name:
            found.append(Change("pipeline", name, "activity", f"activity '{old_name}' renamed to '{new_name}'", where,
                                old_name, new_name))
        found += _diff_dependencies(name, where, path, before, after, renames)
        found += _diff_activity(name, where, before, after)
    return found


def _diff_dependencies(pipeline: str, where: str, path: tuple[str, ...], before: dict, after: dict,
                       renames: dict) -> list[Change]:
    """Dependencies added, removed or with other conditions; an upstream's rename alone is no change."""
    old = {renames.get((path, up), up): conditions for up, conditions in acts.dependencies(before)}
    new = dict(acts.dependencies(after))
    found = []
    for upstream in sorted(set(old) | set(new)):
        if upstream not in new:
            found.append(Change("pipeline", pipeline, "dependency", f"no longer waits for '{upstream}'", where,
                                list(old[upstream]), None))
        elif upstream not in old:
            found.append(Change("pipeline", pipeline, "dependency", f"now waits for '{upstream}'", where,
                                None, list(new[upstream])))
        elif sorted(old[upstream]) != sorted(new[upstream]):
            found.append(Change("pipeline", pipeline, "dependency", f"condition on '{upstream}' changed", where,
                                list(old[upstream]), list(new[upstream])))
    return found


def _diff_activity(pipeline: str, where: str, before: dict, after: dict) -> list[Change]:
    """Policy, type and typeProperties changes of one matched activity."""
    found = []
    own_before, own_after = _own_part(before), _own_part(after)
    for path, old, new in changed_leaves(own_before, own_after):
        at = f"{where}: {path_text(path)}"
        if path == ("state",):  # an activity deactivated or activated again (it reports onInactiveMarkAs instead)
            category, at = "activity", where
            summary = "activity deactivated" if new == "Inactive" else "activity state changed"
        elif path == ("typeProperties", "pipeline", "referenceName") and before.get("type") == "ExecutePipeline":
            category, summary, at = "activity", "runs another pipeline", where
        elif path[:1] == ("policy",):
            category, summary, at = "policy", f"policy {path_text(path[1:])} changed", where
            if path[1:] and path[1] in SECURE_FLAGS and old is True and new is not True:
                category, summary = "security", f"{path[1]} turned off"
        else:
            category = _leaf_category(path)
            summary = f"{_category_noun(category)} changed"
        secret = is_secret(path, own_before, own_after)
        found.append(Change("pipeline", pipeline, category, summary, at, shown(unwrap(old), secret),
                            shown(unwrap(new), secret)))
    return found


# ---------------------------------------------------------------- whole-factory security facts

def _security_facts(before: list[Any], after: list[Any]) -> list[Change]:
    """A secret newly stored in a variable; a host newly called."""
    found = []
    flows, old_flows = secret_flows(after), secret_flows(before)
    for pipeline, variable, source in sorted(set(flows) - set(old_flows)):
        found.append(Change("pipeline", pipeline, "security",
                            f"secret output of '{source}' now passes through variable '{variable}'",
                            flows[(pipeline, variable, source)]))
    old_hosts = hosts(before)
    for host, (kind, name, where) in sorted(hosts(after).items()):
        if host not in old_hosts:
            found.append(Change(kind, name, "security", f"new outbound host {host}", where))
    return found
