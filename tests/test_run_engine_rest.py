"""Copy with a RestSource over a real local server: every documented pagination rule, headers, auth,
collectionReference and mappings, sinks through RUN-WORLD's LocalStorage/formats/LocalSql; Lookup; Get Metadata."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from adfgen.local import formats
from adfgen.local.storage import LocalStorage
from adfgen.local.storage_sql import LocalSql
from tests.test_run_engine_support import Server, act, json_reply, make_runtime, records, write_factory

ITEMS = [{"id": i, "name": f"n{i}", "meta": {"tag": i % 3}} for i in range(23)]


def rest_factory(root: Path, base_url: str, source: dict, *, relative: str = "items", translator: dict | None = None,
                 auth: dict | None = None, sink: dict | None = None, sink_dataset: str = "ds_sink") -> Path:
    """A REST linked service and dataset, a Json sink on ADLS Gen2, and pipeline p with one Copy."""
    linked = {"ls_rest": {"type": "RestService", "parameters": {"BaseUrl": {"type": "String"}},
                          "typeProperties": {"url": "@{linkedService().BaseUrl}", "authenticationType": "Anonymous",
                                             **(auth or {})}},
              "ls_lake": {"type": "AzureBlobFS", "typeProperties": {"url": "https://acct.dfs.core.windows.net/"}},
              "ls_sql": {"type": "AzureSqlDatabase", "typeProperties": {
                  "connectionString": "Server=tcp:srv.database.windows.net,1433;Database=db;"}}}
    datasets = {
        "ds_rest": {"type": "RestResource", "parameters": {"BaseUrl": {"type": "String"}, "Rel": {"type": "String"}},
                    "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference",
                                          "parameters": {"BaseUrl": "@dataset().BaseUrl"}},
                    "typeProperties": {"relativeUrl": "@dataset().Rel"}},
        "ds_sink": {"type": "Json", "parameters": {"Folder": {"type": "String"}},
                    "linkedServiceName": {"referenceName": "ls_lake", "type": "LinkedServiceReference"},
                    "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw",
                                                    "folderPath": "@dataset().Folder", "fileName": "out.json"}}},
        "ds_csv": {"type": "DelimitedText", "linkedServiceName": {"referenceName": "ls_lake", "type": "LinkedServiceReference"},
                   "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw", "folderPath": "csv",
                                                   "fileName": "out.csv"}, "columnDelimiter": ",", "firstRowAsHeader": True}},
        "ds_sql": {"type": "AzureSqlTable", "linkedServiceName": {"referenceName": "ls_sql", "type": "LinkedServiceReference"},
                   "typeProperties": {"schema": "dbo", "table": "items"}},
    }
    copy = act("Copy", "Copy", {"source": {"type": "RestSource", "requestInterval": "00:00:00.010", **source},
                                "sink": sink or {"type": "JsonSink", "formatSettings": {"type": "JsonWriteSettings",
                                                                                        "filePattern": "setOfObjects"}},
                                **({"translator": translator} if translator else {})},
               inputs=[{"referenceName": "ds_rest", "type": "DatasetReference",
                        "parameters": {"BaseUrl": base_url, "Rel": relative}}],
               outputs=[{"referenceName": sink_dataset, "type": "DatasetReference", "parameters":
                         {"Folder": "land/@{pipeline().RunId}"} if sink_dataset == "ds_sink" else {}}])
    return write_factory(root, {"p": [copy]}, datasets, linked)


def copy_run(root: Path, **options):
    storage = LocalStorage(root / "sink")
    runtime = make_runtime(root, storage=storage, sink_root=root / "sink", **options)
    result = runtime.run("p")
    return runtime, result, storage


def landed(storage: LocalStorage, result) -> list:
    path = storage.path_for("acct", "raw", f"land/{result.run_id}", "out.json")
    return formats.read_records(path, "Json", {})


def paged(per_page: int = 5):
    """A route serving ITEMS by ?page=N (1-based) with an empty page after the last."""
    def route(method, path, headers, body):
        query = parse_qs(urlsplit(path).query)
        page = int(query.get("page", ["1"])[0])
        return json_reply({"items": ITEMS[(page - 1) * per_page: page * per_page]})
    return route


def pages_requested(server) -> list[str]:
    return [parse_qs(urlsplit(p).query).get("page", [None])[0] for _, p, _, _ in server.requests]


def test_range_query_parameter_with_empty_end_condition_lands_every_record(tmp_path):
    with Server(paged()) as server:
        root = rest_factory(tmp_path, server.url, {"paginationRules": {"QueryParameters.{page}": "RANGE:1::1",
                                                                       "EndCondition:$.items": "Empty"}},
                            relative="items?page={page}", translator={"type": "TabularTranslator",
                                                                      "collectionReference": "$['items']"})
        runtime, result, storage = copy_run(root)
        assert result.status == "Succeeded", result.error
        assert landed(storage, result) == ITEMS
        assert pages_requested(server) == ["1", "2", "3", "4", "5", "6"]
        assert records(result, "Copy")[0].output["rowsCopied"] == 23
        assert {"rest.range_first", "rest.end_condition"} <= set(runtime.relied.keys())
        assert runtime.rows_by_sink == {f"acct/raw/land/{result.run_id}/out.json": 23}


def test_range_with_an_end_stops_there(tmp_path):
    with Server(paged()) as server:
        root = rest_factory(tmp_path, server.url, {"paginationRules": {"AbsoluteUrl.{page}": "RANGE:2:4:1"}},
                            relative="items?page={page}", translator={"collectionReference": "$.items"})
        _, result, storage = copy_run(root)
        assert pages_requested(server) == ["2", "3", "4"]
        assert [r["id"] for r in landed(storage, result)] == list(range(5, 20))


def test_range_in_a_header(tmp_path):
    def route(method, path, headers, body):
        return json_reply({"items": [{"offset": headers["X-Offset"]}]})

    with Server(route) as server:
        root = rest_factory(tmp_path, server.url, {"additionalHeaders": {"X-Offset": "{offset}"},
                                                   "paginationRules": {"Headers.{offset}": "RANGE:0:20:10"}},
                            translator={"collectionReference": "$.items"})
        _, result, storage = copy_run(root)
        assert [r["offset"] for r in landed(storage, result)] == ["0", "10", "20"]


def test_max_request_number_stops_paging_and_the_copy_succeeds(tmp_path):
    with Server(paged(1)) as server:
        root = rest_factory(tmp_path, server.url, {"paginationRules": {"QueryParameters.{page}": "RANGE:1::1",
                                                                       "MaxRequestNumber": "3"}},
                            relative="items?page={page}", translator={"collectionReference": "$.items"})
        runtime, result, storage = copy_run(root)
        assert result.status == "Succeeded"
        assert len(server.requests) == 3 and len(landed(storage, result)) == 3
        assert "rest.max_requests" in [b.key for b in runtime.relied.assumed()]


def test_absolute_url_from_the_body_until_it_is_null(tmp_path):
    def route(method, path, headers, body):
        page = int(parse_qs(urlsplit(path).query).get("p", ["0"])[0])
        nxt = f"{server.url}/items?p={page + 1}" if page < 2 else None
        return json_reply({"data": [{"p": page}], "paging": {"next": nxt}})

    with Server(route) as server:
        root = rest_factory(tmp_path, server.url, {"paginationRules": {"AbsoluteUrl": "$.paging.next"}},
                            translator={"collectionReference": "$.data"})
        runtime, result, storage = copy_run(root)
        assert [r["p"] for r in landed(storage, result)] == [0, 1, 2]
        assert "rest.null_ends" in runtime.relied.keys()


def test_relative_next_link_and_query_parameter_cursor(tmp_path):
    def route(method, path, headers, body):
        cursor = parse_qs(urlsplit(path).query).get("after", [""])[0]
        following = {"": "c1", "c1": "c2"}.get(cursor)
        return json_reply({"results": [{"cursor": cursor}], **({"paging": {"after": following}} if following else {})})

    with Server(route) as server:
        root = rest_factory(tmp_path, server.url, {"paginationRules": {"QueryParameters.after": "$.paging.after"}},
                            translator={"collectionReference": "$.results"})
        _, result, storage = copy_run(root)
        assert [r["cursor"] for r in landed(storage, result)] == ["", "c1", "c2"]


def test_header_rule_from_a_response_header(tmp_path):
    def route(method, path, headers, body):
        token = headers.get("X-Continuation", "")
        following = {"": "t1", "t1": "t2"}.get(token)
        return json_reply({"rows": [{"token": token}]}, headers={"X-Next": following} if following else {})

    with Server(route) as server:
        root = rest_factory(tmp_path, server.url, {"paginationRules": {"Headers.X-Continuation": "Headers.X-Next"}},
                            translator={"collectionReference": "$.rows"})
        _, result, storage = copy_run(root)
        assert [r["token"] for r in landed(storage, result)] == ["", "t1", "t2"]


@pytest.mark.parametrize("condition, value, last", [("Const:true", "$.done", 3), ("Exist", "$.done", 3),
                                                   ("NonExist", "$.more", 3), ("Const:1", "headers.Complete", 3),
                                                   ("NotExist", "$.more", 3), ("NonEmpty", "$.done", 3)])
def test_end_conditions(tmp_path, condition, value, last):
    def route(method, path, headers, body):
        page = int(parse_qs(urlsplit(path).query)["page"][0])
        document = {"items": [{"page": page}]}
        if page >= 3:
            document["done"] = True
        else:
            document["more"] = True
        return json_reply(document, headers={"Complete": "1" if page >= 3 else "0"})

    with Server(route) as server:
        root = rest_factory(tmp_path, server.url, {"paginationRules": {"QueryParameters.{page}": "RANGE:1::1",
                                                                       f"EndCondition:{value}": condition,
                                                                       "MaxRequestNumber": "10"}},
                            relative="items?page={page}", translator={"collectionReference": "$.items"})
        _, result, storage = copy_run(root)
        assert [r["page"] for r in landed(storage, result)] == list(range(1, last + 1))


def test_rfc5988_link_headers_are_followed_without_rules(tmp_path):
    def route(method, path, headers, body):
        page = int(parse_qs(urlsplit(path).query).get("page", ["1"])[0])
        link = {"Link": f'<{server.url}/items?page={page + 1}>; rel="next"'} if page < 3 else {}
        return json_reply([{"page": page}], headers=link)

    with Server(route) as server:
        root = rest_factory(tmp_path, server.url, {})
        runtime, result, storage = copy_run(root)
        assert [r["page"] for r in landed(storage, result)] == [1, 2, 3]
        assert "rest.rfc5988" in runtime.relied.keys()
        root2 = rest_factory(tmp_path / "off", server.url, {"paginationRules": {"SupportRFC5988": "false"}})
        _, result, storage = copy_run(root2)
        assert [r["page"] for r in landed(storage, result)] == [1]


@pytest.mark.parametrize("status, key", [(204, "rest.204"), (304, "rest.304")])
def test_204_and_304_end_pagination(tmp_path, status, key):
    def route(method, path, headers, body):
        page = int(parse_qs(urlsplit(path).query)["page"][0])
        return json_reply({"items": [{"page": page}]}) if page < 3 else (status, {}, b"")

    with Server(route) as server:
        root = rest_factory(tmp_path, server.url, {"paginationRules": {"QueryParameters.{page}": "RANGE:1::1"}},
                            relative="items?page={page}", translator={"collectionReference": "$.items"})
        runtime, result, storage = copy_run(root)
        assert result.status == "Succeeded"
        assert [r["page"] for r in landed(storage, result)] == [1, 2]
        assert key in runtime.relied.keys()


def test_429_fails_the_copy_and_the_activity_policy_retries(tmp_path):
    calls = []

    def route(method, path, headers, body):
        calls.append(time.monotonic())
        return (429, {"Retry-After": "1"}, b"slow down") if len(calls) == 1 else json_reply({"items": [{"ok": 1}]})

    with Server(route) as server:
        root = rest_factory(tmp_path, server.url, {}, translator={"collectionReference": "$.items"})
        doc = json.loads((root / "pipeline" / "p.json").read_text())
        doc["properties"]["activities"][0]["policy"] = {"retry": 1, "retryIntervalInSeconds": 30}
        (root / "pipeline" / "p.json").write_text(json.dumps(doc))
        runtime, result, storage = copy_run(root)
        record = records(result, "Copy")[0]
        assert record.status == "Succeeded" and record.attempts == 2
        assert "rest.no_retry_429" in [b.key for b in runtime.relied.assumed()]


def test_request_interval_paces_requests_on_the_clock(tmp_path):
    with Server(paged(10)) as server:
        root = rest_factory(tmp_path, server.url, {"requestInterval": "00:00:10",
                                                   "paginationRules": {"QueryParameters.{page}": "RANGE:1::1",
                                                                       "EndCondition:$.items": "Empty"}},
                            relative="items?page={page}", translator={"collectionReference": "$.items"})
        started = time.monotonic()
        _, result, _ = copy_run(root, scale=100)
        assert len(server.requests) == 4
        assert records(result, "Copy")[0].duration >= 30  # three 10 s intervals of virtual time
        assert time.monotonic() - started < 3  # ... in a fraction of real time


def test_headers_are_evaluated_once_and_accept_is_json(tmp_path):
    with Server(paged(10)) as server:
        root = rest_factory(tmp_path, server.url, {"additionalHeaders": {"X-Run": "@pipeline().RunId",
                                                                         "X-Time": "@utcNow()", "Accept": "text/csv"},
                                                   "paginationRules": {"QueryParameters.{page}": "RANGE:1::1",
                                                                       "EndCondition:$.items": "Empty"}},
                            relative="items?page={page}", translator={"collectionReference": "$.items"})
        _, result, _ = copy_run(root, scale=100)
        sent = [h for _, _, h, _ in server.requests]
        assert {h["X-Time"] for h in sent} == {sent[0]["X-Time"]}
        assert {h["Accept"] for h in sent} == {"application/json"}
        assert sent[0]["X-Run"] == result.run_id


def test_request_method_and_body(tmp_path):
    with Server(lambda m, p, h, b: json_reply({"items": [{"method": m, "body": json.loads(b)}]})) as server:
        root = rest_factory(tmp_path, server.url, {"requestMethod": "POST", "requestBody": '{"q": "x"}'},
                            translator={"collectionReference": "$.items"})
        _, result, storage = copy_run(root)
        assert landed(storage, result) == [{"method": "POST", "body": {"q": "x"}}]


def test_basic_and_oauth2_client_credential_auth(tmp_path):
    def route(method, path, headers, body):
        if path == "/token":
            form = parse_qs(body.decode())
            assert form["grant_type"] == ["client_credentials"] and form["client_secret"] == ["s3cret"]
            return json_reply({"access_token": "tok-123", "token_type": "Bearer", "expires_in": 3600})
        return json_reply({"items": [{"auth": headers.get("Authorization")}]})

    with Server(route) as server:
        oauth = {"authenticationType": "OAuth2ClientCredential", "tokenEndpoint": f"{server.url}/token",
                 "clientId": "cid", "clientSecret": {"type": "SecureString", "value": "s3cret"}, "scope": "read"}
        root = rest_factory(tmp_path / "o", server.url, {}, auth=oauth, translator={"collectionReference": "$.items"})
        runtime, result, storage = copy_run(root)
        assert landed(storage, result) == [{"auth": "Bearer tok-123"}]
        assert runtime.secrets.scrub("tok-123 s3cret") == "*** ***"
        basic = {"authenticationType": "Basic", "userName": "u", "password": {"type": "SecureString", "value": "pw"}}
        root = rest_factory(tmp_path / "b", server.url, {}, auth=basic, translator={"collectionReference": "$.items"})
        _, result, storage = copy_run(root)
        assert landed(storage, result) == [{"auth": "Basic dTpwdw=="}]


def test_mappings_select_columns_relative_and_absolute(tmp_path):
    with Server(lambda m, p, h, b: json_reply({"batch": "b1", "items": ITEMS[:3]})) as server:
        translator = {"type": "TabularTranslator", "collectionReference": "$['items']",
                      "mappings": [{"source": {"path": "['id']"}, "sink": {"name": "Id"}},
                                   {"source": {"path": "['meta']['tag']"}, "sink": {"name": "Tag"}},
                                   {"source": {"path": "$['batch']"}, "sink": {"name": "Batch"}}]}
        root = rest_factory(tmp_path, server.url, {}, translator=translator)
        _, result, storage = copy_run(root)
        assert landed(storage, result) == [{"Id": i, "Tag": i % 3, "Batch": "b1"} for i in range(3)]


def test_csv_and_sql_sinks(tmp_path):
    translator = {"collectionReference": "$.items", "mappings": [{"source": {"path": "['id']"}, "sink": {"name": "id"}},
                                                                 {"source": {"path": "['name']"}, "sink": {"name": "name"}}]}
    with Server(lambda m, p, h, b: json_reply({"items": ITEMS[:4]})) as server:
        root = rest_factory(tmp_path / "csv", server.url, {}, translator=translator, sink_dataset="ds_csv",
                            sink={"type": "DelimitedTextSink"})
        _, result, storage = copy_run(root)
        rows = formats.read_records(storage.path_for("acct", "raw", "csv", "out.csv"), "DelimitedText",
                                    {"columnDelimiter": ",", "firstRowAsHeader": True})
        assert [r["name"] for r in rows] == ["n0", "n1", "n2", "n3"]
        root = rest_factory(tmp_path / "sql", server.url, {}, translator=translator, sink_dataset="ds_sql",
                            sink={"type": "AzureSqlSink", "tableOption": "autoCreate"})
        runtime, result, _ = copy_run(root)
        assert result.status == "Succeeded", result.error
        rows = LocalSql(root / "sink", "srv", "db").query("SELECT id, name FROM items ORDER BY id")
        assert rows == [{"id": i, "name": f"n{i}"} for i in range(4)]
        assert runtime.rows_by_sink == {"sql:srv/db/dbo.items": 4}


def test_copy_needs_sink_dir_for_storage(tmp_path):
    with Server(lambda m, p, h, b: json_reply({"items": []})) as server:
        root = rest_factory(tmp_path, server.url, {})
        result = make_runtime(root).run("p")
        assert records(result, "Copy")[0].error["errorCode"] == "NoSinkDir"


def test_bad_pagination_rules_fail_the_copy(tmp_path):
    with Server(paged()) as server:
        root = rest_factory(tmp_path, server.url, {"paginationRules": {"QueryParameters.{page}": "1"}})
        _, result, _ = copy_run(root)
        assert records(result, "Copy")[0].error["errorCode"] == "InvalidPaginationRule"


def test_a_sink_without_a_file_name_gets_a_generated_one(tmp_path):
    with Server(lambda m, p, h, b: json_reply({"items": ITEMS[:2]})) as server:
        root = rest_factory(tmp_path, server.url, {}, translator={"collectionReference": "$.items"})
        dataset = root / "dataset" / "ds_sink.json"
        dataset.write_text(dataset.read_text().replace(', "fileName": "out.json"', ""))
        runtime, result, storage = copy_run(root)
        files = list(storage.path_for("acct", "raw", f"land/{result.run_id}", None).iterdir())
        assert len(files) == 1 and files[0].name.startswith("data_") and files[0].suffix == ".json"
        assert formats.read_records(files[0], "Json", {}) == ITEMS[:2]
        assert "copy.file_name" in [b.key for b in runtime.relied.assumed()]


@pytest.mark.parametrize("key", ["QueryParameters.page", "QueryParameters['page']"])
def test_range_on_a_named_query_parameter(tmp_path, key):
    with Server(paged()) as server:
        root = rest_factory(tmp_path, server.url, {"paginationRules": {key: "RANGE:1::1", "EndCondition:$.items": "Empty"}},
                            relative="items", translator={"collectionReference": "$.items"})
        runtime, result, storage = copy_run(root)
        assert landed(storage, result) == ITEMS
        assert pages_requested(server) == ["1", "2", "3", "4", "5", "6"]
        assert "rest.range_named" in [b.key for b in runtime.relied.assumed()]


def test_a_copy_failing_mid_way_writes_nothing(tmp_path):
    def route(method, path, headers, body):
        page = int(parse_qs(urlsplit(path).query)["page"][0])
        return json_reply({"items": [{"page": page}]}) if page < 3 else (500, {}, b"oops")

    with Server(route) as server:
        root = rest_factory(tmp_path, server.url, {"paginationRules": {"QueryParameters.{page}": "RANGE:1::1"}},
                            relative="items?page={page}", translator={"collectionReference": "$.items"})
        runtime, result, storage = copy_run(root)
        record = records(result, "Copy")[0]
        assert record.status == "Failed" and "500" in record.error["message"]
        assert record.output == {"rowsRead": 2, "rowsCopied": 0, "dataRead": record.output["dataRead"], "filesWritten": 0}
        assert not storage.path_for("acct", "raw", f"land/{result.run_id}", "out.json").exists()
        assert "copy.no_partial_file" in [b.key for b in runtime.relied.assumed()]


def test_an_empty_body_ends_the_sync_cleanly(tmp_path):
    def route(method, path, headers, body):
        page = int(parse_qs(urlsplit(path).query)["page"][0])
        return json_reply({"items": [{"page": page}]}) if page < 3 else (200, {"Content-Type": "application/json"}, b"")

    with Server(route) as server:
        root = rest_factory(tmp_path, server.url, {"paginationRules": {"QueryParameters.{page}": "RANGE:1::1"}},
                            relative="items?page={page}", translator={"collectionReference": "$.items"})
        runtime, result, storage = copy_run(root)
        assert result.status == "Succeeded"
        assert [r["page"] for r in landed(storage, result)] == [1, 2]
        assert len(server.requests) == 3
        assert "rest.empty_body" in [b.key for b in runtime.relied.assumed()]


def test_max_rows_per_file_splits_delimited_text_for_fan_out(tmp_path):
    translator = {"collectionReference": "$.items", "mappings": [{"source": {"path": "['id']"}, "sink": {"name": "id"}}]}
    with Server(lambda m, p, h, b: json_reply({"items": ITEMS})) as server:
        sink = {"type": "DelimitedTextSink", "formatSettings": {"type": "DelimitedTextWriteSettings", "maxRowsPerFile": 10,
                                                               "fileNamePrefix": "keys", "fileExtension": ".txt"}}
        root = rest_factory(tmp_path, server.url, {}, translator=translator, sink_dataset="ds_csv", sink=sink)
        runtime, result, storage = copy_run(root)
        assert result.status == "Succeeded", result.error
        folder = storage.path_for("acct", "raw", "csv", None)
        files = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        assert files == ["keys_00000.txt", "keys_00001.txt", "keys_00002.txt"]
        settings = {"columnDelimiter": ",", "firstRowAsHeader": True}
        ids = [int(r["id"]) for f in files for r in formats.read_records(folder / f, "DelimitedText", settings)]
        assert ids == list(range(23))
        assert records(result, "Copy")[0].output["filesWritten"] == 3
        assert runtime.rows_by_sink == {"acct/raw/csv/keys_*": 23}
