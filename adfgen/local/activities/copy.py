"""Copy: a REST source (or a local file/SQL source) into a local file or SQL sink."""

from __future__ import annotations

import json
import uuid
from typing import Any

from adfgen.core.wording import plural
from adfgen.local import formats
from adfgen.local.activities import _datasets, _records, _rest
from adfgen.local.runner import ActivityContext, ActivityFailure, handles

_EXTENSIONS = {"json": "json", "parquet": "parquet", "delimitedtext": "txt"}


def read_source(ctx: ActivityContext, dataset: _datasets.Dataset, source: dict[str, Any],
                translator: dict[str, Any] | None) -> tuple[list[Any], int, int]:
    """(rows, bytes read, requests) from a Copy or Lookup source."""
    kind = str(source.get("type"))
    if kind == "RestSource" or dataset.type == "RestResource":
        records: list[Any] = []
        read = pages = 0
        try:
            for page in _rest.read_pages(ctx, dataset, source):
                pages += 1
                read += len(page.reply.body)
                records += _records.rows(page.document, translator)
                ctx.record.pages = pages
                ctx.record.rows = len(records)
                ctx.progress(f"{plural(pages, 'page')}, {plural(len(records), 'row')}")
        except ActivityFailure as failure:
            if pages:
                ctx.rely("copy.no_partial_file")
                failure.output = {"rowsRead": len(records), "rowsCopied": 0, "dataRead": read, "filesWritten": 0}
            raise
        return records, read, pages
    if dataset.type in ("AzureSqlTable", "SqlServerTable", "AzureSqlDWTable"):
        store = _datasets.local_sql(ctx, dataset)
        query = source.get("sqlReaderQuery")
        if not query:
            _, _, table = _datasets.sql_target(dataset)
            query = f"SELECT * FROM {table}"
        try:
            found = store.query(str(query))
        except Exception as exc:  # noqa: BLE001 - sqlite3 errors become the activity's error
            raise ActivityFailure(f"SQL query failed: {exc}", "SqlOperationFailed") from None
        return found, len(json.dumps(found, default=str)), 1
    path = _datasets.local_path(ctx, dataset)
    if not path.is_file():
        raise ActivityFailure(f"ErrorCode=UserErrorFileNotFound, the file {_shown(ctx, path)} does not exist",
                              "UserErrorFileNotFound")
    try:
        found = formats.read_records(path, dataset.type, dataset.properties)
    except (formats.FormatError, ValueError, OSError) as exc:
        raise ActivityFailure(f"cannot read {_shown(ctx, path)}: {exc}", "UserErrorInvalidFile") from None
    return _records.rows(found, translator) if translator else found, path.stat().st_size, 1


def _shown(ctx: ActivityContext, path: Any) -> str:
    root = getattr(ctx.runtime.storage, "root", None)
    try:
        return str(path.relative_to(root)) if root is not None else str(path)
    except ValueError:
        return str(path)


