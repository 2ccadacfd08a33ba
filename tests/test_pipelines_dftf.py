"""Generated pipelines evaluated by Microsoft's data-factory-testing-framework with realistic activity outputs."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from adfgen.build import build_factories, write_outputs

pytestmark = pytest.mark.dftf

SPEC = Path(__file__).resolve().parent.parent / "specs" / "xero.yaml"


@pytest.fixture(scope="module")
def framework(dftf, tmp_path_factory):
    """A TestFramework over a fresh build of the shipped Xero spec."""
    out = tmp_path_factory.mktemp("out")
    (build,) = build_factories([SPEC])
    write_outputs([build], out)
    return dftf.TestFramework(framework_type=dftf.TestFrameworkType.DataFactory,
                              root_folder_path=str(out / build.name), should_evaluate_child_pipelines=False)


def evaluate(framework, pipeline: str, outputs: dict, parameters: dict | None = None, failed: set | None = None,
             stop_at: str | None = None):
    """Walk a pipeline, feeding each activity's output; returns the evaluated activities by name, in order.

    DFTF does not fail an If whose Fail activity ran, so a Fail ends the walk here (as it ends the run in ADF);
    a walk that stops because a failed activity leaves nothing to run ends normally. `stop_at` ends the walk after
    that activity: DFTF cannot finish a chunk loop (it does not mark skipped activities), so the loop's behaviour
    is proven with `adfgen run` in test_data_safety_e2e.py, and here only the values of its first pass."""
    from data_factory_testing_framework.exceptions import NoRemainingPipelineActivitiesMeetDependencyConditionsError
    from data_factory_testing_framework.state import DependencyCondition, RunParameter, RunParameterType

    params = [RunParameter(RunParameterType.System, "RunId", "run-0001"),
              RunParameter(RunParameterType.System, "TriggerTime", "2024-06-01T06:00:00Z")]
    params += [RunParameter(RunParameterType.Pipeline, k, v) for k, v in (parameters or {}).items()]
    seen = {}
    try:
        for activity in framework.evaluate_pipeline(framework.get_pipeline_by_name(pipeline), list(params)):
            seen[activity.name] = activity
            if activity.type == "Fail":
                break
            if activity.name == stop_at:
                break
            status = DependencyCondition.FAILED if activity.name in (failed or set()) else DependencyCondition.SUCCEEDED
            activity.set_result(status, outputs.get(activity.name, {}))
    except NoRemainingPipelineActivitiesMeetDependencyConditionsError:
        if not failed:
            raise
    return seen


def value(element):
    """An evaluated DataFactoryElement's result, or the literal itself."""
    return getattr(element, "result", element)


KEY_VAULT = "https://kv-xero-dev.vault.azure.net/"


def test_refresh_posts_basic_auth_and_saves_refresh_token_before_access_token(framework):
    outputs = {
        "Get Client Id": {"value": "client-id-1"},
        "Get Client Secret": {"value": "s3cr:et"},
        "Get Refresh Token": {"value": "rt/old+1"},
        "Request Token": {"access_token": 'at-"quoted"\\x', "refresh_token": "rt-new", "expires_in": 1800},
    }
    before = int(time.time())
    seen = evaluate(framework, "pl_xero_refresh", outputs)
    assert list(seen) == ["Get Client Id", "Get Client Secret", "Get Refresh Token", "Note Request Time",
                          "Request Token", "Save Refresh Token", "Save Access Token"]
    assert value(seen["Get Refresh Token"].type_properties["url"]) == (
        KEY_VAULT + "secrets/xero-refresh-token?api-version=7.4")
    request = seen["Request Token"].type_properties
    assert value(request["url"]) == "https://identity.xero.com/connect/token"
    assert value(request["headers"]["Authorization"]) == "Basic " + base64.b64encode(b"client-id-1:s3cr:et").decode()
    assert value(request["body"]) == "grant_type=refresh_token&refresh_token=rt%2Fold%2B1"
    saved_refresh = json.loads(value(seen["Save Refresh Token"].type_properties["body"]))
    assert saved_refresh == {"value": "rt-new"}
    assert value(seen["Save Refresh Token"].type_properties["url"]).endswith("secrets/xero-refresh-token?api-version=7.4")
    saved_access = json.loads(value(seen["Save Access Token"].type_properties["body"]))
    assert saved_access["value"] == 'at-"quoted"\\x'  # a quote or backslash in a token must not break the JSON
    assert before + 1800 <= saved_access["attributes"]["exp"] <= int(time.time()) + 1800


