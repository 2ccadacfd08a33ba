"""The catalog's generated pipelines evaluated by Microsoft's data-factory-testing-framework: token requests with each
API's client authentication, and the first Copy of a worker with its placeholders filled and encoded as ADF sends them.

Expected values come from the catalog spec itself (its query templates, params, token URL) and from the API facts in
../shared/reference/source-apis.md, encoded with encodeURIComponent's rules (Python's quote with its safe set)."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import yaml

from adfgen.build import build_factories, write_outputs
from tests.test_pipelines_dftf import evaluate, first_chunk, value

pytestmark = pytest.mark.dftf

CATALOG = Path(__file__).resolve().parent.parent / "specs" / "catalog"
WATERMARK = "2024-05-01T06:07:08Z"
STORED = {"Read Watermark": {"firstRow": {"watermark": WATERMARK}}}


def spec(name: str) -> dict:
    return yaml.safe_load((CATALOG / f"{name}.yaml").read_text())


def fill(template: str, values: dict[str, str]) -> str:
    for key, text in values.items():
        template = template.replace("{" + key + "}", text)
    return template


def uri_component(text: str) -> str:
    """JavaScript's encodeURIComponent, which ADF's uriComponent follows."""
    return quote(text, safe="-_.!~*'()")


@pytest.fixture(scope="module")
def frameworks(dftf, tmp_path_factory):
    """A TestFramework per catalog spec, over a fresh build of it."""
    out = tmp_path_factory.mktemp("catalog")
    found = {}
    for path in sorted(CATALOG.glob("*.yaml")):
        (build,) = build_factories([path])
        write_outputs([build], out)
        found[path.stem] = (build, dftf.TestFramework(framework_type=dftf.TestFrameworkType.DataFactory,
                                                      root_folder_path=str(out / build.name),
                                                      should_evaluate_child_pipelines=False))
    return found


def token_outputs(**extra) -> dict:
    return {"Get Client Id": {"value": "cid-1"}, "Get Client Secret": {"value": "s3cr:et&"},
            "Get Refresh Token": {"value": "rt/old+1"}, **extra}


def worker_outputs(**extra) -> dict:
    exp = int(time.time()) + 3600
    return {"Read Token Expiry": {"attributes": {"exp": exp}}, "Get Access Token": {"value": "at-1",
            "attributes": {"exp": exp}}, **STORED, **extra}


def relative_url(copy) -> tuple[str, dict[str, str], str]:
    (source_ref,) = copy.all_properties["inputs"]
    relative = value(source_ref["parameters"]["RelativeUrl"])
    parts = urlsplit(relative)
    return parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)), relative


def test_quickbooks_refresh_uses_basic_client_auth_and_stores_the_new_refresh_token(frameworks):
    _, framework = frameworks["quickbooks"]
    seen = evaluate(framework, "pl_quickbooks_refresh", token_outputs(
        **{"Request Token": {"access_token": "at", "refresh_token": "rt-new", "expires_in": 3600,
                             "x_refresh_token_expires_in": 8726400}}))
    request = seen["Request Token"].type_properties
    assert value(request["url"]) == spec("quickbooks")["apis"][0]["auth"]["token_url"]
    assert value(request["headers"]["Authorization"]) == "Basic " + base64.b64encode(b"cid-1:s3cr:et&").decode()
    assert value(request["body"]) == "grant_type=refresh_token&refresh_token=" + uri_component("rt/old+1")
    assert json.loads(value(seen["Save Refresh Token"].type_properties["body"])) == {"value": "rt-new"}


def test_quickbooks_worker_puts_the_realm_in_the_path_and_paging_and_watermark_inside_the_query(frameworks):
    _, framework = frameworks["quickbooks"]
    api = spec("quickbooks")["apis"][0]
    endpoint = next(e for e in api["endpoints"] if e["name"] == "invoices")
    seen = first_chunk(framework, "pl_quickbooks_invoices",
                       worker_outputs(**{"Get quickbooks-realm-id": {"value": "9130 3500"}}))
    path, query, raw = relative_url(seen["Copy Chunk"])
    assert path == "company/9130%203500/query"  # the identity value, encoded as a path segment
    expected = {k: fill(str(v), {"watermark": WATERMARK.rstrip("Z") + "Z"}) for k, v in endpoint["query"].items()}
    assert query == expected  # the watermark inside the query text; {position} left for the rule
    assert "%7Bposition%7D" not in raw and "{position}" in raw  # ADF's rule replaces only the literal placeholder
    rules = {k: value(v) for k, v in seen["Copy Chunk"].type_properties["source"]["paginationRules"].items()}
    pages = int(rules["MaxRequestNumber"])
    size = api["pagination"]["page_size"]
    assert rules["QueryParameters.{position}"] == f"RANGE:1:{1 + (pages - 1) * size}:{size}"
    assert rules["EndCondition:$.QueryResponse.Invoice"] == "Empty"


def test_hubspot_refresh_sends_the_client_in_the_form_body(frameworks):
    _, framework = frameworks["hubspot"]
    seen = evaluate(framework, "pl_hubspot_refresh", token_outputs(
        **{"Request Token": {"access_token": "at", "refresh_token": "rt-new", "expires_in": 1800}}))
    request = seen["Request Token"].type_properties
    assert "Authorization" not in (request.get("headers") or {})
    body = dict(parse_qsl(value(request["body"])))
    assert body == {"grant_type": "refresh_token", "refresh_token": "rt/old+1", "client_id": "cid-1",
                    "client_secret": "s3cr:et&"}


def test_hubspot_worker_pages_by_the_after_cursor(frameworks):
    _, framework = frameworks["hubspot"]
    seen = first_chunk(framework, "pl_hubspot_contacts", worker_outputs())
    path, query, _ = relative_url(seen["Copy Chunk"])
    endpoint = spec("hubspot")["apis"][0]["endpoints"][0]
    assert path == endpoint["path"] and query == {k: str(v) for k, v in endpoint["query"].items()}
    rules = {k: value(v) for k, v in seen["Copy Chunk"].type_properties["source"]["paginationRules"].items()}
    assert rules["QueryParameters.after"] == "$.paging.next.after"


def test_servicenow_token_request_is_the_password_grant_at_the_instance(frameworks):
    _, framework = frameworks["servicenow"]
    api = spec("servicenow")["apis"][0]
    seen = evaluate(framework, "pl_servicenow_refresh", token_outputs(
        **{"Get Username": {"value": "svc.user"}, "Get Password": {"value": "pa&ss"},
           "Request Token": {"access_token": "at", "expires_in": 1800}}))
    request = seen["Request Token"].type_properties
    assert value(request["url"]) == fill(api["auth"]["token_url"], api["params"])
    assert dict(parse_qsl(value(request["body"]))) == {"grant_type": "password", "username": "svc.user",
                                                       "password": "pa&ss", "client_id": "cid-1",
                                                       "client_secret": "s3cr:et&"}


def test_servicenow_worker_filters_with_sysparm_query_and_pages_by_offset(frameworks):
    build, framework = frameworks["servicenow"]
    api = spec("servicenow")["apis"][0]
    endpoint = api["endpoints"][0]
    seen = first_chunk(framework, "pl_servicenow_incidents", worker_outputs())
    copy = seen["Copy Chunk"]
    (source_ref,) = copy.all_properties["inputs"]
    assert value(source_ref["parameters"]["BaseUrl"]) == fill(api["base_url"], api["params"])
    path, query, _ = relative_url(copy)
    assert path == endpoint["path"]
    assert query["sysparm_query"] == fill(endpoint["query"]["sysparm_query"], {"watermark": "2024-05-01 06:07:08"})
    assert query["sysparm_limit"] == str(api["pagination"]["limit"]) and query["sysparm_offset"] == "{offset}"


def test_graph_authenticates_in_the_linked_service_with_the_tenant_in_the_token_url(frameworks):
    build, framework = frameworks["graph"]
    api = spec("graph")["apis"][0]
    assert not any(r.name.endswith("_refresh") for r in build.resources)  # no token dance, no keep-alive
    (linked,) = [r for r in build.resources if r.kind == "linkedService" and r.properties["type"] == "RestService"]
    props = linked.properties["typeProperties"]
    assert props["authenticationType"] == "OAuth2ClientCredential"
    assert props["tokenEndpoint"] == fill(api["auth"]["token_url"], api["params"])
    assert props["clientSecret"]["secretName"] == api["secrets"]["client_secret"]
    assert props["scope"] == " ".join(api["auth"]["scopes"])
    seen = first_chunk(framework, "pl_graph_directory_audits", {**STORED})
    copy = seen["Copy Chunk"]
    path, query, _ = relative_url(copy)
    endpoint = next(e for e in api["endpoints"] if e["name"] == "directory_audits")
    assert path == endpoint["path"] and query == {"$filter": fill(endpoint["query"]["$filter"], {"watermark": WATERMARK})}
    assert "Authorization" not in copy.type_properties["source"]["additionalHeaders"]
    rules = {k: value(v) for k, v in copy.type_properties["source"]["paginationRules"].items()}
    assert rules["AbsoluteUrl"] == "$['@odata.nextLink']"
