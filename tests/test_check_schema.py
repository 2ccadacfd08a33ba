"""Schema validation: type dispatch with readable paths, ADF's leniency, and locating the schema (dir, cache, download)."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

import pytest

from adfgen.check import schema as schema_module
from adfgen.check.schema import SchemaUnavailable, load_schema_validator
from adfgen.core.resources import Resource
from tests.check_support import SCHEMA_DIR


@pytest.fixture(scope="module")
def validator():
    return load_schema_validator(SCHEMA_DIR)


def messages(validator, kind, properties):
    return [f"{f.json_path}: {f.message}" for f in validator.validate(Resource(kind, "x", properties))]


def test_activity_errors_name_the_matched_type_and_field(validator):
    found = messages(validator, "pipeline", {"activities": [
        {"name": "Wait", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
        {"name": "Wait", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
        {"name": "Get Token", "type": "WebActivity", "typeProperties": {"method": "GET"}}]})
    assert found == ['activities[2] (WebActivity "Get Token").typeProperties: \'url\' is a required property']


def test_nested_unions_dispatch_too(validator):
    found = messages(validator, "pipeline", {"activities": [{"name": "Each", "type": "ForEach", "typeProperties": {
        "items": {"value": "@createArray(1)", "type": "Expression"}, "batchCount": 80,
        "activities": [{"name": "c", "type": "Copy", "typeProperties": {
            "source": {"type": "RestSource"}, "sink": {"type": "JsonSnk"}}}]}}]})
    assert any("batchCount: 80 is greater than the maximum of 50" in m for m in found)
    unknown = [m for m in found if "JsonSnk" in m]
    assert unknown and "did you mean 'JsonSink'" in unknown[0]
    assert unknown[0].startswith('activities[0] (ForEach "Each").typeProperties.activities[0] (Copy "c")')


def test_unknown_type_lists_closest_choices_first(validator):
    findings = validator.validate(Resource("pipeline", "x", {"activities": [{"name": "a", "type": "WebActvity"}]}))
    assert len(findings) == 1 and findings[0].kind == "unknown-type"
    assert "expected one of WebActivity," in findings[0].message


@pytest.mark.parametrize("kind,properties", [
    ("pipeline", {"parameters": {"p": {"type": "string"}, "q": {"type": "bool"}, "r": {"type": "int"}},
                  "variables": {"b": {"type": "Boolean"}, "i": {"type": "Integer"}}, "activities": []}),
    ("pipeline", {"concurrency": "[parameters('c')]", "activities": []}),
    ("pipeline", {"activities": [{"name": "d", "type": "ExecuteDataFlow", "typeProperties": {
        "dataflow": {"referenceName": "df", "type": "DataFlowReference"}}}]}),
    ("pipeline", {"activities": [{"name": "s", "type": "SqlServerStoredProcedure", "policy": {"retryIntervalInSeconds": 5},
                                  "typeProperties": {"storedProcedureName": "p"}}]}),
    ("linkedService", {"type": "AzureSqlDatabase", "typeProperties": {
        "server": "s", "database": "d", "password": {"type": "SecureString", "value": "**********"}}}),
    ("trigger", {"type": "TumblingWindowTrigger", "typeProperties": {
        "frequency": "Minute", "interval": 15, "startTime": "2021-05-12T12:00:00Z", "maxConcurrency": 5}}),
    ("linkedService", {"type": "restservice", "typeProperties": {"url": "https://x", "authenticationType": "anonymous"}}),
])
def test_leniency_where_adf_accepts_more_than_the_schema(validator, kind, properties):
    assert messages(validator, kind, properties) == []


@pytest.mark.parametrize("kind,properties,expected", [
    ("pipeline", {"parameters": {"p": {"type": "Strng"}}}, "parameters.p.type: 'Strng' is not one of"),
    ("pipeline", {"concurrency": 0}, "concurrency: 0 is less than the minimum of 1"),
    ("linkedService", {"type": "RestService", "typeProperties": {"url": "https://x"}},
     "typeProperties: 'authenticationType' is a required property"),
    ("dataset", {"type": "Json", "typeProperties": {"location": {"type": "AzureBlobFSLocation"}}},
     ": 'linkedServiceName' is a required property"),
    ("trigger", {"type": "ScheduleTrigger", "typeProperties": {"recurrence": {"frequency": "Dai", "interval": 1}}},
     "typeProperties.recurrence.frequency: 'Dai' is not one of"),
])
def test_real_violations_are_reported(validator, kind, properties, expected):
    assert any(expected in m for m in messages(validator, kind, properties)), messages(validator, kind, properties)


def test_validator_is_built_once(validator):
    assert load_schema_validator(SCHEMA_DIR) is validator


# ---------------------------------------------------------------- locating the schema

@pytest.fixture()
def schema_server():
    """A local HTTP server that serves the shared schema files (tests never touch the real network)."""
    hits: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            hits.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(SCHEMA_DIR)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield base, hits
    server.shutdown()
    server.server_close()


@pytest.fixture()
def isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ADFGEN_SCHEMA_DIR", raising=False)
    schema_module._load.cache_clear()
    yield tmp_path / "cache" / "adfgen" / "schemas" / "2018-06-01"
    schema_module._load.cache_clear()


def test_downloads_once_into_the_cache_with_a_manifest(isolated, schema_server, monkeypatch):
    base, hits = schema_server
    monkeypatch.setattr(schema_module, "SOURCES", {n: f"{base}/{n}" for n in schema_module.FILES})
    validator = load_schema_validator()
    assert validator.validate(Resource("pipeline", "x", {"activities": []})) == []
    manifest = json.loads((isolated / "manifest.json").read_text())
    assert set(manifest["sha256"]) == set(schema_module.FILES)
    assert len(hits) == 2
    schema_module._load.cache_clear()
    load_schema_validator()  # a new process: reads the cache, no download
    assert len(hits) == 2


def test_corrupt_cache_is_downloaded_again(isolated, schema_server, monkeypatch):
    base, hits = schema_server
    monkeypatch.setattr(schema_module, "SOURCES", {n: f"{base}/{n}" for n in schema_module.FILES})
    load_schema_validator()
    (isolated / "definitions.json").write_text("{}", encoding="utf-8")
    schema_module._load.cache_clear()
    load_schema_validator()
    assert len(hits) == 4


def test_download_of_the_wrong_document_is_refused(isolated, schema_server, monkeypatch):
    base, _ = schema_server
    monkeypatch.setattr(schema_module, "SOURCES", {n: f"{base}/definitions.json" for n in schema_module.FILES})
    with pytest.raises(SchemaUnavailable, match="is not https://schema.management.azure.com"):
        load_schema_validator()
    assert not (isolated / "manifest.json").exists()


def test_no_network_and_no_cache_is_one_clear_line(isolated, monkeypatch):
    monkeypatch.setattr(schema_module, "SOURCES", {n: "http://127.0.0.1:9/x.json" for n in schema_module.FILES})
    with pytest.raises(SchemaUnavailable) as info:
        load_schema_validator()
    message = str(info.value)
    assert "\n" not in message and "--schema-dir" in message and str(isolated) in message


def test_environment_variable_points_at_a_local_copy(isolated, monkeypatch):
    monkeypatch.setenv("ADFGEN_SCHEMA_DIR", str(SCHEMA_DIR))
    assert load_schema_validator().validate(Resource("pipeline", "x", {"concurrency": 0}))


def test_bad_schema_dir_is_reported(isolated, tmp_path):
    with pytest.raises(SchemaUnavailable, match="not usable"):
        load_schema_validator(Path(tmp_path))


# ---------------------------------------------------------------- a schema must be whole (review point 2)

def _hollow_dir(root: Path, drop: str | None = None) -> Path:
    """A schema folder whose ADF file has the right id but no definitions (or the real one minus `drop`)."""
    root.mkdir(parents=True, exist_ok=True)
    if drop is None:
        adf = {"id": schema_module.ADF_URI, "definitions": {}}
    else:
        adf = json.loads((SCHEMA_DIR / schema_module.ADF_FILE).read_text(encoding="utf-8"))
        del adf["definitions"][drop]
    (root / schema_module.ADF_FILE).write_text(json.dumps(adf), encoding="utf-8")
    (root / schema_module.COMMON_FILE).write_bytes((SCHEMA_DIR / schema_module.COMMON_FILE).read_bytes())
    return root


@pytest.mark.parametrize("drop,message", [
    (None, "lacks the definitions Activity, Dataset, LinkedService, Pipeline, Trigger"),
    ("WebActivityTypeProperties", "refers to missing definitions: #/definitions/WebActivityTypeProperties"),
])
def test_a_hollow_schema_dir_is_refused(isolated, tmp_path, drop, message):
    with pytest.raises(SchemaUnavailable, match=message):
        load_schema_validator(_hollow_dir(tmp_path / "hollow", drop))


def test_a_hollow_schema_from_the_environment_is_refused(isolated, tmp_path, monkeypatch):
    monkeypatch.setenv("ADFGEN_SCHEMA_DIR", str(_hollow_dir(tmp_path / "hollow")))
    with pytest.raises(SchemaUnavailable, match="lacks the definitions"):
        load_schema_validator()


def test_a_hollow_cache_is_refreshed_and_a_hollow_download_refused(isolated, tmp_path, monkeypatch):
    import hashlib

    hollow = _hollow_dir(isolated)  # a cache with a matching manifest, as an older adfgen could have left it
    manifest = {"sha256": {n: hashlib.sha256((hollow / n).read_bytes()).hexdigest() for n in schema_module.FILES}}
    (hollow / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    served = _hollow_dir(tmp_path / "served")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        monkeypatch.setattr(schema_module, "SOURCES", {n: f"{base}/{n}" for n in schema_module.FILES})
        with pytest.raises(SchemaUnavailable, match="lacks the definitions"):
            load_schema_validator()
    finally:
        server.shutdown()
        server.server_close()


def test_a_hollow_schema_is_a_notice_and_the_other_rules_run(isolated, tmp_path, capsys):
    from adfgen.cli import main
    from tests.check_support import write_factory

    header = {"Authorization": {"value": "@concat('Bearer ', pipeline().parameters.ApiToken)", "type": "Expression"}}
    folder = write_factory(tmp_path / "adf", {"pipeline/pl": {"parameters": {"ApiToken": {"type": "String"}},
                                                              "activities": [{"name": "W", "type": "WebActivity",
                                                                              "policy": {"secureInput": True},
                                                                              "typeProperties": {
                                                                                  "method": "GET", "url": "https://x",
                                                                                  "headers": header}}]}})
    code = main(["check", "--schema-dir", str(_hollow_dir(tmp_path / "hollow")), "-o", "json", str(folder)])
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert code == 1  # an unusable schema fails the gate (issue 15); the other rules still run
    assert "error: schema directory" in captured.err and "lacks the definitions" in captured.err
    assert [f["code"] for f in doc["findings"]] == ["SE005"]  # no SC002 "internal error"


@pytest.fixture()
def cut_off_server():
    """Serves ADF's schema with a Content-Length longer than the body, then hangs up (IncompleteRead)."""
    body = (SCHEMA_DIR / schema_module.ADF_FILE).read_bytes()[:1000]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) * 10))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_cut_off_download_is_a_notice_and_leaves_no_cache(isolated, cut_off_server, monkeypatch):
    monkeypatch.setattr(schema_module, "SOURCES", {n: f"{cut_off_server}/{n}" for n in schema_module.FILES})
    with pytest.raises(SchemaUnavailable, match="download .* failed") as info:
        load_schema_validator()
    assert "IncompleteRead" in str(info.value) or "incomplete" in str(info.value).lower()
    assert not isolated.exists() or list(isolated.iterdir()) == []