def test_refresh_fails_with_only_the_providers_error_when_the_reply_has_no_token(framework):
    outputs = {"Get Client Id": {"value": "id"}, "Get Client Secret": {"value": "secret"},
               "Get Refresh Token": {"value": "rt-still-valid"},
               "Request Token": {"error": "invalid_code", "error_description": "code expired", "trace": "x-secret"}}
    seen = evaluate(framework, "pl_xero_refresh", outputs)
    assert "Save Refresh Token" not in seen and "Save Access Token" not in seen  # Key Vault untouched
    message = value(seen["Token Reply Refused"].type_properties["message"])
    assert "invalid_code" in message and "code expired" in message and "x-secret" not in message


def test_refresh_of_a_rotating_api_refuses_a_reply_without_a_refresh_token(framework):
    outputs = {"Get Client Id": {"value": "id"}, "Get Client Secret": {"value": "secret"},
               "Get Refresh Token": {"value": "rt-old"}, "Request Token": {"access_token": "at"}}
    seen = evaluate(framework, "pl_xero_refresh", outputs)
    assert "Token Reply Refused" in seen and "Save Refresh Token" not in seen


def _worker_outputs(exp: int) -> dict:
    return {"Read Token Expiry": {"value": "at-old", "attributes": {"exp": exp}},
            "Get Access Token": {"value": "at-123"}, "Get xero-tenant-id": {"value": "tenant-42"}}


def first_chunk(framework, pipeline: str, outputs: dict, **kwargs):
    """The activities of a worker up to (and including) its first Copy Chunk."""
    seen = evaluate(framework, pipeline, outputs, stop_at="Copy Chunk", **kwargs)
    assert "Copy Chunk" in seen, list(seen)
    return seen


def test_worker_copies_with_bearer_tenant_watermark_and_a_chunk_of_pages_the_token_covers(framework):
    exp = int(time.time()) + 3600
    seen = first_chunk(framework, "pl_xero_invoices", {**_worker_outputs(exp), "Get Access Token": {
        "value": "at-123", "attributes": {"exp": exp}}}, parameters={"Watermark": "2024-03-05T07:08:09Z"},
        failed={"Read Watermark"})
    assert "Refresh Token" not in seen  # the stored token is fresh: no refresh
    copy = seen["Copy Chunk"]
    assert copy.policy["retry"] == 0  # the loop retries, from this chunk
    source = copy.type_properties["source"]
    headers = {k: value(v) for k, v in source["additionalHeaders"].items()}
    assert headers == {"Accept": "application/json", "Authorization": "Bearer at-123",
                       "xero-tenant-id": "tenant-42", "If-Modified-Since": "2024-03-05T07:08:09"}
    # pages the token covers: (3600 s left - 300 s margin) / (5.1 s pacing, rounded up + 30 s request timeout) = 91
    rules = {k: value(v) for k, v in source["paginationRules"].items()}
    pages = (3600 - 300) // (6 + 30)
    assert rules == {"QueryParameters.{page}": f"RANGE:1:{pages}:1", "EndCondition:$.Invoices": "Empty",
                     "MaxRequestNumber": str(pages)}
    assert source["requestInterval"] == "00:00:05.100"  # 5 lanes sharing 60 requests a minute, 2% headroom
    (source_ref,) = copy.all_properties["inputs"]
    assert value(source_ref["parameters"]["BaseUrl"]) == "https://api.xero.com/api.xro/2.0"
    assert value(source_ref["parameters"]["RelativeUrl"]) == "Invoices?page={page}&pageSize=100"
    (sink_ref,) = copy.all_properties["outputs"]
    assert value(sink_ref["parameters"]["FolderPath"]) == "xero/invoices/run-0001"
    assert value(sink_ref["parameters"]["FileName"]) == "invoices_0.json"  # one file per chunk
    assert copy.all_properties["typeProperties"]["translator"]["collectionReference"] == "$['Invoices']"


def test_a_token_with_little_life_left_gets_a_one_page_chunk(framework):
    exp = int(time.time()) + 300 + 20  # just above the margin: not refreshed, but good for less than one page
    seen = first_chunk(framework, "pl_xero_payments", {**_worker_outputs(exp), "Get Access Token": {
        "value": "at", "attributes": {"exp": exp}}}, failed={"Read Watermark"})
    rules = {k: value(v) for k, v in seen["Copy Chunk"].type_properties["source"]["paginationRules"].items()}
    assert rules["QueryParameters.{page}"] == "RANGE:1:1:1" and rules["MaxRequestNumber"] == "1"


