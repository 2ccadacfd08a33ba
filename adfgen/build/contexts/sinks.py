"""Sink linked services and datasets, and how each worker writes into its sink (the facts come from the sink's unit)."""

from __future__ import annotations

from typing import Any

from adfgen.build import fragments as fx
from adfgen.build.contexts.common import ANNOTATIONS, BATCH_ID, DATASET_FOLDER, FactoryPlan, Names, RenderJob
from adfgen.spec.model import Api, Endpoint
from adfgen.spec.variants.sinks import FILE_FORMATS, FileSinkUnit, SinkUnit


def plan_sink(plan: FactoryPlan, names: Names, sink_name: str, dataset_kinds: set[str]) -> None:
    """The linked service, datasets and ARM parameters of one sink."""
    sink = plan.config.sinks[sink_name]
    ls = names.linked_service(sink_name)
    ctx = {"name": ls, "integration_runtime": plan.config.integration_runtime,
           "annotations": ANNOTATIONS, "values": sink.linked_service_values()}
    plan.jobs.append(RenderJob("linkedService", ls, sink.linked_service_template, ctx))
    for key, value in sorted(sink.linked_service_values().items()):
        plan.bind(_ls_parameter(ls, key), value, {key}, {ls})
    datasets = {kind: names.dataset(f"{sink_name}_{kind}") for kind in sorted(dataset_kinds)}
    location = sink.location() if sink.holds_files else None
    if location:
        plan.bind(f"{sink_name}_container", sink.container, {location["container_key"]}, set(datasets.values()))
    for kind, ds in datasets.items():
        plan.jobs.append(RenderJob("dataset", ds, sink.dataset_template(kind), {
            "name": ds, "linked_service": ls, "location": location, "folder": DATASET_FOLDER,
            "annotations": ANNOTATIONS}))


def _ls_parameter(ls: str, key: str) -> str:
    """The ARM parameter name of a linked service value, as ADF's export names it."""
    return f"{ls}_{key}" if key == "connectionString" else f"{ls}_properties_typeProperties_{key}"


def records_translator(endpoint: Endpoint, sink: SinkUnit) -> dict[str, Any] | None:
    """Land one row per record: cross-apply the records array (children read their parent's keys from it)."""
    if endpoint.records_path is None:
        return None
    translator: dict[str, Any] = {"type": "TabularTranslator",
                                  "collectionReference": fx.collection_reference(endpoint.records_path)}
    if not FILE_FORMATS.get(sink.dataset_kind, {}).get("keeps_nesting"):
        translator["mapComplexValuesToString"] = True
    return translator


def sink_context(names: Names, sink_name: str, sink: SinkUnit, api: Api, endpoint: Endpoint,
                 child_key: str | None, chunked: bool = False) -> dict[str, Any]:
    """How one worker writes into its sink: dataset, folder/file or schema/table, Copy sink settings."""
    dataset = names.dataset(f"{sink_name}_{sink.dataset_kind}")
    if not sink.holds_files:
        return {"kind": sink.dataset_kind, "dataset": dataset, "copy_sink": sink.copy_sink(),
                "parameters": sink.dataset_parameters(api.name, endpoint.name, endpoint.table)}
    folder = sink.folder_for(api.name, endpoint.name, endpoint.folder)
    extension = sink.format
    # one file per chunk, named by its first page: a retried chunk overwrites its own file, never duplicates it
    chunk = ["'_'", "variables('ChunkStart')"] if chunked else []
    if child_key:
        file_name = fx.expression(fx.concat(fx.quote_literal(f"{endpoint.name}_"), f"string({child_key})", *chunk,
                                            fx.quote_literal(f".{extension}")))
    elif chunked:
        file_name = fx.expression(fx.concat(fx.quote_literal(f"{endpoint.name}_"), *chunk[1:],
                                            fx.quote_literal(f".{extension}")))
    else:
        file_name = f"{endpoint.name}.{extension}"
    return {"kind": sink.format, "dataset": dataset,
            "parameters": {"FolderPath": fx.expression(fx.concat(fx.quote_literal(folder + "/"), BATCH_ID)),
                           "FileName": file_name},
            "copy_sink": sink.copy_sink()}


def file_lookup(names: Names, sink_name: str, sink: FileSinkUnit, folder_path: Any, file_name: Any,
                file_format: str | None = None) -> dict[str, Any]:
    """What a Lookup needs to read one file of a file sink back (parent keys, a stored watermark)."""
    file_format = file_format or sink.format
    facts = FILE_FORMATS[file_format]
    return {
        "dataset": names.dataset(f"{sink_name}_{file_format}"),
        "source_type": facts["source"],
        "read_settings": sink.read_settings,
        "format_settings": facts["read"],
        "folder_path": folder_path,
        "file_name": file_name,
    }


def keys_sink(sink: FileSinkUnit) -> dict[str, Any]:
    """The Copy sink that writes fan-out keys as CSV with a header row."""
    return sink.copy_sink("csv")
