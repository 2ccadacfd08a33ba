"""The data flows of a factory, read for their references (the loader keeps only their names).

Git folders keep them in `dataflow/*.json`; ARM templates as `Microsoft.DataFactory/factories/dataflows`
resources. A file that cannot be read is skipped here: it is not a resource `check` validates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from adfgen.check.model import Entry, Factory
from adfgen.core.resources import Resource

DATAFLOW_KIND = "dataflow"
ARM_SEGMENT = "/dataflows"
MAX_BYTES = 10 * 1024 * 1024


def data_flows(factory: Factory) -> list[Entry]:
    """One Entry (kind "dataflow") per readable data flow of the factory, computed once per factory."""
    cached = getattr(factory, "_data_flows", None)
    if cached is None:
        cached = list(_git_data_flows(factory)) if "dataflow" in factory.other_names else []
        if "dataflows" in factory.other_names:
            cached += _arm_data_flows(factory)
        factory._data_flows = cached  # type: ignore[attr-defined]
    return cached


def _git_data_flows(factory: Factory) -> Iterator[Entry]:
    folder = Path(factory.root) / "dataflow"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            if path.stat().st_size > MAX_BYTES:
                continue
            text = path.read_text(encoding="utf-8-sig")
            doc = json.loads(text)
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get("properties"), dict):
            name = doc.get("name") if isinstance(doc.get("name"), str) else path.stem
            yield Entry(Resource(DATAFLOW_KIND, name, doc["properties"]), str(path), 1, text)


def _arm_data_flows(factory: Factory) -> list[Entry]:
    template = next((e for e in factory.entries if e.origin == "arm" and e.text), None)
    if template is None:
        return []
    try:
        doc = json.loads(template.text)
    except ValueError:
        return []
    found = []
    for index, raw in enumerate(doc.get("resources", []) if isinstance(doc, dict) else []):
        if not (isinstance(raw, dict) and str(raw.get("type", "")).lower().endswith(ARM_SEGMENT)
                and isinstance(raw.get("properties"), dict)):
            continue
        name = _arm_name(raw.get("name"))
        if name:
            found.append(Entry(Resource(DATAFLOW_KIND, name, raw["properties"]), template.file, template.line,
                               template.text, origin="arm", **_pointer(f"/resources/{index}")))
    return found


def _pointer(pointer: str) -> dict[str, Any]:
    """`pointer=` for an Entry that has the field (the position-tracking model), else nothing."""
    return {"pointer": pointer} if "pointer" in getattr(Entry, "__dataclass_fields__", {}) else {}


def _arm_name(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if text.startswith("[") and "'/" in text:
        return text.rsplit("'/", 1)[1].split("'", 1)[0] or None
    return text.rsplit("/", 1)[-1] or None


def data_flow_references(properties: dict) -> Iterator[tuple[str, str, str]]:
    """(path, kind, name) for each dataset, linked service or flowlet a data flow's sources, sinks and
    transformations name (kind: "dataset", "linkedService" or "dataflow")."""
    props = properties.get("typeProperties")
    if not isinstance(props, dict):
        return
    for group in ("sources", "sinks", "transformations"):
        items = props.get(group)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            for key, kind in (("dataset", "dataset"), ("linkedService", "linkedService"), ("flowlet", "dataflow")):
                ref = item.get(key)
                name = ref.get("referenceName") if isinstance(ref, dict) else None
                if isinstance(name, str) and name and not name.startswith(("@", "[")):
                    yield f"typeProperties.{group}[{index}].{key}.referenceName", kind, name
