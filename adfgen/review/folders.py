"""Factories from disk: a factory folder, a folder of factories (like out/), or a single pipeline JSON file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adfgen.core.errors import AdfgenError
from adfgen.core.resources import KINDS, Resource, sort_resources

SKIP_DIRS = {"node_modules", "__pycache__", "arm"}  # arm/ beside the kind folders is the same factory as ARM


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


def from_files(name: str, files: dict[str, bytes]) -> Factory:
    """A factory from `<kind>/<name>.json` → bytes (a folder read from disk or from a git ref)."""
    resources, unreadable = [], []
    for rel, data in sorted(files.items()):
        parts = rel.split("/")
        if len(parts) != 2 or parts[0] not in KINDS or not parts[1].endswith(".json"):
            continue  # README.md, arm/, factory/, ...: not resources this review reads
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            unreadable.append(f"{rel}: {exc}")
            continue
        resource = resource_from_document(parts[0], doc, parts[1][:-5])
        if resource is None:
            unreadable.append(f"{rel}: not a {{\"name\", \"properties\"}} document")
        else:
            resources.append(resource)
    return Factory(name, sort_resources(resources), unreadable)


def is_factory_root(directory: Path) -> bool:
    """True when the folder holds at least one resource kind folder (pipeline/, dataset/, ...)."""
    return any((directory / kind).is_dir() for kind in KINDS)


def read_factory(root: Path) -> Factory:
    """The resources of one Git-layout factory folder."""
    files = {}
    for kind in KINDS:
        folder = root / kind
        if folder.is_dir():
            for path in sorted(folder.glob("*.json")):
                if path.is_file():
                    files[f"{kind}/{path.name}"] = path.read_bytes()
    return from_files(root.resolve().name, files)


def discover(path: Path) -> list[Factory]:
    """Every factory at or below `path` (a pipeline JSON file is a factory of one pipeline), sorted by folder."""
    path = Path(path)
    if path.is_file():
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise AdfgenError(f"{path}: not JSON: {exc}") from None
        resource = resource_from_document("pipeline", doc, path.stem)
        if resource is None:
            raise AdfgenError(f"{path}: not a pipeline document (expected {{\"name\", \"properties\"}})")
        return [Factory(path.stem, [resource])]
    if not path.is_dir():
        raise AdfgenError(f"{path}: no such file or folder")
    found = []
    for directory, subdirs, _ in os.walk(path):
        here = Path(directory)
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS and not d.startswith("."))
        if is_factory_root(here):
            found.append(read_factory(here))
            subdirs[:] = [d for d in subdirs if d not in KINDS]
    return found
