"""Walk resources: activities with their scopes and upstream sets, and every string that may be an expression."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import Any, Callable, Iterator, TypeVar

from adfgen.check.paths import format_path, join_index, join_key

T = TypeVar("T")
ARM_EXPRESSION = re.compile(r"^\[[^\[].*\]$", re.DOTALL)
# Keys whose values ADF never evaluates as expressions.
LITERAL_KEYS = frozenset({"description", "annotations", "folder", "defaultValue", "dependsOn", "runtimeState"})
CONTAINER_BRANCHES = {
    "foreach": (("activities",),),
    "until": (("activities",),),
    "ifcondition": (("ifTrueActivities",), ("ifFalseActivities",)),
    "switch": (("defaultActivities",),),
}


@dataclass(eq=False)
class Activity:
    """One activity in a pipeline, with its scope (sibling list) and container."""

    name: str
    type: str
    body: dict
    path: str
    parent: "Activity | None"
    scope: list["Activity"] = field(repr=False)
    children: list["Activity"] = field(default_factory=list, repr=False)

    @property
    def kind(self) -> str:
        """The lower-case activity type."""
        return self.type.lower()

    @property
    def inactive(self) -> bool:
        """`"state": "Inactive"` on this activity or a container around it.

        Documented: ADF excludes an inactive activity from validation and never runs it
        (https://learn.microsoft.com/azure/data-factory/deactivate-activity), so rules skip it.
        """
        node: Activity | None = self
        while node is not None:
            state = node.body.get("state")
            if isinstance(state, str) and state.lower() == "inactive":
                return True
            node = node.parent
        return False

    @property
    def type_properties(self) -> dict:
        """`typeProperties`, or {} when missing or not an object."""
        value = self.body.get("typeProperties")
        return value if isinstance(value, dict) else {}

    @property
    def policy(self) -> dict:
        """`policy`, or {} when missing or not an object."""
        value = self.body.get("policy")
        return value if isinstance(value, dict) else {}

    def depends_on(self) -> list[str]:
        """Names in `dependsOn` (ignoring malformed items)."""
        deps = self.body.get("dependsOn")
        if not isinstance(deps, list):
            return []
        return [d["activity"] for d in deps if isinstance(d, dict) and isinstance(d.get("activity"), str)]

    def ancestors(self) -> Iterator["Activity"]:
        """Containers around this activity, innermost first."""
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def descendants(self) -> Iterator["Activity"]:
        """Every activity nested inside this one."""
        for child in self.children:
            yield child
            yield from child.descendants()


def _branches(activity_body: dict, kind: str) -> list[tuple[list[Any], str]]:
    """(activity list, path suffix) for each branch of a container activity."""
    props = activity_body.get("typeProperties")
    if not isinstance(props, dict):
        return []
    found = [(props.get(k[0]), f".typeProperties.{k[0]}") for k in CONTAINER_BRANCHES.get(kind, ())]
    if kind == "switch" and isinstance(props.get("cases"), list):
        for i, case in enumerate(props["cases"]):
            if isinstance(case, dict):
                found.append((case.get("activities"), f".typeProperties.cases[{i}].activities"))
    return [(lst, suffix) for lst, suffix in found if isinstance(lst, list)]


class Pipeline:
    """The activities of one pipeline as a tree of scopes.

    `all` holds the active activities only (what rules check); `everything` adds the inactive ones, for
    name lookups: an active activity may still name an inactive one in `dependsOn` or `activity()`.
    """

    def __init__(self, properties: dict):
        self.properties = properties
        self.top: list[Activity] = []
        self.everything: list[Activity] = []
        self.all: list[Activity] = []
        self.malformed: list[str] = []  # paths of activities that are not objects with a string name
        acts = properties.get("activities")
        if isinstance(acts, list):
            self.top = self._build(acts, "activities", None)
        self.all = [a for a in self.everything if not a.inactive]
        self.inactive_paths = tuple(a.path for a in self.everything if a.inactive and not
                                    (a.parent is not None and a.parent.inactive))
        self._upstream: dict[int, set[str]] = {}
        # facts computed once per pipeline by whoever needs them (expression sites; per_pipeline facts)
        self.memo: dict[Any, Any] = {}

    def _build(self, items: list[Any], path: str, parent: Activity | None) -> list[Activity]:
        scope: list[Activity] = []
        for index, body in enumerate(items):
            item_path = join_index(path, index, body)
            if not isinstance(body, dict) or not isinstance(body.get("name"), str):
                self.malformed.append(item_path)
                continue
            kind = body.get("type") if isinstance(body.get("type"), str) else ""
            node = Activity(body["name"], kind, body, item_path, parent, scope)
            scope.append(node)
            self.everything.append(node)
            for branch, suffix in _branches(body, kind.lower()):
                node.children.extend(self._build(branch, item_path + suffix, node))
        return scope

    @cached_property
    def names(self) -> frozenset[str]:
        """Lower-case names of every activity, inactive ones included (what `dependsOn` and `activity()` may name)."""
        return frozenset(a.name.lower() for a in self.everything)

    def in_scope(self, activity: Activity) -> dict[str, Activity]:
        """Siblings by lower-case name (ADF matches activity names case-insensitively)."""
        return {a.name.lower(): a for a in activity.scope}

    def upstream(self, activity: Activity) -> set[str]:
        """Lower-case names `activity` may reference: its dependsOn closure, plus what is upstream of its containers."""
        key = id(activity)
        found = self._upstream.get(key)
        if found is not None:
            return found
        self._upstream[key] = set()  # guards against dependsOn cycles
        siblings = self.in_scope(activity)
        found, stack = set(), [n.lower() for n in activity.depends_on()]
        own = activity.name.lower()
        while stack:
            name = stack.pop()
            if name in found or name == own:
                continue
            found.add(name)
            if name in siblings:
                stack.extend(n.lower() for n in siblings[name].depends_on())
        if activity.parent is not None:
            found |= self.upstream(activity.parent)
        self._upstream[key] = found
        return found


@dataclass(frozen=True)
class Site:
    """One string value that may hold an expression, and where it sits."""

    path: str
    text: str
    activity: Activity | None
    keys: tuple[str, ...]  # object keys from the activity (or resource) down to the value


def _walk_value(value: Any, path: str, keys: tuple[str, ...], activity: Activity | None,
                skip_arm: bool, out: list[Site]) -> None:
    if isinstance(value, str):
        if "@" in value and not (skip_arm and ARM_EXPRESSION.match(value)):
            out.append(Site(path, value, activity, keys))
    elif isinstance(value, dict):
        if value.get("type") == "Expression" and isinstance(value.get("value"), str):
            text = value["value"]
            if "@" in text and not (skip_arm and ARM_EXPRESSION.match(text)):
                out.append(Site(path, text, activity, keys))
            return
        for key, item in value.items():
            if key in LITERAL_KEYS:
                continue
            _walk_value(item, join_key(path, str(key)), keys + (str(key),), activity, skip_arm, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk_value(item, join_index(path, index), keys, activity, skip_arm, out)


def per_pipeline(compute: Callable[[Pipeline], T]) -> Callable[[Pipeline], T]:
    """Make `compute(pipeline)` a fact computed once per pipeline: later calls return the kept value (Pipeline.memo)."""
    key = compute.__name__

    @wraps(compute)
    def once(pipeline: Pipeline) -> T:
        if key not in pipeline.memo:
            pipeline.memo[key] = compute(pipeline)
        return pipeline.memo[key]
    return once


def pipeline_sites(pipeline: Pipeline, skip_arm: bool = False) -> list[Site]:
    """Every candidate expression string of a pipeline's active activities, attributed to its innermost activity.

    Computed once per pipeline and flag (rules and the secret tracing in semantics share it).
    """
    key = ("sites", skip_arm)
    if key not in pipeline.memo:
        pipeline.memo[key] = _pipeline_sites(pipeline, skip_arm)
    return pipeline.memo[key]


def _pipeline_sites(pipeline: Pipeline, skip_arm: bool) -> list[Site]:
    out: list[Site] = []
    for activity in pipeline.all:
        branch_keys = {k[0] for k in CONTAINER_BRANCHES.get(activity.kind, ())} | {"cases"}
        for key, value in activity.body.items():
            if key in LITERAL_KEYS or key == "name":
                continue
            path = join_key(activity.path, key)
            if key == "typeProperties" and isinstance(value, dict):
                for tkey, tvalue in value.items():
                    if tkey in branch_keys and activity.kind in CONTAINER_BRANCHES:
                        if tkey == "cases" and isinstance(tvalue, list):
                            for i, case in enumerate(tvalue):
                                if isinstance(case, dict) and "value" in case:
                                    _walk_value(case["value"], f"{path}.cases[{i}].value", ("typeProperties", "cases", "value"), activity, skip_arm, out)
                        continue
                    _walk_value(tvalue, join_key(path, tkey), ("typeProperties", tkey), activity, skip_arm, out)
            else:
                _walk_value(value, path, (key,), activity, skip_arm, out)
    return out


def resource_sites(properties: dict, skip_arm: bool = False) -> list[Site]:
    """Every candidate expression string of a dataset, linked service or trigger."""
    out: list[Site] = []
    for key, value in properties.items():
        if key in LITERAL_KEYS or key == "parameters":
            continue
        _walk_value(value, key, (key,), None, skip_arm, out)
    return out


def under_inactive(pipeline: "Pipeline | None", path: str) -> bool:
    """True when a JSON path lies inside an inactive activity (whose findings ADF would not report)."""
    if pipeline is None or not pipeline.inactive_paths:
        return False
    return any(path == p or path.startswith(p + ".") for p in pipeline.inactive_paths)


def iter_dicts(value: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """Every object nested in `value` with its path (for finding references by shape)."""
    if isinstance(value, dict):
        yield path, value
        for key, item in value.items():
            yield from iter_dicts(item, join_key(path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_dicts(item, join_index(path, index, item))


def value_text(value: Any) -> str:
    """The text of a literal or Expression-wrapped string; '' for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("value"), str):
        return value["value"]
    return ""