def write_sink(ctx: ActivityContext, dataset: _datasets.Dataset, sink: dict[str, Any],
               records: list[Any]) -> tuple[str, int, int]:
    """Write rows to the sink dataset; (a label for the report, bytes written, files written)."""
    rows = [r if isinstance(r, dict) else {"value": r} for r in records]
    if dataset.type in ("AzureSqlTable", "SqlServerTable", "AzureSqlDWTable"):
        store = _datasets.local_sql(ctx, dataset)
        server, database, table = _datasets.sql_target(dataset)
        try:
            store.write_records(table, rows, pre_copy_script=sink.get("preCopyScript"),
                                table_option=sink.get("tableOption"))
        except Exception as exc:  # noqa: BLE001 - sqlite3 errors become the activity's error
            raise ActivityFailure(f"writing to {table} failed: {exc}", "SqlOperationFailed") from None
        return f"sql:{server}/{database}/{table}", len(json.dumps(records, default=str)), 0
    account, container, folder, file = _datasets.file_location(dataset)
    settings = dict(dataset.properties)
    format_settings = sink.get("formatSettings") if isinstance(sink.get("formatSettings"), dict) else {}
    if format_settings:
        settings["formatSettings"] = format_settings
    extension = _EXTENSIONS.get(dataset.type.lower(), "dat")
    per_file = format_settings.get("maxRowsPerFile")
    if per_file not in (None, "") and dataset.type.lower() != "json":
        try:
            per_file = int(per_file)
        except (TypeError, ValueError):
            raise ActivityFailure(f"maxRowsPerFile must be a number, found {per_file!r}", "InvalidSink") from None
        if per_file < 1:
            raise ActivityFailure(f"maxRowsPerFile must be at least 1, found {per_file}", "InvalidSink")
        ctx.rely("copy.max_rows_per_file")
        prefix = format_settings.get("fileNamePrefix") or f"data_{uuid.uuid4()}"
        chunks = [rows[i:i + per_file] for i in range(0, len(rows), per_file)] or [[]]
        names = [f"{prefix}_{index:05d}.{extension}" for index in range(len(chunks))]
        label = f"{account}/{container}/{'/'.join(p for p in (folder, prefix + '_*') if p)}"
    else:
        if not file:
            ctx.rely("copy.file_name")
            file = f"data_{uuid.uuid4()}.{extension}"
        chunks, names = [rows], [file]
        label = f"{account}/{container}/{'/'.join(p for p in (folder, file) if p)}"
    if not rows:
        ctx.rely("copy.empty_file")
    written = 0
    for name, chunk in zip(names, chunks):
        path = _datasets.local_path(ctx, dataset, name)
        try:
            formats.write_records(path, chunk, dataset.type, settings)
        except (formats.FormatError, ValueError, OSError) as exc:
            raise ActivityFailure(f"writing {account}/{container}/{folder}/{name} failed: {exc}",
                                  "SinkWriteFailed") from None
        written += path.stat().st_size
    return label, written, len(names)


@handles("Copy")
def copy(ctx: ActivityContext) -> Any:
    """Reads every page, then writes the rows; output as Copy monitoring documents it."""
    inputs, outputs = ctx.activity.get("inputs") or [], ctx.activity.get("outputs") or []
    if len(inputs) != 1 or len(outputs) != 1:
        raise ActivityFailure(f"Copy '{ctx.name}' needs exactly one input and one output dataset", "InvalidCopy")
    raw_rules = (ctx.props.get("source") or {}).get("paginationRules")
    if isinstance(raw_rules, dict) and any(isinstance(v, (str, dict)) and "@" in json.dumps(v) for v in raw_rules.values()):
        ctx.rely("rest.rule_expressions")
    source = ctx.eval(ctx.props.get("source") or {})
    sink = ctx.eval(ctx.props.get("sink") or {})
    translator = ctx.eval(ctx.props.get("translator")) if ctx.props.get("translator") else None
    source_ds = _datasets.resolve(ctx, inputs[0])
    sink_ds = _datasets.resolve(ctx, outputs[0])
    ctx.set_input({"source": source, "sink": sink, "translator": translator,
                   "inputs": [{"dataset": source_ds.name, "parameters": source_ds.parameters}],
                   "outputs": [{"dataset": sink_ds.name, "parameters": sink_ds.parameters}]})
    started = ctx.clock.monotonic()
    records, read, pages = read_source(ctx, source_ds, source, translator)
    label, written, files = write_sink(ctx, sink_ds, sink, records)
    ctx.runtime.add_rows(label, len(records))
    ctx.rely("copy.output")
    duration = max(ctx.clock.monotonic() - started, 0.0)
    return {"dataRead": read, "dataWritten": written, "filesWritten": files,
            "sourcePeakConnections": 1, "sinkPeakConnections": 1, "rowsRead": len(records),
            "rowsCopied": len(records), "copyDuration": int(round(duration)),
            "throughput": round(read / 1024 / duration, 3) if duration else 0, "errors": [],
            "effectiveIntegrationRuntime": "AutoResolveIntegrationRuntime (adfgen run)",
            "usedDataIntegrationUnits": 4, "usedParallelCopies": 1,
            "executionDetails": [{"source": {"type": source_ds.linked_service_type},
                                  "sink": {"type": sink_ds.linked_service_type}, "status": "Succeeded",
                                  "requests": pages}]}
