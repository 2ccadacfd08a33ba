"""Sink types: one module per type, each a spec model registered in SINKS that carries the facts the build needs.

Adding a sink type: one module here with a `@SINKS.register("<type>")` class deriving FileSinkUnit or TableSinkUnit
(its `type` field a Literal of the same name), its linked service template, and its tests."""

from __future__ import annotations

from adfgen.spec.variants.registry import Registry, summary
from adfgen.spec.variants.sinks._base import FILE_FORMATS, FileSinkUnit, FileStore, SinkUnit, TableSinkUnit

__all__ = ["FILE_FORMATS", "SINKS", "FileSinkUnit", "FileStore", "Sink", "SinkUnit", "TableSinkUnit", "sink_table"]

SINKS: Registry[type[SinkUnit]] = Registry("sink type", __name__, name_field="type")
Sink = SINKS.discriminated_union()


def sink_table() -> str:
    """The README's table of sink types, one row per registered unit."""
    rows = ["| type | lands | spec fields | ADF linked service | notes |", "| --- | --- | --- | --- | --- |"]
    for name, unit in SINKS:
        lands = ("files: " + ", ".join(unit.formats())) if unit.holds_files else "tables"
        fields = ", ".join(f"`{field.alias or key}`" for key, field in unit.model_fields.items() if key != "type")
        rows.append(f"| `{name}` | {lands} | {fields} | `{unit.linked_service_type}` | {summary(unit)} |")
    return "\n".join(rows) + "\n"
