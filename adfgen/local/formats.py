"""Sink file formats as ADF's Copy writes and reads them: Json, Parquet, DelimitedText."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, IO

# Facts, with their sources:
# - Json sink filePattern setOfObjects (the default) writes one object per line, arrayOfObjects one JSON array;
#   the Json source detects either. Documented: https://learn.microsoft.com/azure/data-factory/format-json
#   The line separator ("\n") and no byte-order mark are assumed.
# - DelimitedText defaults: columnDelimiter ",", quoteChar '"', escapeChar "\\", firstRowAsHeader false, nullValue "",
#   rowDelimiter "\r\n" on write and any of \r\n, \r, \n on read; without a header columns are Prop_0, Prop_1, ...
#   Documented: https://learn.microsoft.com/azure/data-factory/format-delimited-text
#   Quoting only values that need it unless quoteAllText is true is assumed.
# - Parquet: column names may not contain white space or ,;{}()\n\t= and the default codec is snappy.
#   Documented: https://learn.microsoft.com/azure/data-factory/format-parquet
# - Complex values in tabular formats become JSON text, as with the translator's mapComplexValuesToString
#   (adfgen sets it for tabular sinks): documented at https://learn.microsoft.com/azure/data-factory/copy-activity-schema-and-type-mapping

PARQUET_FORBIDDEN = set(" ,;{}()\n\t=")


class FormatError(ValueError):
    """A dataset setting this runtime cannot honour, or data the format cannot hold."""


def _setting(type_properties: dict[str, Any], name: str, default: Any) -> Any:
    """A format setting from the dataset's typeProperties, or from a sink/source formatSettings merged into them."""
    for holder in (type_properties, type_properties.get("formatSettings") or {}):
        if isinstance(holder, dict) and holder.get(name) is not None:
            return holder[name]
    return default


def _compression(type_properties: dict[str, Any]) -> str | None:
    compression = type_properties.get("compression")
    kind = compression.get("type") if isinstance(compression, dict) else compression
    if kind in (None, "", "None"):
        return None
    if str(kind).lower() == "gzip":
        return "gzip"
    raise FormatError(f"compression {kind!r} is not supported by the local runtime (only GZip)")


def _encoding(type_properties: dict[str, Any], reading: bool) -> str:
    name = str(_setting(type_properties, "encodingName", "UTF-8"))
    if name.upper().replace("-", "") == "UTF8":
        return "utf-8-sig" if reading else "utf-8"  # read a BOM if one is there, never write one
    return name


def _opener(path: Path, type_properties: dict[str, Any]) -> Callable[[str], IO[bytes]]:
    if _compression(type_properties) == "gzip":
        return lambda mode: gzip.open(path, mode)  # type: ignore[return-value]
    return lambda mode: open(path, mode)


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temp file beside `path`, then os.replace, so readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(temp))
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _kind(dataset_type: str) -> str:
    kind = dataset_type.lower()
    if kind not in ("json", "parquet", "delimitedtext"):
        raise FormatError(f"dataset type {dataset_type!r} is not supported by the local runtime "
                          "(Json, Parquet, DelimitedText)")
    return kind


def write_records(path: Path, records: list[dict], dataset_type: str, type_properties: dict) -> int:
    """Write `records` to `path` in the dataset's format; returns the number of rows written."""
    kind = _kind(dataset_type)
    type_properties = type_properties or {}
    path = Path(path)
    if kind == "json":
        _atomic(path, lambda temp: _write_json(temp, records, type_properties))
    elif kind == "delimitedtext":
        _atomic(path, lambda temp: _write_delimited(temp, records, type_properties))
    else:
        _atomic(path, lambda temp: _write_parquet(temp, records, type_properties))
    return len(records)


def read_records(path: Path, dataset_type: str, type_properties: dict) -> list[dict]:
    """Read a file of the dataset's format back into records."""
    kind = _kind(dataset_type)
    type_properties = type_properties or {}
    if kind == "json":
        return _read_json(Path(path), type_properties)
    if kind == "delimitedtext":
        return _read_delimited(Path(path), type_properties)
    return _read_parquet(Path(path))


# -- Json ---------------------------------------------------------------------------------------------------------
def _write_json(temp: Path, records: list[dict], type_properties: dict[str, Any]) -> None:
    pattern = str(_setting(type_properties, "filePattern", "setOfObjects"))
    if pattern.lower() not in ("setofobjects", "arrayofobjects"):
        raise FormatError(f"Json filePattern {pattern!r} is not one of setOfObjects, arrayOfObjects")
    dump = lambda record: json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    if pattern.lower() == "arrayofobjects":
        text = "[" + ",".join(dump(r) for r in records) + "]"
    else:
        text = "".join(dump(r) + "\n" for r in records)
    with _opener(temp, type_properties)("wb") as handle:
        handle.write(text.encode(_encoding(type_properties, reading=False)))