def test_worker_refreshes_only_when_the_token_is_near_expiry(framework):
    seen = first_chunk(framework, "pl_xero_contacts", _worker_outputs(int(time.time()) + 60), failed={"Read Watermark"})
    refresh = seen["Refresh Token"]
    assert refresh.type_properties["pipeline"]["referenceName"] == "pl_xero_refresh"
    assert value(refresh.type_properties["parameters"]["KeyVaultUrl"]) == KEY_VAULT
    assert list(seen).index("Refresh Token") < list(seen).index("Get Access Token") < list(seen).index("Copy Chunk")


def test_worker_refreshes_when_the_expiry_cannot_be_read(framework):
    outputs = {"Get Access Token": {"value": "at"}, "Get xero-tenant-id": {"value": "tenant"}}
    seen = first_chunk(framework, "pl_xero_payments", outputs, failed={"Read Token Expiry", "Read Watermark"})
    assert "Refresh Token" in seen
    # no expiry known: a one-page chunk
    rules = seen["Copy Chunk"].type_properties["source"]["paginationRules"]
    assert value(rules["MaxRequestNumber"]) == "1"


def test_child_endpoint_runs_one_pipeline_per_parent_file_and_one_chunk_loop_per_parent(framework):
    seen = evaluate(framework, "pl_xero_project_tasks",
                    {"List Parent Files": {"childItems": [{"name": "projects_0.json", "type": "File"},
                                                          {"name": "projects_10.json", "type": "File"}]}},
                    parameters={"BatchId": "batch-9"})
    listing = seen["List Parent Files"].type_properties["dataset"]["parameters"]
    assert value(listing["FolderPath"]) == "xero/projects/batch-9"
    run = seen["Run Per File"].type_properties  # the last iteration's values remain on the evaluated activity
    assert run["pipeline"]["referenceName"] == "pl_xero_project_tasks_file"
    assert value(run["parameters"]["FileName"]) == "projects_10.json"

    seen = evaluate(framework, "pl_xero_project_tasks_file",
                    {"Read Parent Keys": {"count": 2, "value": [{"projectId": "p-1"}, {"projectId": "p 2"}]}},
                    parameters={"BatchId": "batch-9", "FileName": "projects_0.json"})
    keys = seen["Extract Keys"]  # keys only, into a CSV file the Lookup reads (whole records could pass 4 MB)
    (source_ref,) = keys.all_properties["inputs"]
    assert value(source_ref["parameters"]["FileName"]) == "projects_0.json"
    assert keys.type_properties["translator"]["mappings"] == [
        {"source": {"path": "$['projectId']"}, "sink": {"name": "projectId"}}]
    read = seen["Read Parent Keys"].type_properties
    assert read["dataset"]["referenceName"] == "ds_lake_csv"
    assert value(read["dataset"]["parameters"]["FolderPath"]) == "xero/_keys/project_tasks/batch-9"
    assert value(read["dataset"]["parameters"]["FileName"]) == "projects_0.json.csv"
    assert "Too Many Parents" not in seen
    run = seen["Run Per Parent"].type_properties
    assert run["pipeline"]["referenceName"] == "pl_xero_project_tasks_pages"
    assert value(run["parameters"]["ParentKey"]) == "p 2"

    seen = first_chunk(framework, "pl_xero_project_tasks_pages", _worker_outputs(int(time.time()) + 3600),
                       parameters={"BatchId": "batch-9", "ParentKey": "p 2"})
    copy = seen["Copy Chunk"]
    (source_ref,) = copy.all_properties["inputs"]
    assert value(source_ref["parameters"]["RelativeUrl"]) == "Projects/p%202/Tasks?page={page}&pageSize=500"
    assert value(source_ref["parameters"]["BaseUrl"]) == "https://api.xero.com/projects.xro/2.0"
    assert value(copy.all_properties["outputs"][0]["parameters"]["FileName"]) == "project_tasks_p 2_0.json"


