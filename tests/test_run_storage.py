"""LocalStorage (Blob / ADLS Gen2 REST over a folder), the sink file formats, and LocalSql over SQLite."""

from __future__ import annotations

import csv
import gzip
import json
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from adfgen.expressions.evaluator import Scope, evaluate
from adfgen.local.formats import FormatError, read_records, write_records
from adfgen.local.storage import LocalStorage
from adfgen.local.storage_paths import StoragePathError
from adfgen.local.storage_sql import LocalSql

REPO = Path(__file__).resolve().parent.parent
XERO = REPO / "out" / "adf-xero-dev"
BLOB = "https://stxerodev.blob.core.windows.net/raw/"
DFS = "https://stxerodev.dfs.core.windows.net/raw/"
RECORDS = [{"InvoiceID": "a-1", "Total": 12.5, "Paid": True, "Lines": [{"n": 1}], "Note": 'say "hi", ok'},
           {"InvoiceID": "a-2", "Total": 3, "Paid": False, "Note": None, "Extra": "line\nbreak"}]


@pytest.fixture()
def storage(tmp_path):
    return LocalStorage(tmp_path / "landing")


def load(name: str) -> dict:
    return json.loads((XERO / name).read_text())["properties"]


# -- REST ---------------------------------------------------------------------------------------------------------
def test_put_get_head_a_block_blob(storage):
    reply = storage.handle("PUT", BLOB + "xero/_state/w.json", {"x-ms-blob-type": "BlockBlob"}, b'{"a":1}')
    assert reply.status == 201 and reply.header("ETag") and reply.header("Content-MD5")
    assert storage.path_for("stxerodev", "raw", "xero/_state", "w.json").read_bytes() == b'{"a":1}'
    got = storage.handle("GET", BLOB + "xero/_state/w.json", {}, None)
    assert (got.status, got.body, got.header("x-ms-blob-type")) == (200, b'{"a":1}', "BlockBlob")
    assert got.header("Content-Type") == "application/json"
    head = storage.handle("HEAD", BLOB + "xero/_state/w.json", {}, None)
    assert (head.status, head.body, head.header("Content-Length")) == (200, b"", "7")
    # the same file through the account's dfs endpoint
    assert storage.handle("GET", DFS + "xero/_state/w.json", {}, None).body == b'{"a":1}'


def test_missing_blob_is_blob_not_found(storage):
    reply = storage.handle("GET", BLOB + "nothing/here.json", {}, None)
    assert reply.status == 404 and reply.header("x-ms-error-code") == "BlobNotFound"
    assert ElementTree.fromstring(reply.body).findtext("Code") == "BlobNotFound"
    head = storage.handle("HEAD", BLOB + "nothing/here.json", {}, None)
    assert (head.status, head.body, head.header("x-ms-error-code")) == (404, b"", "BlobNotFound")
    dfs = storage.handle("GET", DFS + "nothing/here.json", {}, None)
    assert dfs.status == 404 and json.loads(dfs.body)["error"]["code"] == "PathNotFound"


def test_put_needs_the_blob_type_header(storage):
    reply = storage.handle("PUT", BLOB + "x.json", {"Content-Type": "application/json"}, b"{}")
    assert reply.status == 400 and reply.header("x-ms-error-code") == "MissingRequiredHeader"
    assert not storage.root.exists() or not any(p.is_file() for p in storage.root.rglob("*"))


def test_conditional_put(storage):
    url = BLOB + "c.json"
    first = storage.handle("PUT", url, {"x-ms-blob-type": "BlockBlob", "If-None-Match": "*"}, b"1")
    assert first.status == 201
    again = storage.handle("PUT", url, {"x-ms-blob-type": "BlockBlob", "If-None-Match": "*"}, b"2")
    assert again.status == 409
    stale = storage.handle("PUT", url, {"x-ms-blob-type": "BlockBlob", "If-Match": '"0x0"'}, b"3")
    assert stale.status == 412
    fresh = storage.handle("PUT", url, {"x-ms-blob-type": "BlockBlob", "If-Match": first.header("ETag")}, b"4")
    assert fresh.status == 201
    assert storage.handle("GET", url, {}, None).body == b"4"


def test_nothing_escapes_the_root(storage, tmp_path):
    for url in (BLOB + "../../../outside.txt", BLOB + "a/%2e%2e/%2e%2e/%2e%2e/outside.txt",
                "https://..%2F..%2Fx.blob.core.windows.net/raw/y"):
        reply = storage.handle("PUT", url, {"x-ms-blob-type": "BlockBlob"}, b"x")
        assert reply.status == 400, url
    assert not (tmp_path / "outside.txt").exists()
    with pytest.raises(StoragePathError):
        storage.path_for("acct", "raw", "../x", "f")


