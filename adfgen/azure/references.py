"""References a deploy would leave dangling: to a resource neither in the source nor live (or one --prune deletes)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adfgen.core.errors import AdfgenError
from adfgen.core.resources import Resource, reference_in
from adfgen.core.wording import plural

if TYPE_CHECKING:
    from adfgen.azure.diff import LiveResource, Plan

@dataclass(frozen=True)
class Reference:
    """One reference from a source resource: where in it, and the (kind, name) it names."""

    kind: str  # the referring resource
    name: str
    where: str  # a readable JSON path, `activities[0] (Copy "Copy").inputs[0]`
    target_kind: str
    target_name: str
    note: str = ""  # why it dangles when the name exists (e.g. --prune deletes it)

    def describe(self) -> str:
        """`pipeline pl_copy: activities[0] (Copy "Copy").inputs[0] names dataset ds_gone`."""
        note = f" ({self.note})" if self.note else ""
        return f"{self.kind} {self.name}: {self.where} names {self.target_kind} {self.target_name}{note}"


def reference_sites(node: Any, where: str = "") -> Iterator[tuple[str, str, str]]:
    """(where, kind, name) of every reference to a deployable kind inside a resource's properties."""
    if isinstance(node, dict):
        reference = reference_in(node)
        if reference:
            yield (where or "(top level)", *reference)
        for key, value in node.items():
            yield from reference_sites(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            label = ""
            if isinstance(item, dict) and isinstance(item.get("name"), str):  # an activity: name it as ADF Studio does
                label = f' ({item["type"]} "{item["name"]}")' if isinstance(item.get("type"), str) else f' ("{item["name"]}")'
            yield from reference_sites(item, f"{where}[{index}]{label}")


def unresolved_references(source: list[Resource], live: list[LiveResource]) -> list[Reference]:
    """References from `source` to a resource neither in `source` nor live (ADF names: any case)."""
    known = {(r.kind, r.name.lower()) for r in [*source, *live]}
    return [Reference(r.kind, r.name, where, kind, name)
            for r in source for where, kind, name in reference_sites(r.properties)
            if (kind, name.lower()) not in known]


def dangling_references(plan: Plan) -> list[Reference]:
    """The plan's unresolved references, and those to a live resource the plan deletes (--prune)."""
    from adfgen.azure.diff import DELETE

    deleted = {(i.kind, i.name.lower()) for i in plan.items if i.action == DELETE}
    published = [i.source for i in plan.items if i.source is not None]
    doomed = [Reference(r.kind, r.name, where, kind, name, "live, but --prune deletes it")
              for r in published for where, kind, name in reference_sites(r.properties)
              if (kind, name.lower()) in deleted]
    return [*plan.unresolved, *doomed]


def dangling_text(plan: Plan, factory: str) -> str:
    """What `refuse_dangling` says (every dangling reference, one a line), or "" when there is none."""
    dangling = dangling_references(plan)
    if not dangling:
        return ""
    lines = "\n  ".join(ref.describe() for ref in dangling)
    # observed: ARM answers HTTP 400 to a PUT whose reference does not resolve, after earlier PUTs have landed
    subject = "it names" if len(dangling) == 1 else "each names"
    return (f"{plural(len(dangling), 'reference')} would dangle: {subject} a resource factory {factory} would "
            "not hold after this deploy (neither in the source nor live, or deleted by --prune), and ADF refuses a "
            "resource whose reference does not resolve (HTTP 400), after the resources before it are published:"
            f"\n  {lines}\nAdd the missing resources to the source, correct the names, or leave the referring "
            "resources out (--exclude).")


def refuse_dangling(plan: Plan, factory: str) -> None:
    """Raise AdfgenError, before any change, naming every reference the deploy would leave dangling."""
    text = dangling_text(plan, factory)
    if text:
        raise AdfgenError(f"{text} Nothing was deployed.")