def test_a_crash_before_the_manifest_leaves_a_cache_that_reads_as_empty(isolated, schema_server, monkeypatch):
    """The manifest goes last and atomically: a cache cut off before it is downloaded again, never half-used."""
    base, hits = schema_server
    monkeypatch.setattr(schema_module, "SOURCES", {n: f"{base}/{n}" for n in schema_module.FILES})
    real_replace = schema_module.os.replace

    def crash_on_manifest(src, dst):
        if Path(dst).name == "manifest.json":
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(schema_module.os, "replace", crash_on_manifest)
    with pytest.raises(SchemaUnavailable, match="No space left"):
        load_schema_validator()
    assert sorted(p.name for p in isolated.iterdir()) == sorted(schema_module.FILES)  # no temp file left behind
    assert schema_module._read_cache(isolated) is None
    monkeypatch.setattr(schema_module.os, "replace", real_replace)
    schema_module._load.cache_clear()
    assert load_schema_validator().validate(Resource("pipeline", "x", {"activities": []})) == []
    assert len(hits) == 4


def test_one_message_per_json_path(validator):
    assert messages(validator, "pipeline", {"activities": [1]}) == ["activities[0]: 1 is not of type 'object'"]


# ---------------------------------------------------------------- known schema deviations (schema_deviations.py)

