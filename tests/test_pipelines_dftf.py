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


def evaluate(framework, pipeline: str, outputs: dict, parameters: dict | None = None, failed: set | None = None):
    """Walk a pipeline, feeding each activity's output; returns the evaluated activities by name, in order.

    DFTF does not fail an If whose Fail activity ran, so a Fail ends the walk here (as it ends the run in ADF);
    a walk that stops because a failed activity leaves nothing to run ends normally."""
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


def test_worker_copies_with_bearer_tenant_watermark_and_pagination(framework):
    seen = evaluate(framework, "pl_xero_invoices", _worker_outputs(int(time.time()) + 3600),
                    parameters={"Watermark": "2024-03-05T07:08:09Z"}, failed={"Read Watermark"})
    assert "Refresh Token" not in seen  # the stored token is fresh: no refresh
    copy = seen["Copy invoices"]
    source = copy.type_properties["source"]
    headers = {k: value(v) for k, v in source["additionalHeaders"].items()}
    assert headers == {"Accept": "application/json", "Authorization": "Bearer at-123",
                       "xero-tenant-id": "tenant-42", "If-Modified-Since": "2024-03-05T07:08:09"}
    assert source["paginationRules"] == {"QueryParameters.{page}": "RANGE:1::1",
                                         "EndCondition:$.Invoices": "Empty", "MaxRequestNumber": "1000"}
    assert source["requestInterval"] == "00:00:05.000"  # 5 lanes sharing 60 requests a minute
    (source_ref,) = copy.all_properties["inputs"]
    assert value(source_ref["parameters"]["BaseUrl"]) == "https://api.xero.com/api.xro/2.0"
    assert value(source_ref["parameters"]["RelativeUrl"]) == "Invoices?page={page}&pageSize=100"
    (sink_ref,) = copy.all_properties["outputs"]
    assert value(sink_ref["parameters"]["FolderPath"]) == "xero/invoices/run-0001"
    assert value(sink_ref["parameters"]["FileName"]) == "invoices.json"
    assert copy.all_properties["typeProperties"]["translator"]["collectionReference"] == "$['Invoices']"


def test_worker_refreshes_only_when_the_token_is_near_expiry(framework):
    seen = evaluate(framework, "pl_xero_contacts", _worker_outputs(int(time.time()) + 60))
    refresh = seen["Refresh Token"]
    assert refresh.type_properties["pipeline"]["referenceName"] == "pl_xero_refresh"
    assert value(refresh.type_properties["parameters"]["KeyVaultUrl"]) == KEY_VAULT
    assert list(seen).index("Refresh Token") < list(seen).index("Get Access Token") < list(seen).index("Copy contacts")


def test_worker_refreshes_when_the_expiry_cannot_be_read(framework):
    outputs = {"Get Access Token": {"value": "at"}, "Get xero-tenant-id": {"value": "tenant"}}
    seen = evaluate(framework, "pl_xero_payments", outputs, failed={"Read Token Expiry"})
    assert "Refresh Token" in seen and "Copy payments" in seen


def test_child_worker_fans_out_over_parent_keys(framework):
    outputs = _worker_outputs(int(time.time()) + 3600)
    outputs["Lookup Parent Keys"] = {"count": 2, "value": [{"projectId": "p-1"}, {"projectId": "p 2"}]}
    seen = evaluate(framework, "pl_xero_project_tasks", outputs, parameters={"BatchId": "batch-9"})
    lookup = seen["Lookup Parent Keys"].type_properties["dataset"]["parameters"]
    assert value(lookup["FolderPath"]) == "xero/projects/batch-9"
    assert value(lookup["FileName"]) == "projects.json"
    copy = seen["Copy project_tasks"]
    (source_ref,) = copy.all_properties["inputs"]
    # the last iteration's values remain on the evaluated activity
    assert value(source_ref["parameters"]["RelativeUrl"]) == "Projects/p%202/Tasks?page={page}&pageSize=500"
    assert value(source_ref["parameters"]["BaseUrl"]) == "https://api.xero.com/projects.xro/2.0"
    assert value(copy.all_properties["outputs"][0]["parameters"]["FileName"]) == "project_tasks_p 2.json"


def test_unpaged_worker_makes_one_request(framework):
    seen = evaluate(framework, "pl_xero_accounts", _worker_outputs(int(time.time()) + 3600))
    rules = seen["Copy accounts"].type_properties["source"]["paginationRules"]
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
    outputs = {"Read Token Expiry": {"attributes": {"exp": int(time.time()) + 3600}},
               "Get Access Token": {"value": "sn-at"}}
    seen = evaluate(mixed_framework, "PL_servicenow_incidents", outputs,
                    parameters={"Watermark": "2024-02-03T04:05:06Z"})
    copy = seen["Copy incidents"]
    (source_ref,) = copy.all_properties["inputs"]
    assert value(source_ref["parameters"]["RelativeUrl"]) == (
        "table/incident?sysparm_offset={offset}&sysparm_limit=1000&sysparm_query_since=2024-02-03%2004%3A05%3A06")
    assert copy.type_properties["source"]["paginationRules"]["QueryParameters.{offset}"] == "RANGE:0::1000"
    assert value(copy.type_properties["source"]["additionalHeaders"]["Authorization"]) == "Bearer sn-at"
    assert copy.type_properties["source"]["requestInterval"] == "00:00:00.500"  # 120 a minute, one lane
    (sink_ref,) = copy.all_properties["outputs"]
    assert value(sink_ref["parameters"]["FileName"]) == "incidents.parquet"