def test_adls_create_append_flush(storage):
    url = DFS + "dir/file.txt"
    assert storage.handle("PUT", url + "?resource=file", {}, None).status == 201
    assert storage.handle("PATCH", url + "?action=append&position=0", {}, b"hello ").status == 202
    assert storage.handle("PATCH", url + "?action=append&position=6", {}, b"world").status == 202
    assert storage.handle("GET", url, {}, None).body == b""  # nothing visible before the flush
    assert storage.handle("PATCH", url + "?action=flush&position=5", {}, None).status == 400
    assert storage.handle("PATCH", url + "?action=flush&position=11", {}, None).status == 200
    assert storage.handle("GET", url, {}, None).body == b"hello world"
    assert storage.handle("PUT", url, {}, None).status == 400  # dfs PUT needs ?resource=
    assert storage.handle("DELETE", url, {}, None).status == 200
    assert storage.handle("HEAD", url, {}, None).status == 404


def test_list_blobs(storage):
    for name in ("xero/a/1.json", "xero/a/2.json", "other/3.json"):
        storage.handle("PUT", BLOB + name, {"x-ms-blob-type": "BlockBlob"}, b"{}")
    reply = storage.handle("GET", BLOB.rstrip("/") + "?restype=container&comp=list&prefix=xero/", {}, None)
    names = [n.text for n in ElementTree.fromstring(reply.body).iter("Name")]
    assert names == ["xero/a/1.json", "xero/a/2.json"]


def _walk(activities):
    for activity in activities:
        yield activity
        props = activity.get("typeProperties") or {}
        for key in ("activities", "ifTrueActivities", "ifFalseActivities"):
            yield from _walk(props.get(key) or [])


def _value(value, scope):
    return evaluate(value["value"], scope) if isinstance(value, dict) else value


def test_the_generated_watermark_round_trip(storage):
    """Each Save Watermark (Web PUT to Blob) writes exactly where its pipeline's Read Watermark Lookup reads."""
    dataset = load("dataset/ds_lake_json.json")
    account = urlsplit(load("linkedService/ls_lake.json")["typeProperties"]["url"]).hostname.split(".")[0]
    location = dataset["typeProperties"]["location"]
    pairs = 0
    for file in sorted((XERO / "pipeline").glob("*.json")):
        pipeline = load(f"pipeline/{file.name}")
        activities = list(_walk(pipeline["activities"]))
        saves = [a for a in activities if a["type"] == "WebActivity" and "x-ms-blob-type" in
                 (a["typeProperties"].get("headers") or {})]
        reads = [a for a in activities if a["type"] == "Lookup" and a["name"] == "Read Watermark"]
        if not saves:
            continue
        (save,), (read,) = saves, reads
        scope = Scope(parameters={k: v.get("defaultValue") for k, v in (pipeline.get("parameters") or {}).items()})
        body = '{"watermark":"2026-01-01T05:00:00Z"}'
        props = save["typeProperties"]
        reply = storage.handle(props["method"], _value(props["url"], scope), props["headers"], body.encode())
        assert reply.status == 201, file.name

        parameters = read["typeProperties"]["dataset"]["parameters"]
        dataset_scope = Scope(dataset={k: _value(v, scope) for k, v in parameters.items()})
        folder = evaluate(location["folderPath"]["value"], dataset_scope)
        name = evaluate(location["fileName"]["value"], dataset_scope)
        path = storage.path_for(account, location["fileSystem"], folder, name)
        assert read_records(path, dataset["type"], dataset["typeProperties"]) == [json.loads(body)], file.name
        pairs += 1
    assert pairs >= 1


# -- formats ------------------------------------------------------------------------------------------------------
def test_json_set_of_objects_is_one_object_per_line(tmp_path):
    path = tmp_path / "x.json"
    assert write_records(path, RECORDS, "Json", {"filePattern": "setOfObjects"}) == 2
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == RECORDS
    assert read_records(path, "Json", {}) == RECORDS


def test_json_array_of_objects_is_one_array(tmp_path):
    path = tmp_path / "x.json"
    write_records(path, RECORDS, "Json", {"formatSettings": {"filePattern": "arrayOfObjects"}})
    assert json.loads(path.read_text()) == RECORDS
    assert read_records(path, "Json", {}) == RECORDS


def test_json_reader_takes_single_and_pretty_objects_and_gzip(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"a": 1}\n\n{\n  "a": 2\n}\n')
    assert read_records(path, "Json", {}) == [{"a": 1}, {"a": 2}]
    gz = tmp_path / "x.json.gz"
    write_records(gz, RECORDS, "Json", {"compression": {"type": "GZip"}})
    assert [json.loads(line) for line in gzip.decompress(gz.read_bytes()).splitlines()] == RECORDS
    assert read_records(gz, "Json", {"compression": {"type": "GZip"}}) == RECORDS
    with pytest.raises(FormatError):
        write_records(gz, RECORDS, "Json", {"compression": {"type": "Lz4"}})