class Tree:
    """A resource's properties flattened once: every object and string, with paths built only when asked."""

    def __init__(self, root: Any):
        self.root = root
        self.parents: list[int] = []
        self.keys: list[Any] = []
        self.dicts: list[tuple[int, dict]] = []
        self.strings: list[tuple[int, Any, str, str]] = []  # (container node, key or index, nearest object key, text)
        parents, keys, dicts, strings = self.parents, self.keys, self.dicts, self.strings
        stack: list[tuple[Any, int, Any, str]] = [(root, -1, None, "")]
        while stack:
            value, parent, key, owner = stack.pop()
            index = len(parents)
            parents.append(parent)
            keys.append(key)
            if isinstance(value, dict):
                dicts.append((index, value))
                for k, item in value.items():
                    if isinstance(item, str):
                        strings.append((index, k, k, item))
                    elif isinstance(item, (dict, list)):
                        stack.append((item, index, k, k))
            else:
                for i, item in enumerate(value):
                    if isinstance(item, str):
                        strings.append((index, i, owner, item))
                    elif isinstance(item, (dict, list)):
                        stack.append((item, index, i, owner))

    def path(self, index: int, last: Any = None) -> str:
        """The readable path of container node `index` (and of its member `last`, when given)."""
        keys = [] if last is None else [last]
        while index > 0:
            keys.append(self.keys[index])
            index = self.parents[index]
        return format_path(self.root, reversed(keys))
