"""Resource(kind, name, properties) and the one table: kind → Git folder → ARM type → deploy order."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Kind:
    """How one resource kind is named in Git, in ARM and in references, and when it deploys."""

    name: str  # "linkedService", the Git folder name
    arm_type: str  # "Microsoft.DataFactory/factories/linkedServices", as ADF's export writes it
    arm_segment: str  # "linkedServices", used in dependsOn ids
    reference_type: str  # "LinkedServiceReference"
    schema_definition: str  # "#/definitions/LinkedService" for the `properties` object
    deploy_order: int  # linked services first, triggers last


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("linkedService", "Microsoft.DataFactory/factories/linkedServices", "linkedServices",
             "LinkedServiceReference", "#/definitions/LinkedService", 0),
        Kind("dataset", "Microsoft.DataFactory/factories/datasets", "datasets",
             "DatasetReference", "#/definitions/Dataset", 1),
        Kind("pipeline", "Microsoft.DataFactory/factories/pipelines", "pipelines",
             "PipelineReference", "#/definitions/Pipeline", 2),
        Kind("trigger", "Microsoft.DataFactory/factories/triggers", "triggers",
             "TriggerReference", "#/definitions/Trigger", 3),
    )
}

KIND_BY_ARM_SEGMENT = {k.arm_segment.lower(): k for k in KINDS.values()}

MANAGED_ANNOTATION = "adfgen"  # every resource adfgen writes carries it; deploy --prune touches only these


_KIND_BY_REFERENCE_TYPE = {k.reference_type: k.name for k in KINDS.values()}


def reference_in(node: dict) -> tuple[str, str] | None:
    """(kind, name) when `node` is a `{"referenceName": ..., "type": "<Kind>Reference"}` to a deployable kind."""
    kind_type, name = node.get("type"), node.get("referenceName")
    if not isinstance(kind_type, str) or not isinstance(name, str):
        return None
    kind = _KIND_BY_REFERENCE_TYPE.get(kind_type)
    return (kind, name) if kind else None


def carries_managed_annotation(properties: Any) -> bool:
    """True only when `annotations` is a list with the exact element "adfgen" (a string containing it is not)."""
    annotations = properties.get("annotations") if isinstance(properties, dict) else None
    return isinstance(annotations, list) and any(
        isinstance(item, str) and item == MANAGED_ANNOTATION for item in annotations)


@dataclass(frozen=True)
class Resource:
    """One ADF resource: its kind, name and the REST body's `properties`."""

    kind: str
    name: str
    properties: dict[str, Any] = field(hash=False, compare=True)

    @property
    def kind_info(self) -> Kind:
        """The row of KINDS for this resource."""
        return KINDS[self.kind]

    @property
    def git_path(self) -> str:
        """Path inside a Git-integration folder, e.g. `pipeline/pl_xero_invoices.json`."""
        return f"{self.kind}/{self.name}.json"

    def to_git(self) -> dict[str, Any]:
        """The Git-integration file body `{"name", "properties"}`."""
        return {"name": self.name, "properties": self.properties}

    @property
    def is_managed(self) -> bool:
        """True when adfgen wrote this resource (it carries the managed annotation)."""
        return carries_managed_annotation(self.properties)


def sort_resources(resources: list[Resource]) -> list[Resource]:
    """Deploy order (linked services → datasets → pipelines → triggers), then by name."""
    return sorted(resources, key=lambda r: (KINDS[r.kind].deploy_order, r.name))


def load_git_folder(root: Path) -> list[Resource]:
    """Read `<root>/{linkedService,dataset,pipeline,trigger}/*.json` into Resources (raises OSError/ValueError)."""
    found: list[Resource] = []
    for kind in KINDS:
        folder = Path(root) / kind
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            found.append(Resource(kind, doc.get("name", path.stem), doc.get("properties") or {}))
    return sort_resources(found)
