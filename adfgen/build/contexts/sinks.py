"""Sink linked services and datasets, and how each worker writes into its sink."""

from __future__ import annotations

from typing import Any

from adfgen.build import fragments as fx
from adfgen.build.contexts.common import (
    ANNOTATIONS,
    BATCH_ID,
    DATASET_FOLDER,
    FactoryPlan,
    Names,
    RenderJob,
)
from adfgen.spec.model import Api, Endpoint, FileSink, SqlSink


def sink_dataset_kind(sink: FileSink | SqlSink) -> str:
    """`json`, `parquet` or `table`: which sink dataset an endpoint writes through."""
    return sink.format if isinstance(sink, FileSink) else "table"



def plan_sink(plan: FactoryPlan, names: Names, sink_name: str, dataset_kinds: set[str]) -> None:
    """The linked service, datasets and ARM parameters of one sink."""
    sink = plan.config.sinks[sink_name]
    ls = names.linked_service(sink_name)
    ctx = {"name": ls, "sink": sink.model_dump(by_alias=True), "integration_runtime": plan.config.integration_runtime,
           "annotations": ANNOTATIONS}
    plan.jobs.append(RenderJob("linkedService", ls, f"linkedService/{sink.type}.json.jinja", ctx))
    if isinstance(sink, SqlSink):
        connection = _sql_connection_string(sink)
        ctx["connection_string"] = connection
        plan.bind(f"{ls}_connectionString", connection, {"connectionString"}, {ls})
    else:
        key = "url" if sink.type == "adls_gen2" else "serviceEndpoint"
        plan.bind(f"{ls}_properties_typeProperties_{key}", sink.account_url, {key}, {ls})
        plan.bind(f"{sink_name}_container", sink.container, {"fileSystem", "container"},
                  {names.dataset(f"{sink_name}_{kind}") for kind in dataset_kinds})
    for kind in sorted(dataset_kinds):
        ds = names.dataset(f"{sink_name}_{kind}")
        template = "dataset/sql_table.json.jinja" if kind == "table" else f"dataset/{kind}_file.json.jinja"
        location = None
        if isinstance(sink, FileSink):
            location = {"type": "AzureBlobFSLocation" if sink.type == "adls_gen2" else "AzureBlobStorageLocation",
                        "container_key": "fileSystem" if sink.type == "adls_gen2" else "container",
                        "container": sink.container}
        plan.jobs.append(RenderJob("dataset", ds, template, {
            "name": ds, "linked_service": ls, "location": location, "folder": DATASET_FOLDER,
            "annotations": ANNOTATIONS}))



def _sql_connection_string(sink: SqlSink) -> str:
    # no credentials: the factory's managed identity signs in
    return (f"Data Source=tcp:{sink.server},1433;Initial Catalog={sink.database};Encrypt=True;"
            "Connection Timeout=30")



def records_translator(endpoint: Endpoint, sink: FileSink | SqlSink) -> dict[str, Any] | None:
    """Land one row per record: cross-apply the records array (children read their parent's keys from it)."""
    if endpoint.records_path is None:
        return None
    translator: dict[str, Any] = {"type": "TabularTranslator",
                                  "collectionReference": fx.collection_reference(endpoint.records_path)}
    if not (isinstance(sink, FileSink) and sink.format == "json"):
        translator["mapComplexValuesToString"] = True
    return translator



def sink_context(names: Names, sink_name: str, sink: FileSink | SqlSink, api: Api, endpoint: Endpoint,
                  folder_template: str | None, child_key: str | None, chunked: bool = False) -> dict[str, Any]:
    """How one worker writes into its sink: dataset, folder/file or schema/table, Copy sink settings."""
    if isinstance(sink, SqlSink):
        table = (endpoint.table or sink.table).format(api=api.name, endpoint=endpoint.name)
        return {"kind": "table", "dataset": names.dataset(f"{sink_name}_table"),
                "parameters": {"SchemaName": sink.schema_name, "TableName": table},
                "copy_sink": {"type": "AzureSqlSink", "writeBehavior": "insert", "sqlWriterUseTableLock": False,
                              "tableOption": "autoCreate"}}
    folder = folder_template.format(api=api.name, endpoint=endpoint.name)
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
    write_settings = {"type": "AzureBlobFSWriteSettings" if sink.type == "adls_gen2"
                      else "AzureBlobStorageWriteSettings"}
    if sink.format == "json":
        copy_sink = {"type": "JsonSink", "storeSettings": write_settings,
                     "formatSettings": {"type": "JsonWriteSettings", "filePattern": "setOfObjects"}}
    else:
        copy_sink = {"type": "ParquetSink", "storeSettings": write_settings,
                     "formatSettings": {"type": "ParquetWriteSettings"}}
    return {"kind": sink.format, "dataset": names.dataset(f"{sink_name}_{sink.format}"),
            "parameters": {"FolderPath": fx.expression(fx.concat(fx.quote_literal(folder + "/"), BATCH_ID)),
                           "FileName": file_name},
            "copy_sink": copy_sink}


def file_lookup(names: Names, sink_name: str, sink: FileSink, folder_path: Any, file_name: Any,
                file_format: str | None = None) -> dict[str, Any]:
    """What a Lookup needs to read one file of a file sink back (parent keys, a stored watermark)."""
    file_format = file_format or sink.format
    return {
        "dataset": names.dataset(f"{sink_name}_{file_format}"),
        "source_type": {"json": "JsonSource", "csv": "DelimitedTextSource"}.get(file_format, "ParquetSource"),
        "read_settings": "AzureBlobFSReadSettings" if sink.type == "adls_gen2" else "AzureBlobStorageReadSettings",
        "format_settings": {"json": {"type": "JsonReadSettings"},
                            "csv": {"type": "DelimitedTextReadSettings"}}.get(file_format),
        "folder_path": folder_path,
        "file_name": file_name,
    }


def keys_sink(sink: FileSink) -> dict[str, Any]:
    """The Copy sink that writes fan-out keys as CSV with a header row."""
    write = "AzureBlobFSWriteSettings" if sink.type == "adls_gen2" else "AzureBlobStorageWriteSettings"
    return {"type": "DelimitedTextSink", "storeSettings": {"type": write},
            "formatSettings": {"type": "DelimitedTextWriteSettings", "quoteAllText": True, "fileExtension": ".csv"}}


def blob_endpoint(sink: FileSink) -> str:
    """The account's Blob endpoint (ADLS Gen2 accounts answer the Blob API too)."""
    return sink.account_url.replace(".dfs.", ".blob.", 1).rstrip("/") + "/"