def test_a_parent_file_that_may_hold_more_than_a_lookup_returns_fails(framework):
    seen = evaluate(framework, "pl_xero_project_time_file",
                    {"Read Parent Keys": {"count": 5000, "value": [{"projectId": "p"}] * 5000}},
                    parameters={"BatchId": "b", "FileName": "projects_0.json"})
    assert "projects_0.json" in value(seen["Too Many Parents"].type_properties["message"])


def test_unpaged_worker_makes_one_request(framework):
    seen = first_chunk(framework, "pl_xero_accounts", _worker_outputs(int(time.time()) + 3600))
    rules = seen["Copy Chunk"].type_properties["source"]["paginationRules"]
    assert rules == {"SupportRFC5988": "false", "MaxRequestNumber": "1"}


def test_controller_runs_every_worker_and_fails_naming_the_failed_ones(framework):
    seen = evaluate(framework, "pl_xero_controller", {}, failed={"Run invoices", "Run projects"})
    runs = [name for name in seen if name.startswith("Run ")]
    assert len(runs) == 9  # a failure stops nothing
    assert "Fail Run" in seen
    assert value(seen["Fail Run"].type_properties["message"]) == "Workers failed: invoices projects"
    for name in runs:
        assert value(seen[name].type_properties["parameters"]["BatchId"]) == "run-0001"


def test_controller_succeeds_when_every_worker_succeeds(framework):
    seen = evaluate(framework, "pl_xero_controller", {}, parameters={"Watermark": "2024-01-01T00:00:00Z"})
    assert "Fail Run" not in seen
    assert value(seen["Run invoices"].type_properties["parameters"]["Watermark"]) == "2024-01-01T00:00:00Z"
    assert "Watermark" not in seen["Run projects"].type_properties["parameters"]


@pytest.fixture(scope="module")
def mixed_framework(dftf, tmp_path_factory):
    """A TestFramework over the HubSpot/Graph/ServiceNow spec used by the schema tests."""
    from tests.test_output_schema import SPEC_FILES

    root = tmp_path_factory.mktemp("mixed")
    spec = root / "mixed.yaml"
    spec.write_text(next(iter(SPEC_FILES.values())))
    (build,) = build_factories([spec])
    write_outputs([build], root / "out")
    return dftf.TestFramework(framework_type=dftf.TestFrameworkType.DataFactory,
                              root_folder_path=str(root / "out" / build.name), should_evaluate_child_pipelines=False)


def test_body_client_auth_refresh_sends_credentials_in_the_form(mixed_framework):
    outputs = {"Get Client Id": {"value": "id&1"}, "Get Client Secret": {"value": "p@ss word"},
               "Get Refresh Token": {"value": "rt"}, "Request Token": {"access_token": "at", "expires_in": 60}}
    seen = evaluate(mixed_framework, "PL_hubspot_refresh", outputs)
    request = seen["Request Token"].type_properties
    assert "Authorization" not in request["headers"]
    assert value(request["body"]) == ("grant_type=refresh_token&refresh_token=rt&client_id=id%261"
                                      "&client_secret=p%40ss%20word")
    # not rotating: the refresh token is never rewritten
    assert "Save Refresh Token" not in seen and "Save Access Token" in seen


def test_client_credentials_refresh_requests_the_scope_and_saves_only_the_access_token(mixed_framework):
    outputs = {"Get Client Id": {"value": "gid"}, "Get Client Secret": {"value": "gsecret"},
               "Request Token": {"access_token": "graph-at", "expires_in": 3599}}
    seen = evaluate(mixed_framework, "PL_graph_refresh", outputs)
    assert list(seen) == ["Get Client Id", "Get Client Secret", "Note Request Time", "Request Token",
                          "Save Access Token"]
    assert value(seen["Request Token"].type_properties["body"]) == (
        "grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
        "&client_id=gid&client_secret=gsecret")
    assert json.loads(value(seen["Save Access Token"].type_properties["body"]))["value"] == "graph-at"


def test_password_refresh_sends_the_user_credentials(mixed_framework):
    outputs = {"Get Client Id": {"value": "cid"}, "Get Client Secret": {"value": "cs"},
               "Get Username": {"value": "svc.user"}, "Get Password": {"value": "pa&ss"},
               "Request Token": {"access_token": "sn-at", "expires_in": 1800}}
    seen = evaluate(mixed_framework, "PL_servicenow_refresh", outputs)
    assert value(seen["Request Token"].type_properties["body"]) == (
        "grant_type=password&username=svc.user&password=pa%26ss&client_id=cid&client_secret=cs")


