"""The rule contract: a code, a name, a one-line message, a severity, a docstring with Bad:/Good: examples."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterator

from adfgen.check.model import ERROR, Entry, Factory
from adfgen.check.paths import activity_of_path
from adfgen.check.walk import Pipeline, Site, Tree, pipeline_sites, resource_sites

if TYPE_CHECKING:
    from adfgen.check.schema import SchemaValidator


@dataclass(frozen=True)
class Hit:
    """What a rule reports; the engine adds file, line and resource."""

    path: str
    message: str
    column: int = 0
    severity: str | None = None  # None: the rule's severity
    activity: str | None = None  # the activity name, used to find the line
    entry: Entry | None = None  # for factory-wide rules: the resource the hit is about

    @classmethod
    def at(cls, site: Site, message: str, column: int = 0, severity: str | None = None) -> "Hit":
        """A hit on an expression site, naming the site's activity (the engine finds the line through it)."""
        return cls(site.path, message, column, severity, site.activity.name if site.activity else None)

    @classmethod
    def in_tree(cls, tree: Tree, node: int, member: Any, message: str, column: int = 0) -> "Hit":
        """A hit on node `node` of a resource's tree (or its `member`), naming the activity its path runs through."""
        path = tree.path(node, member)
        return cls(path, message, column, activity=activity_of_path(path))


class Context:
    """What a rule sees for one resource: the entry, its factory, and shared, lazily computed views."""

    def __init__(self, factory: Factory, entry: Entry, shared: "FactoryView"):
        self.factory = factory
        self.entry = entry
        self.view = shared
        # facts about this resource that several rules need, computed once by the first to ask (schema findings...)
        self.memo: dict[str, Any] = {}

    @property
    def properties(self) -> dict:
        """The resource's properties."""
        return self.entry.properties

    @cached_property
    def pipeline(self) -> Pipeline | None:
        """The activity tree (pipelines only)."""
        return Pipeline(self.entry.properties) if self.entry.kind == "pipeline" else None

    @cached_property
    def tree(self) -> Tree:
        """Every object and string of the resource, flattened once."""
        return Tree(self.entry.properties)

    @cached_property
    def sites(self) -> list[Site]:
        """Candidate expression strings of this resource."""
        skip_arm = self.entry.origin == "arm"
        if self.pipeline is not None:
            return pipeline_sites(self.pipeline, skip_arm)
        return resource_sites(self.entry.properties, skip_arm)


class FactoryView:
    """Factory-wide lookups shared by every rule (names by kind, declared parameters)."""

    def __init__(self, factory: Factory, schema: "SchemaValidator | None"):
        self.factory = factory
        self.schema = schema
        self.by_kind = {kind: factory.by_kind(kind) for kind in ("linkedService", "dataset", "pipeline", "trigger")}
        self._by_lower = {kind: {n.lower(): e for n, e in found.items()} for kind, found in self.by_kind.items()}
        self.lower_names = {kind: set(found) for kind, found in self._by_lower.items()}
        self.contexts: dict[int, Context] = {}

    def lookup(self, kind: str, name: str) -> Entry | None:
        """The entry of a kind by name, case-insensitively (ADF names are case-insensitive)."""
        return self._by_lower.get(kind, {}).get(name.lower())

    def context(self, entry: Entry) -> Context:
        """The shared Context of an entry (so pipelines are analysed once)."""
        found = self.contexts.get(id(entry))
        if found is None:
            found = self.contexts[id(entry)] = Context(self.factory, entry, self)
        return found


class Rule:
    """Base class: subclasses set the attributes and implement `check` (per resource) or `check_factory`."""

    code: str = ""
    name: str = ""
    message: str = ""
    severity: str = ERROR
    severity_note: str = ""  # when some findings have another severity, e.g. "warning for ..."
    kinds: tuple[str, ...] = ("linkedService", "dataset", "pipeline", "trigger")
    factory_wide = False  # True: check_factory(view) once per factory instead of check(ctx) per resource

    def check(self, ctx: Context) -> Iterator[Hit]:
        """Findings for one resource."""
        return iter(())

    def check_factory(self, view: FactoryView) -> Iterator[Hit]:
        """Findings for the whole factory (Hit.entry names the resource)."""
        return iter(())

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """code, name, severity, message, and the docstring."""
        return {"code": cls.code, "name": cls.name, "severity": cls.severity, "severity_note": cls.severity_note,
                "message": cls.message,
                "doc": (cls.__doc__ or "").strip()}