def test_sql_sink_worker_writes_to_the_staging_table(mixed_framework):
    outputs = {"Read Token Expiry": {"attributes": {"exp": int(time.time()) + 3600}},
               "Get Access Token": {"value": "hs-at"}}
    seen = evaluate(mixed_framework, "PL_hubspot_contacts", outputs)
    copy = seen["Copy contacts"]
    (sink_ref,) = copy.all_properties["outputs"]
    assert sink_ref["referenceName"] == "DS_staging_table"
    assert {k: value(v) for k, v in sink_ref["parameters"].items()} == {"SchemaName": "staging",
                                                                       "TableName": "hubspot_contacts"}
    assert value(copy.all_properties["inputs"][0]["parameters"]["RelativeUrl"]) == "crm/v3/objects/contacts?limit=100"


def test_fan_out_checks_the_token_before_every_parent_record(framework, dftf):
    from data_factory_testing_framework.state import DependencyCondition, RunParameter, RunParameterType

    order = []
    pipeline = framework.get_pipeline_by_name("pl_xero_project_time")
    params = [RunParameter(RunParameterType.System, "RunId", "r"), RunParameter(RunParameterType.Pipeline, "BatchId", "b")]
    expiries = iter([int(time.time()) + 3600, int(time.time()) + 30, int(time.time()) + 3600])
    for activity in framework.evaluate_pipeline(pipeline, params):
        order.append(activity.name)
        outputs = {"Lookup Parent Keys": {"value": [{"projectId": "a"}, {"projectId": "b"}, {"projectId": "c"}]},
                   "Get Access Token": {"value": "tok"}, "Get xero-tenant-id": {"value": "t"}}
        if activity.name == "Read Token Expiry":
            outputs["Read Token Expiry"] = {"attributes": {"exp": next(expiries)}}
        activity.set_result(DependencyCondition.SUCCEEDED, outputs.get(activity.name, {}))
    assert order.count("Read Token Expiry") == order.count("Get Access Token") == order.count("Copy project_time") == 3
    # only the second record found the token about to expire
    assert order.count("Refresh Token") == 1
    assert order.index("Refresh Token") > order.index("Copy project_time")


STORED = {"Read Watermark": {"firstRow": {"watermark": "2024-05-01T00:00:00Z"}}}


def test_controller_passes_only_its_watermark_parameter_on(framework):
    seen = evaluate(framework, "pl_xero_controller", {})
    assert "Read Watermark" not in seen and "Save Watermark" not in seen  # each worker keeps its own
    for worker in ("Run invoices", "Run contacts", "Run credit_notes"):
        assert value(seen[worker].type_properties["parameters"]["Watermark"]) == ""


def test_worker_sends_its_stored_watermark_and_stores_the_next_one_after_its_copy(framework):
    seen = evaluate(framework, "pl_xero_invoices", {**_worker_outputs(int(time.time()) + 3600), **STORED})
    lookup = seen["Read Watermark"].type_properties["dataset"]["parameters"]
    assert (value(lookup["FolderPath"]), value(lookup["FileName"])) == ("xero/_state", "invoices.json")
    headers = seen["Copy invoices"].type_properties["source"]["additionalHeaders"]
    assert value(headers["If-Modified-Since"]) == "2024-05-01T00:00:00"
    save = seen["Save Watermark"].type_properties
    assert value(save["url"]) == "https://stxerodev.blob.core.windows.net/raw/xero/_state/invoices.json"
    assert save["method"] == "PUT" and save["headers"]["x-ms-blob-type"] == "BlockBlob"
    assert save["authentication"] == {"type": "MSI", "resource": "https://storage.azure.com/"}
    assert list(seen).index("Save Watermark") > list(seen).index("Copy invoices")
    # the next run starts from this sync's start, less the lookback (1 h)
    started = value(seen["Note Sync Start"].type_properties["value"])
    stored = json.loads(value(save["body"]))["watermark"]
    from datetime import datetime, timedelta
    assert datetime.fromisoformat(stored.replace("Z", "+00:00")) == (
        datetime.fromisoformat(started.replace("Z", "+00:00")).replace(microsecond=0) - timedelta(hours=1))


def test_first_run_without_a_stored_watermark_loads_everything(framework):
    seen = evaluate(framework, "pl_xero_invoices", _worker_outputs(int(time.time()) + 3600), failed={"Read Watermark"})
    headers = seen["Copy invoices"].type_properties["source"]["additionalHeaders"]
    assert value(headers["If-Modified-Since"]) == "1900-01-01T00:00:00"
    assert "Save Watermark" in seen


def test_a_failed_copy_keeps_the_stored_watermark(framework):
    seen = evaluate(framework, "pl_xero_invoices", {**_worker_outputs(int(time.time()) + 3600), **STORED},
                    failed={"Copy invoices"})
    assert "Save Watermark" not in seen  # the failed window is loaded again next time


def test_the_watermark_parameter_overrides_the_stored_one_for_backfills(framework):
    seen = evaluate(framework, "pl_xero_invoices", {**_worker_outputs(int(time.time()) + 3600), **STORED},
                    parameters={"Watermark": "2020-01-01T00:00:00Z"})
    headers = seen["Copy invoices"].type_properties["source"]["additionalHeaders"]
    assert value(headers["If-Modified-Since"]) == "2020-01-01T00:00:00"
