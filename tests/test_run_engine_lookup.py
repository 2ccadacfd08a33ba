"""Lookup (firstRowOnly, 5,000 rows silently truncated, 4 MB fails) and Get Metadata over the local sinks."""

from __future__ import annotations

from pathlib import Path

from adfgen.core import adf_limits as limits
from adfgen.local import formats
from adfgen.local.storage import LocalStorage
from adfgen.local.storage_sql import LocalSql
from tests.test_run_engine_support import act, make_runtime, records, write_factory

LINKED = {"ls_lake": {"type": "AzureBlobFS", "typeProperties": {"url": "https://acct.dfs.core.windows.net/"}},
          "ls_sql": {"type": "AzureSqlDatabase", "typeProperties": {"connectionString": "Server=tcp:srv.database.windows.net;Database=db"}}}
DATASETS = {"ds_file": {"type": "Json", "parameters": {"Folder": {"type": "String"}, "File": {"type": "String"}},
                        "linkedServiceName": {"referenceName": "ls_lake", "type": "LinkedServiceReference"},
                        "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw",
                                                        "folderPath": "@dataset().Folder", "fileName": "@dataset().File"}}},
            "ds_folder": {"type": "Json", "linkedServiceName": {"referenceName": "ls_lake", "type": "LinkedServiceReference"},
                          "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw", "folderPath": "state"}}},
            "ds_sql": {"type": "AzureSqlTable", "linkedServiceName": {"referenceName": "ls_sql", "type": "LinkedServiceReference"},
                       "typeProperties": {"schema": "dbo", "table": "t"}}}


def lookup(name: str = "L", first: bool = True, file: str = "rows.json", dataset: str = "ds_file", **props) -> dict:
    reference = {"referenceName": dataset, "type": "DatasetReference"}
    if dataset == "ds_file":
        reference["parameters"] = {"Folder": "state", "File": file}
    return act(name, "Lookup", {"source": {"type": "JsonSource"}, "dataset": reference, "firstRowOnly": first, **props},
               policy={"retry": 0})


def setup(tmp_path: Path, activities: list, rows: list | None = None):
    root = write_factory(tmp_path, {"p": activities}, DATASETS, LINKED)
    storage = LocalStorage(tmp_path / "sink")
    if rows is not None:
        formats.write_records(storage.path_for("acct", "raw", "state", "rows.json"), rows, "Json", {})
    return make_runtime(root, storage=storage, sink_root=tmp_path / "sink")


def test_first_row_only_and_all_rows(tmp_path):
    rows = [{"n": i} for i in range(3)]
    runtime = setup(tmp_path, [lookup("First"), lookup("All", first=False)], rows)
    result = runtime.run("p")
    assert records(result, "First")[0].output["firstRow"] == {"n": 0}
    output = records(result, "All")[0].output
    assert (output["count"], output["value"]) == (3, rows)


def test_five_thousand_rows_at_most_silently(tmp_path):
    rows = [{"n": i} for i in range(limits.value("lookup.rows") + 7)]
    runtime = setup(tmp_path, [lookup("All", first=False)], rows)
    result = runtime.run("p")
    record = records(result, "All")[0]
    assert record.status == "Succeeded"
    assert record.output["count"] == 5000 and record.output["value"][-1] == {"n": 4999}


def test_output_over_four_megabytes_fails(tmp_path):
    rows = [{"blob": "x" * 1000} for _ in range(4300)]  # about 4.3 MB of output
    runtime = setup(tmp_path, [lookup("All", first=False)], rows)
    result = runtime.run("p")
    record = records(result, "All")[0]
    assert record.status == "Failed" and "4194304" in record.error["message"]
    runtime = setup(tmp_path / "small", [lookup("All", first=False)], rows[:4000])  # about 4.0 MB minus overhead
    assert records(runtime.run("p"), "All")[0].status == "Succeeded"


def test_missing_file_fails_and_empty_result_has_no_first_row(tmp_path):
    runtime = setup(tmp_path, [lookup("Missing", file="nope.json"), lookup("Empty")], [])
    result = runtime.run("p")
    assert records(result, "Missing")[0].error["errorCode"] == "UserErrorFileNotFound"
    assert "firstRow" not in records(result, "Empty")[0].output


def test_lookup_over_sql(tmp_path):
    runtime = setup(tmp_path, [lookup("Q", first=False, dataset="ds_sql",
                                      source={"type": "AzureSqlSource", "sqlReaderQuery": "SELECT max(n) AS m FROM t"}),
                               lookup("T", first=False, dataset="ds_sql", source={"type": "AzureSqlSource"})])
    LocalSql(tmp_path / "sink", "srv", "db").write_records("dbo.t", [{"n": 1}, {"n": 5}], table_option="autoCreate")
    result = runtime.run("p")
    assert records(result, "Q")[0].output["value"] == [{"m": 5}]
    assert records(result, "T")[0].output["count"] == 2


