"""Which resources adfgen owns: the exact "adfgen" annotation, recorded in the source JSON so that it survives.

Ownership is read from the live resource (`carries_managed_annotation`) and written only through the source: a
spec build writes the annotation on every resource; `deploy --source` adds it to every resource it publishes, in
what it sends and in the folder's JSON file. An annotation added to the live resource alone would be erased by the
next ADF Studio publish, which deploys what the Git branch holds (documented: Studio publishes the collaboration
branch, https://learn.microsoft.com/azure/data-factory/source-control; that it sends each file's `annotations` as
written is assumed); written into the Git JSON, it is published by Studio too once committed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adfgen.azure.diff import CREATE, UNCHANGED, UPDATE, Plan
from adfgen.core.resources import MANAGED_ANNOTATION, Resource, carries_managed_annotation


def claim(resources: list[Resource]) -> list[Resource]:
    """The resources with the managed annotation added where missing (appended, other annotations kept)."""
    return [r if carries_managed_annotation(r.properties) else
            Resource(r.kind, r.name, {**r.properties, "annotations": _annotated(r.properties.get("annotations"))})
            for r in resources]


def _annotated(annotations: Any) -> list[Any]:
    # a non-list `annotations` is not valid ADF JSON; keep it as an element rather than lose what someone wrote
    kept = annotations if isinstance(annotations, list) else [] if annotations is None else [annotations]
    return [*kept, MANAGED_ANNOTATION]


def record_in_source(folder: Path, plan: Plan) -> tuple[list[str], list[str]]:
    """Add the annotation to the Git JSON file of every resource the plan publishes that lacks it there.

    Returns (files written, relative to `folder`; messages for files that could not be written). Only the
    `annotations` list changes; the file keeps its key order, indentation and line endings.
    """
    written, failures = [], []
    for item in plan.items:
        if item.source is None or item.action not in (CREATE, UPDATE, UNCHANGED):
            continue
        path = _file_of(Path(folder), item.kind, item.source.name)
        if path is None:
            continue
        rel = path.relative_to(folder).as_posix()
        try:
            if _annotate_file(path):
                written.append(rel)
        except (OSError, ValueError) as exc:
            failures.append(f"{rel}: could not record the \"adfgen\" annotation ({type(exc).__name__}); add it to "
                            "the resource's annotations by hand, or --prune will not recognise it after an ADF "
                            "Studio publish")
    return written, failures


def _file_of(folder: Path, kind: str, name: str) -> Path | None:
    """The Git file holding `kind name` (normally `<kind>/<name>.json`; else the file whose "name" says so)."""
    direct = folder / kind / f"{name}.json"
    candidates = [direct] + sorted(p for p in (folder / kind).glob("*.json") if p != direct)
    for path in candidates:
        try:
            if path.is_file() and json.loads(path.read_text(encoding="utf-8")).get("name", path.stem) == name:
                return path
        except (OSError, ValueError, AttributeError):
            continue
    return None


def _annotate_file(path: Path) -> bool:
    """Append the annotation to the file's properties.annotations; False when it is already there."""
    raw = path.read_bytes().decode("utf-8")
    doc = json.loads(raw)
    properties = doc.setdefault("properties", {})
    if carries_managed_annotation(properties):
        return False
    properties["annotations"] = _annotated(properties.get("annotations"))
    newline = "\r\n" if "\r\n" in raw else "\n"
    text = json.dumps(doc, indent=_indent(raw), ensure_ascii=raw.isascii())  # keep the file's escaping
    if raw.endswith(("\n", "\r\n")):
        text += "\n"
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return True


def _indent(raw: str) -> int | str | None:
    """The file's indentation (ADF Studio writes 4 spaces), or None for a one-line file."""
    for line in raw.splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and len(stripped) < len(line):
            prefix = line[: len(line) - len(stripped)]
            return "\t" if prefix.startswith("\t") else len(prefix)
    return None
