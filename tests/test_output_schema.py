"""Every generated resource validates against Microsoft's official Data Factory schema (read in place)."""

from __future__ import annotations

import copy

import pytest

from adfgen.build import build_factories
from adfgen.core.resources import Resource
from adfgen.spec import load_spec_text

SPEC_FILES = {
    "sql and parquet sinks, every pagination kind, other flows": """
version: 1
factory:
  name: adf-mixed
  key_vault_url: https://kv-mixed.vault.azure.net
  integration_runtime: ir-managed
  default_sink: lake
  sinks:
    lake: {type: blob, account_url: "https://stmixed.blob.core.windows.net/", container: landing, format: parquet}
    staging: {type: azure_sql, server: sql-mixed.database.windows.net, database: staging}
  naming: {pipeline: "PL_{name}", trigger: "TR_{name}", dataset: "DS_{name}", linked_service: "LS_{name}"}
apis:
  - name: hubspot
    base_url: https://api.hubapi.com
    auth: {flow: authorization_code, pkce: true, authorize_url: "https://app.hubspot.com/oauth/authorize",
           token_url: "https://api.hubapi.com/oauth/v1/token", client_auth: body, rotating_refresh_tokens: false}
    secrets: {client_id: hs-client-id, client_secret: hs-client-secret, refresh_token: hs-refresh, access_token: hs-access}
    rate_limit: {requests_per_minute: 600, concurrent_requests: 2}
    request_timeout: 20s  # a cursor cannot be resumed: one token must cover max_requests pages
    pagination: {kind: cursor, param: after, cursor_path: $.paging.next.after, max_requests: 100}
    endpoints:
      - {name: contacts, path: crm/v3/objects/contacts, records_path: $.results, query: {limit: 100}, sink: staging}
      - {name: companies, path: crm/v3/objects/companies, records_path: $.results}
  - name: graph
    base_url: https://graph.microsoft.com/v1.0
    auth: {flow: client_credentials, token_url: "https://login.microsoftonline.com/t/oauth2/v2.0/token",
           client_auth: body, scopes: ["https://graph.microsoft.com/.default"], token_header: {scheme: Bearer}}
    secrets: {client_id: graph-id, client_secret: graph-secret, access_token: graph-access}
    rate_limit: {requests_per_minute: 6000, concurrent_requests: 4}
    request_timeout: 20s
    pagination: {kind: next_url, next_url_path: "$['@odata.nextLink']", max_requests: 50}
    endpoints:
      - {name: users, path: users, records_path: $.value, query: {"$top": 999}}
  - name: servicenow
    base_url: https://acme.service-now.com/api/now
    auth: {flow: password, token_url: "https://acme.service-now.com/oauth_token.do", client_auth: body}
    secrets: {client_id: sn-id, client_secret: sn-secret, username: sn-user, password: sn-password, access_token: sn-access}
    rate_limit: {requests_per_minute: 120}
    pagination: {kind: offset_limit, offset_param: sysparm_offset, limit_param: sysparm_limit, limit: 1000}
    endpoints:
      - {name: incidents, path: table/incident, records_path: $.result,
         query: {sysparm_query: "sys_updated_on>={watermark}^ORDERBYsys_updated_on"},
         incremental: {format: "yyyy-MM-dd HH:mm:ss"}}
      - {name: changes, path: table/change_request, pagination: {kind: link_header, max_requests: 30}, records_path: $.result}
""",
}


@pytest.fixture(scope="module")
def validator(schema_dir):
    from adfgen.check.schema import load_schema_validator

    return load_schema_validator(schema_dir)


def _findings(validator, resources):
    return {f"{r.kind}/{r.name}": [f"{f.json_path}: {f.message}" for f in validator.validate(r)]
            for r in resources if validator.validate(r)}


def test_the_shipped_build_validates(validator, xero_build):
    assert _findings(validator, xero_build.resources) == {}
    assert len(xero_build.resources) == 23  # child endpoints: fan-out, per-file, per-parent pipelines; a keys dataset;
    # the slot pipeline that runs workers `lanes` at once


@pytest.mark.parametrize("name", sorted(SPEC_FILES))
def test_other_sinks_flows_and_pagination_kinds_validate(validator, tmp_path, name):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC_FILES[name])
    loaded, problems = load_spec_text(SPEC_FILES[name], "spec.yaml")
    assert problems == []
    (build,) = build_factories([path])
    assert {r.properties["type"] for r in build.resources if r.kind == "linkedService"} == {
        "RestService", "AzureBlobStorage", "AzureSqlDatabase"}
    assert _findings(validator, build.resources) == {}


def test_the_validator_would_catch_a_broken_resource(validator, xero_build):
    pipeline = next(r for r in xero_build.resources if r.name == "pl_xero_refresh")
    broken = copy.deepcopy(pipeline.properties)
    del broken["activities"][0]["typeProperties"]["url"]
    broken["concurrency"] = 0
    findings = validator.validate(Resource("pipeline", pipeline.name, broken))
    text = " ".join(f"{f.json_path} {f.message}" for f in findings)
    assert "url" in text and "concurrency" in text