def _read_json(path: Path, type_properties: dict[str, Any]) -> list[dict]:
    with _opener(path, type_properties)("rb") as handle:
        text = handle.read().decode(_encoding(type_properties, reading=True))
    decoder = json.JSONDecoder()
    records: list[Any] = []
    position, end = 0, len(text)
    while True:
        while position < end and text[position] in " \t\r\n,":
            position += 1
        if position >= end:
            break
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise FormatError(f"{path.name} is not valid JSON at line {exc.lineno} column {exc.colno}") from None
        records.extend(value if isinstance(value, list) else [value])
    return records


# -- DelimitedText ------------------------------------------------------------------------------------------------
def _dialect(type_properties: dict[str, Any], writing: bool) -> dict[str, Any]:
    delimiter = str(_setting(type_properties, "columnDelimiter", ","))
    if len(delimiter) != 1:
        raise FormatError("the local runtime supports single-character column delimiters only")
    quote = str(_setting(type_properties, "quoteChar", '"'))
    escape = str(_setting(type_properties, "escapeChar", "\\"))
    row = str(_setting(type_properties, "rowDelimiter", "\r\n" if writing else "\n"))
    options: dict[str, Any] = {"delimiter": delimiter, "lineterminator": row or "\r\n"}
    if quote:
        options["quotechar"] = quote
        if escape and escape != quote:
            options.update(doublequote=False, escapechar=escape)
        else:
            options["doublequote"] = True  # escapeChar equal to quoteChar means doubled quotes
        quote_all = str(_setting(type_properties, "quoteAllText", False)).lower() == "true"
        options["quoting"] = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    else:
        options.update(quoting=csv.QUOTE_NONE, escapechar=escape or "\\")
    return options


def _cell(value: Any, null: str) -> str:
    if value is None:
        return null
    if isinstance(value, bool):
        return "true" if value else "false"  # ADF writes booleans as lower case (assumed)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _write_delimited(temp: Path, records: list[dict], type_properties: dict[str, Any]) -> None:
    header = str(_setting(type_properties, "firstRowAsHeader", False)).lower() == "true"
    null = str(_setting(type_properties, "nullValue", ""))
    columns: list[str] = []
    for record in records:
        columns.extend(k for k in record if k not in columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, **_dialect(type_properties, writing=True))
    if header and columns:
        writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record.get(c), null) for c in columns])
    with _opener(temp, type_properties)("wb") as handle:
        handle.write(buffer.getvalue().encode(_encoding(type_properties, reading=False)))


def _read_delimited(path: Path, type_properties: dict[str, Any]) -> list[dict]:
    header = str(_setting(type_properties, "firstRowAsHeader", False)).lower() == "true"
    null = str(_setting(type_properties, "nullValue", ""))
    skip = int(_setting(type_properties, "skipLineCount", 0) or 0)
    with _opener(path, type_properties)("rb") as handle:
        text = handle.read().decode(_encoding(type_properties, reading=True))
    options = _dialect(type_properties, writing=False)
    options.pop("lineterminator")  # the reader accepts \r\n, \r and \n, as ADF does by default
    rows = list(csv.reader(io.StringIO(text, newline=""), **options))[skip:]
    if not rows:
        return []
    names = rows[0] if header else [f"Prop_{i}" for i in range(max(len(r) for r in rows))]
    body = rows[1:] if header else rows
    return [{name: (None if i >= len(row) or row[i] == null else row[i]) for i, name in enumerate(names)}
            for row in body]


# -- Parquet ------------------------------------------------------------------------------------------------------
def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise FormatError("Parquet needs pyarrow: pip install 'adfgen[parquet]'") from None
    return pyarrow


def _write_parquet(temp: Path, records: list[dict], type_properties: dict[str, Any]) -> None:
    pa = _pyarrow()
    columns: list[str] = []
    for record in records:
        columns.extend(k for k in record if k not in columns)
    for name in columns:
        if PARQUET_FORBIDDEN & set(name):
            raise FormatError(f"column {name!r} has a character Parquet sinks refuse (white space or ,;{{}}()=)")
    rows = [{c: (json.dumps(r[c], ensure_ascii=False) if isinstance(r.get(c), (dict, list)) else r.get(c))
             for c in columns} for r in records]
    try:
        table = pa.Table.from_pylist(rows) if rows else pa.table({})
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # mixed types in one column: land them as text rather than fail the copy
        table = pa.Table.from_pylist([{c: (None if v is None else _cell(v, "")) for c, v in r.items()} for r in rows])
    codec = str(_setting(type_properties, "compressionCodec", "snappy")).lower()
    pa.parquet.write_table(table, str(temp), compression="none" if codec == "none" else codec)


def _read_parquet(path: Path) -> list[dict]:
    pa = _pyarrow()
    return pa.parquet.read_table(str(path)).to_pylist()