def test_offset_pagination_with_a_watermark_query_parameter(mixed_framework):
    exp = int(time.time()) + 3600
    outputs = {"Read Token Expiry": {"attributes": {"exp": exp}},
               "Get Access Token": {"value": "sn-at", "attributes": {"exp": exp}}}
    seen = first_chunk(mixed_framework, "PL_servicenow_incidents", outputs,
                       parameters={"Watermark": "2024-02-03T04:05:06Z"})
    copy = seen["Copy Chunk"]
    (source_ref,) = copy.all_properties["inputs"]
    assert value(source_ref["parameters"]["RelativeUrl"]) == (
        "table/incident?sysparm_query=sys_updated_on%3E%3D2024-02-03%2004%3A05%3A06%5EORDERBYsys_updated_on"
        "&sysparm_offset={offset}&sysparm_limit=1000")
    pages = (3600 - 300) // (1 + 100)  # token life less margin, over pacing (0.51 s, rounded up) plus timeout
    rules = {k: value(v) for k, v in copy.type_properties["source"]["paginationRules"].items()}
    assert rules["QueryParameters.{offset}"] == f"RANGE:0:{(pages - 1) * 1000}:1000"
    assert rules["MaxRequestNumber"] == str(pages)
    assert value(copy.type_properties["source"]["additionalHeaders"]["Authorization"]) == "Bearer sn-at"
    assert copy.type_properties["source"]["requestInterval"] == "00:00:00.510"  # 120 a minute, one lane, 2% headroom
    (sink_ref,) = copy.all_properties["outputs"]
    assert value(sink_ref["parameters"]["FileName"]) == "incidents_0.parquet"


def test_sql_sink_worker_writes_to_the_staging_table(mixed_framework):
    outputs = {"Read Token Expiry": {"attributes": {"exp": int(time.time()) + 3600}},
               "Get Access Token": {"value": "hs-at"}}
    seen = first_chunk(mixed_framework, "PL_hubspot_contacts", outputs)
    copy = seen["Copy Chunk"]
    (sink_ref,) = copy.all_properties["outputs"]
    assert sink_ref["referenceName"] == "DS_staging_table"
    assert {k: value(v) for k, v in sink_ref["parameters"].items()} == {"SchemaName": "staging",
                                                                       "TableName": "hubspot_contacts"}
    assert value(copy.all_properties["inputs"][0]["parameters"]["RelativeUrl"]) == "crm/v3/objects/contacts?limit=100"


STORED = {"Read Watermark": {"firstRow": {"watermark": "2024-05-01T00:00:00Z"}}}


def test_controller_passes_only_its_watermark_parameter_on(framework):
    seen = evaluate(framework, "pl_xero_controller", {})
    assert "Read Watermark" not in seen and "Save Watermark" not in seen  # each worker keeps its own
    for worker in ("Run invoices", "Run contacts", "Run credit_notes"):
        assert value(seen[worker].type_properties["parameters"]["Watermark"]) == ""


def test_worker_sends_its_stored_watermark(framework):
    seen = first_chunk(framework, "pl_xero_invoices", {**_worker_outputs(int(time.time()) + 3600), **STORED})
    lookup = seen["Read Watermark"].type_properties["dataset"]["parameters"]
    assert (value(lookup["FolderPath"]), value(lookup["FileName"])) == ("xero/_state", "invoices.json")
    headers = seen["Copy Chunk"].type_properties["source"]["additionalHeaders"]
    assert value(headers["If-Modified-Since"]) == "2024-05-01T00:00:00"


def test_first_run_without_a_stored_watermark_loads_everything(framework):
    seen = first_chunk(framework, "pl_xero_invoices", _worker_outputs(int(time.time()) + 3600), failed={"Read Watermark"})
    headers = seen["Copy Chunk"].type_properties["source"]["additionalHeaders"]
    assert value(headers["If-Modified-Since"]) == "1900-01-01T00:00:00"


def test_the_watermark_parameter_overrides_the_stored_one_for_backfills(framework):
    seen = first_chunk(framework, "pl_xero_invoices", {**_worker_outputs(int(time.time()) + 3600), **STORED},
                       parameters={"Watermark": "2020-01-01T00:00:00Z"})
    headers = seen["Copy Chunk"].type_properties["source"]["additionalHeaders"]
    assert value(headers["If-Modified-Since"]) == "2020-01-01T00:00:00"