from adfgen.check.schema_deviations import DEVIATIONS  # noqa: E402


@pytest.fixture(scope="module")
def published_and_relaxed():
    """Validators over the published schema as downloaded and over the relaxed one."""
    import copy

    adf = json.loads((SCHEMA_DIR / schema_module.ADF_FILE).read_text(encoding="utf-8"))
    common = json.loads((SCHEMA_DIR / schema_module.COMMON_FILE).read_text(encoding="utf-8"))
    raw = copy.deepcopy(adf)
    original = schema_module.relax_schema
    try:
        schema_module.relax_schema = lambda doc: doc  # the published schema, unrelaxed
        published = schema_module.SchemaValidator(raw, common)
    finally:
        schema_module.relax_schema = original
    return published, schema_module.SchemaValidator(copy.deepcopy(adf), common)


@pytest.mark.parametrize("deviation", DEVIATIONS, ids=[d.key for d in DEVIATIONS])
def test_each_deviation_relaxes_exactly_what_it_says(published_and_relaxed, deviation):
    published, relaxed = published_and_relaxed
    assert published.validate_definition(deviation.definition, deviation.accepted), \
        f"{deviation.key}: the published schema already accepts the example; the deviation is obsolete"
    assert relaxed.validate_definition(deviation.definition, deviation.accepted) == []
    assert relaxed.validate_definition(deviation.definition, deviation.rejected), \
        f"{deviation.key}: the relaxed schema accepts its 'still rejected' example"