def test_get_metadata_of_a_file_and_a_folder(tmp_path):
    meta = act("M", "GetMetadata", {"dataset": {"referenceName": "ds_file", "type": "DatasetReference",
                                                "parameters": {"Folder": "state", "File": "rows.json"}},
                                    "fieldList": ["exists", "itemName", "itemType", "size", "columnCount", "contentMD5"]})
    folder = act("F", "GetMetadata", {"dataset": {"referenceName": "ds_folder", "type": "DatasetReference"},
                                      "fieldList": ["itemType", "childItems"]})
    runtime = setup(tmp_path, [meta, folder], [{"a": 1, "b": 2}])
    result = runtime.run("p")
    output = records(result, "M")[0].output
    path = runtime.storage.path_for("acct", "raw", "state", "rows.json")
    assert output["exists"] is True and output["itemName"] == "rows.json" and output["itemType"] == "File"
    assert output["size"] == path.stat().st_size and output["columnCount"] == 2
    assert records(result, "F")[0].output == {"itemType": "Folder", "childItems": [{"name": "rows.json", "type": "File"}]}


def test_get_metadata_of_a_missing_file(tmp_path):
    def meta(name, fields):
        return act(name, "GetMetadata", {"dataset": {"referenceName": "ds_file", "type": "DatasetReference",
                                                     "parameters": {"Folder": "state", "File": "gone.json"}},
                                         "fieldList": fields})

    runtime = setup(tmp_path, [meta("Asked", ["exists", "size"]), meta("NotAsked", ["size"])])
    result = runtime.run("p")
    assert records(result, "Asked")[0].output == {"exists": False}
    assert records(result, "NotAsked")[0].status == "Failed"


def test_lookup_times_out_after_24_hours_whatever_the_policy(tmp_path):
    from urllib.parse import parse_qs, urlsplit

    from tests.test_run_engine_support import Server, json_reply

    linked = {"ls_rest": {"type": "RestService", "typeProperties": {"url": "", "authenticationType": "Anonymous"}}}
    with Server(lambda m, p, h, b: json_reply({"page": parse_qs(urlsplit(p).query)["page"][0]})) as server:
        linked["ls_rest"]["typeProperties"]["url"] = server.url
        datasets = {"ds_rest": {"type": "RestResource", "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference"},
                                "typeProperties": {"relativeUrl": "items?page={page}"}}}
        endless = act("L", "Lookup", {"source": {"type": "RestSource", "requestInterval": "10:00:00",
                                                 "paginationRules": {"QueryParameters.{page}": "RANGE:1::1"}},
                                      "dataset": {"referenceName": "ds_rest", "type": "DatasetReference"}, "firstRowOnly": False},
                      policy={"timeout": "7.00:00:00"})
        root = write_factory(tmp_path, {"p": [endless]}, datasets, linked)
        result = make_runtime(root, scale=100000).run("p")
        record = records(result, "L")[0]
        assert record.error["errorCode"] == "ActivityTimedOut"
        assert 86400 <= record.duration < 2 * 86400
        assert 2 <= len(server.requests) <= 4  # 10-hour intervals: the 24-hour limit, not the 7-day policy, ended it


def test_state_written_over_http_is_read_back_by_lookup(tmp_path):
    from adfgen.local.transport import Transport

    save = act("Save", "WebActivity", {"method": "PUT", "url": "https://acct.blob.core.windows.net/raw/state/rows.json",
                                       "headers": {"x-ms-blob-type": "BlockBlob", "Content-Type": "application/json"},
                                       "body": '{"watermark":"2026-01-01T00:00:00Z"}',
                                       "authentication": {"type": "MSI", "resource": "https://storage.azure.com/"}})
    read = lookup("Read")
    read["dependsOn"] = [{"activity": "Save", "dependencyConditions": ["Succeeded"]}]
    root = write_factory(tmp_path, {"p": [save, read]}, DATASETS, LINKED)
    storage = LocalStorage(tmp_path / "sink")
    runtime = make_runtime(root, storage=storage, sink_root=tmp_path / "sink", transport=Transport(storage=storage))
    result = runtime.run("p")
    assert result.status == "Succeeded", result.error
    assert records(result, "Read")[0].output["firstRow"] == {"watermark": "2026-01-01T00:00:00Z"}
    assert runtime.transport.requests_by_host() == {"acct.blob.core.windows.net": {"201": 1}}
