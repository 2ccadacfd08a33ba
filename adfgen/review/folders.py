"""Factories from disk: a factory folder, a folder of factories (like out/), or a single pipeline JSON file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adfgen.core.errors import AdfgenError
from adfgen.core.resources import KINDS, Resource

SKIP_DIRS = {"node_modules", "__pycache__", "arm"}  # arm/ beside the kind folders is the same factory as ARM
# A pull request can change more than adfgen deploys (KINDS): ADF Studio's Git folders also hold data flows,
# integration runtimes, credentials, the factory's global parameters and managed private endpoints
# (https://learn.microsoft.com/azure/data-factory/source-control). A change there must not read as "no change".
REVIEW_KINDS = (*KINDS, "dataflow", "integrationRuntime", "credential", "factory", "managedVirtualNetwork")


@dataclass
class Factory:
    """One ADF Git folder's resources, and the files that could not be read (said, not hidden)."""

    name: str
    resources: list[Resource]
    unreadable: list[str] = field(default_factory=list)


def resource_from_document(kind: str, doc: Any, fallback_name: str) -> Resource | None:
    """A Resource from a Git-layout document `{"name", "properties"}`, None when it is not one."""
    if not isinstance(doc, dict) or not isinstance(doc.get("properties"), dict):
        return None
    name = doc.get("name") if isinstance(doc.get("name"), str) and doc.get("name") else fallback_name
    return Resource(kind, name, doc["properties"])


def _kind_of(parts: list[str]) -> str | None:
    """The resource kind of a path relative to its factory root, None when it is no resource file."""
    if not parts[-1].endswith(".json") or parts[0] not in REVIEW_KINDS:
        return None  # README.md, arm/, publish_config.json, ...: not resources this review reads
    if len(parts) == 2:
        return parts[0]
    # managedVirtualNetwork/<vnet>/managedPrivateEndpoint/<name>.json
    return parts[-2] if parts[0] == "managedVirtualNetwork" and len(parts) == 4 else None


def from_files(name: str, files: dict[str, bytes]) -> Factory:
    """A factory from `<kind>/<name>.json` → bytes (a folder read from disk or from a git ref)."""
    resources, unreadable = [], []
    for rel, data in sorted(files.items()):
        parts = rel.split("/")
        kind = _kind_of(parts)
        if kind is None:
            continue
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            unreadable.append(f"{rel}: {exc}")
            continue
        if isinstance(doc, dict) and "$schema" in doc:
            continue  # an ARM template or parameters file kept in factory/: the same resources, not one more
        resource = resource_from_document(kind, doc, parts[-1][:-5])
        if resource is None and kind not in KINDS and isinstance(doc, dict):
            # factory/<name>.json and managedVirtualNetwork/default.json may have no `properties`: compare the rest
            resource = Resource(kind, str(doc.get("name") or parts[-1][:-5]),
                                {k: v for k, v in doc.items() if k != "name"})
        if resource is None:
            unreadable.append(f"{rel}: not a {{\"name\", \"properties\"}} document")
        else:
            resources.append(resource)
    # deploy order first (linked services → ... → triggers), the kinds adfgen does not deploy after them
    order = {kind: index for index, kind in enumerate(REVIEW_KINDS)}
    return Factory(name, sorted(resources, key=lambda r: (order.get(r.kind, len(order)), r.kind, r.name)),
                   unreadable)


def _root_of(parts: list[str]) -> int | None:
    """How many leading parts of a path name its factory root, None when the path is in no resource folder."""
    for index, part in enumerate(parts[:-1]):
        if part in SKIP_DIRS or part.startswith("."):
            return None
        if _kind_of(parts[index:]) is not None:
            return index
    return None


def group_factories(files: dict[str, bytes], name: str) -> dict[str, Factory]:
    """Files under a folder (relative POSIX path → bytes) as its factories at any depth, keyed by their folder.

    The folder itself (when it is a factory) is keyed `name`, a factory below it by its relative path.
    """
    grouped: dict[str, dict[str, bytes]] = {}
    for rel, data in files.items():
        parts = rel.split("/")
        root = _root_of(parts)
        if root is not None:
            grouped.setdefault("/".join(parts[:root]) or name, {})["/".join(parts[root:])] = data
    factories = {key: from_files(key.rsplit("/", 1)[-1], inner) for key, inner in sorted(grouped.items())}
    return {key: f for key, f in factories.items() if f.resources or f.unreadable}  # e.g. only ARM in factory/


def read_tree(path: Path) -> dict[str, bytes]:
    """Every JSON file below `path` that sits in a resource folder, by POSIX path relative to `path`."""
    files = {}
    for directory, subdirs, names in os.walk(path):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS and not d.startswith("."))
        rel = Path(directory).relative_to(path).parts
        for file_name in sorted(names):
            parts = [*rel, file_name]
            if _root_of(parts) is not None and (Path(directory) / file_name).is_file():
                files["/".join(parts)] = (Path(directory) / file_name).read_bytes()
    return files


def factories_at(path: Path) -> dict[str, Factory]:
    """The factories at or below a folder, keyed by their path relative to it (the folder's own name for itself)."""
    return group_factories(read_tree(path), Path(path).resolve().name)


def discover(path: Path) -> list[Factory]:
    """Every factory at or below `path` (a pipeline JSON file is a factory of one pipeline), sorted by folder."""
    path = Path(path)
    if path.is_file():
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise AdfgenError(f"{path}: not JSON: {exc}") from None
        resource = resource_from_document("pipeline", doc, path.stem)
        if resource is None or "type" in resource.properties:  # datasets, triggers, ... have a type; pipelines not
            raise AdfgenError(f"{path}: not a pipeline document (expected {{\"name\", \"properties\"}} with "
                              "activities)")
        return [Factory(path.stem, [resource])]
    if not path.is_dir():
        raise AdfgenError(f"{path}: no such file or folder")
    return list(factories_at(path).values())