def test_every_deviation_has_a_source_and_applies():
    adf = json.loads((SCHEMA_DIR / schema_module.ADF_FILE).read_text(encoding="utf-8"))
    from adfgen.check.schema_deviations import apply_deviations

    assert apply_deviations(adf) == [d.key for d in DEVIATIONS]
    for deviation in DEVIATIONS:
        assert deviation.evidence in ("documented", "observed")
        if deviation.evidence == "documented":
            assert deviation.source.startswith("https://learn.microsoft.com/azure/data-factory/")


def test_an_inactive_activity_is_not_validated(tmp_path, validator):
    """Documented: ADF excludes inactive activities from validation (deactivate-activity)."""
    from tests.check_support import check_example

    broken = {"name": "Old Call", "type": "WebActivity", "state": "Inactive", "onInactiveMarkAs": "Succeeded",
              "typeProperties": {"method": "GET"}}  # no url: required
    findings = check_example(tmp_path / "a", {"pipeline/pl": {"activities": [broken]}}, validator)
    assert [f for f in findings if f.severity == "error"] == []
    active = dict(broken, state="Active")
    findings = check_example(tmp_path / "b", {"pipeline/pl": {"activities": [active]}}, validator)
    assert [f.code for f in findings if f.severity == "error"] == ["SC002"]