def _as_text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


@pytest.mark.parametrize("settings", [
    {"firstRowAsHeader": True},
    {"firstRowAsHeader": True, "columnDelimiter": ";", "quoteChar": "'", "escapeChar": "'"},
    {"firstRowAsHeader": True, "columnDelimiter": "\t", "quoteAllText": True},
])
def test_delimited_text_as_an_independent_csv_reader_sees_it(tmp_path, settings):
    path = tmp_path / "x.csv"
    write_records(path, RECORDS, "DelimitedText", settings)
    raw = path.read_bytes()
    assert raw.count(b"\r\n") >= 3  # Copy writes \r\n rows (documented default)
    quote = settings.get("quoteChar", '"')
    escape = settings.get("escapeChar", "\\")
    oracle = pacsv.read_csv(str(path), parse_options=pacsv.ParseOptions(
        delimiter=settings.get("columnDelimiter", ","), quote_char=quote, double_quote=escape == quote,
        escape_char=False if escape == quote else escape, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={c: "string" for c in
                                                           ["InvoiceID", "Total", "Paid", "Lines", "Note", "Extra"]},
                                             strings_can_be_null=True))
    expected = [{c: _as_text(r.get(c)) for c in ["InvoiceID", "Total", "Paid", "Lines", "Note", "Extra"]}
                for r in RECORDS]
    assert oracle.to_pylist() == expected
    assert read_records(path, "DelimitedText", settings) == expected


def test_delimited_text_without_header_names_columns_prop_n(tmp_path):
    path = tmp_path / "x.csv"
    write_records(path, [{"a": "1", "b": "2"}], "DelimitedText", {})
    assert path.read_bytes() == b"1,2\r\n"
    assert read_records(path, "DelimitedText", {}) == [{"Prop_0": "1", "Prop_1": "2"}]
    assert list(csv.reader(path.open(newline=""))) == [["1", "2"]]


def test_parquet_round_trip_and_refused_column_names(tmp_path):
    path = tmp_path / "x.parquet"
    assert write_records(path, RECORDS, "Parquet", {"compressionCodec": "snappy"}) == 2
    table = pq.read_table(path)
    assert table.num_rows == 2
    assert table.column("Lines").to_pylist() == ['[{"n": 1}]', None]  # complex values land as JSON text
    assert table.column("Total").to_pylist() == [12.5, 3.0]
    back = read_records(path, "Parquet", {})
    assert [r["InvoiceID"] for r in back] == ["a-1", "a-2"]
    with pytest.raises(FormatError, match="Parquet"):
        write_records(path, [{"bad name": 1}], "Parquet", {})


def test_unknown_dataset_type(tmp_path):
    with pytest.raises(FormatError):
        write_records(tmp_path / "x", [], "Avro", {})


# -- SQL ----------------------------------------------------------------------------------------------------------
def test_sql_auto_create_insert_and_lookup(tmp_path):
    sql = LocalSql(tmp_path, "sql-dev.database.windows.net", "xero")
    assert sql.write_records("[dbo].[stg_invoices]", RECORDS, table_option="autoCreate") == 2
    rows = sql.query("SELECT InvoiceID, Total, Lines FROM [dbo].[stg_invoices] ORDER BY InvoiceID")
    assert rows == [{"InvoiceID": "a-1", "Total": 12.5, "Lines": '[{"n": 1}]'},
                    {"InvoiceID": "a-2", "Total": 3, "Lines": None}]
    assert sql.query("SELECT COUNT(*) AS n FROM stg_invoices") == [{"n": 2}]  # unqualified means dbo
    assert (tmp_path / "_sql" / "sql-dev" / "xero.sqlite").is_file()
    # appends, and preCopyScript runs first
    sql.write_records("dbo.stg_invoices", RECORDS[:1], pre_copy_script="TRUNCATE TABLE [dbo].[stg_invoices]")
    assert sql.query("SELECT COUNT(*) AS n FROM dbo.stg_invoices") == [{"n": 1}]


def test_sql_other_schema_and_missing_table(tmp_path):
    sql = LocalSql(tmp_path, "srv", "db")
    sql.write_records("staging.t", [{"x": 1}], table_option="autoCreate")
    assert sql.query("SELECT x FROM staging.t") == [{"x": 1}]
    with pytest.raises(sqlite3.OperationalError):
        sql.write_records("dbo.absent", [{"x": 1}])
