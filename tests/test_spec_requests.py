"""Requests in the spec (issue 12): `{placeholders}` in every request part, the sync window as a filter template,
pagination kinds as registered units (issue 16), and the refusals where ADF's Copy cannot do what the spec asks.
Each refusal is a bad spec whose message names the field, why, and the alternative."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from adfgen.spec import load_spec_text
from adfgen.spec.variants.pagination import KINDS
from tests.test_spec_errors import minimal_spec

REPO = Path(__file__).resolve().parent.parent
E0 = "apis[0].endpoints[0]"


def problems_of(data: dict) -> list[str]:
    """`where: message` of every problem of a spec given as data."""
    _, problems = load_spec_text(yaml.safe_dump(data, sort_keys=False), "s.yaml")
    return [f"{p.where}: {p.message}" for p in problems]


def spec(api: dict | None = None, endpoint: dict | None = None) -> dict:
    """The minimal spec with fields of its API and its one endpoint replaced."""
    data = copy.deepcopy(minimal_spec())
    data["apis"][0].update(api or {})
    data["apis"][0]["endpoints"][0].update(endpoint or {})
    return data


def test_the_minimal_spec_is_valid():
    assert problems_of(spec()) == []


REFUSALS = {
    "a cursor inside a POST body": (
        spec(endpoint={"method": "POST", "body": '{"limit": 100}',
                       "pagination": {"kind": "cursor", "param": "after", "cursor_path": "$.paging.next.after",
                                      "send_in": "body", "max_requests": 10}}),
        f"{E0}.pagination.send_in: a cursor inside a request body cannot be paged by ADF: the Copy's pagination "
        "rules write only AbsoluteUrl, QueryParameters and Headers of the next request (https://learn.microsoft.com/"
        "azure/data-factory/connector-rest#pagination-support); use the API's GET form that takes the cursor as a "
        "query parameter (HubSpot: GET /crm/v3/objects/<object>?after=...), send_in: query or header"),
    "a paging value inside a POST body": (
        spec(endpoint={"method": "POST", "body": '{"offset": {offset}}',
                       "pagination": {"kind": "offset_limit", "limit": 100}}),
        f"{E0}.body: {{offset}} (paging value) cannot be used here: ADF's pagination rules write only AbsoluteUrl, "
        "QueryParameters and Headers of the next request (https://learn.microsoft.com/azure/data-factory/"
        "connector-rest#pagination-support), never a body (valid here: (none))"),
    "a delta link": (
        spec(endpoint={"incremental": {"delta_link": "$['@odata.deltaLink']"},
                       "query": {"$filter": "lastModifiedDateTime ge {watermark}"}}),
        f"{E0}.incremental.delta_link: a delta link cannot be followed: a Copy lands records but hands no value of "
        "the last page (such as @odata.deltaLink) back to the pipeline, and reading it from landed pages needs it "
        "inside the records. Filter on a timestamp instead, e.g. query: {$filter: \"lastModifiedDateTime ge "
        "{watermark}\"} where the API has one, or load in full with next_url pagination (README: delta links)"),
    "a result cap the request cap could outrun": (
        spec(endpoint={"pagination": {"kind": "offset_limit", "limit": 200, "max_results": 10000}}),
        f"{E0}.pagination.max_results: the API returns at most 10000 results per query and ADF's Copy cannot "
        "re-window (start a new query after the last record it read): max_requests 1000 x page size 200 could pass "
        "it and lose the rest silently; set max_requests to at most 50, so a larger window fails loudly at the "
        "request cap (the watermark stays), and keep windows small with an incremental filter and a frequent "
        "schedule"),
    "a result cap on a kind without a page size": (
        spec(endpoint={"pagination": {"kind": "next_url", "next_url_path": "$.next", "max_requests": 5,
                                      "max_results": 10000}}),
        f"{E0}.pagination.max_results: the API returns at most 10000 results per query and ADF's Copy cannot "
        "re-window (start a new query after the last record it read); next_url pagination has no known page size, "
        "so the build cannot tell whether max_requests stays within it: use a kind with a page size, or remove "
        "max_results and keep windows small with an incremental filter"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_name_the_field_why_and_the_alternative(case):
    data, expected = REFUSALS[case]
    assert problems_of(data) == [expected]


def test_a_result_cap_within_reach_of_the_request_cap_builds():
    assert problems_of(spec(endpoint={"pagination": {"kind": "offset_limit", "limit": 200, "max_results": 10000,
                                                     "max_requests": 50}})) == []


PLACEHOLDER_CASES = {
    "unknown placeholder": (
        spec(api={"params": {"instance": "acme"}}, endpoint={"query": {"q": "x > {since}"}}),
        f"{E0}.query.q: unknown placeholder {{since}}; valid here: {{instance}} (a parent record's key needs parent: "
        "{endpoint: ..., key: ...})"),
    "the window without incremental": (
        spec(endpoint={"headers": {"If-Modified-Since": "{watermark}"}}),
        f"{E0}.headers.If-Modified-Since: unknown placeholder {{watermark}}; valid here: (none) ({{watermark}} needs "
        "incremental: {...} on the endpoint)"),
    "an encoded placeholder": (
        spec(endpoint={"path": "things?start=%7Bstart%7D"}),
        f"{E0}.path: %7Bstart%7D is an encoded placeholder: ADF replaces only the literal {{start}}, and the build "
        "encodes every value itself; write the placeholder unencoded (valid here: (none))"),
    "a parameter in the path and in query": (
        spec(endpoint={"path": "things?limit=5", "query": {"limit": 10}}),
        f"{E0}.query.limit: query parameter 'limit' is also given in the path; give it once"),
    "a parameter the pagination also writes": (
        spec(endpoint={"query": {"page": 2}, "pagination": {"kind": "page_number"}}),
        f"{E0}.query.page: query parameter 'page' is written by the pagination and also given in query; remove it "
        "there"),
    "a paging value no request part holds": (
        spec(endpoint={"pagination": {"kind": "position", "page_size": 100}}),
        f"{E0}.pagination: position pagination writes {{position}}, which no request part holds: put it where the "
        "API reads it (a query value, the path or a header)"),
    "a paging value written twice": (
        spec(endpoint={"pagination": {"kind": "position", "page_size": 100},
                       "query": {"from": "{position}", "q": "START {position}"}}),
        f"{E0}.query.q: {{position}} appears more than once; ADF's RANGE rule writes one place per request"),
    "an incremental endpoint whose requests never see the window": (
        spec(endpoint={"incremental": {}}),
        f"{E0}.incremental: the sync window is used by no request: write {{watermark}} where the API filters, e.g. "
        "headers: {If-Modified-Since: '{watermark}'} or query: {query: \"... WHERE Metadata.LastUpdatedTime > "
        "'{watermark}'\"}"),
    "the old format-string trick": (
        spec(endpoint={"incremental": {"format": "'WHERE updated > '''yyyy-MM-dd''''"}}),
        f"{E0}.incremental.format: must be a date format such as yyyy-MM-ddTHH:mm:ss (or unix, unix_ms); quoted "
        "text beyond a short escape such as 'T' is filter text: write the filter around the placeholder instead, "
        "e.g. query: {query: \"SELECT * FROM Invoice WHERE Metadata.LastUpdatedTime > '{watermark}'\"}"),
    "an identity value in the token URL": (
        spec(api={"auth": {**minimal_spec()["apis"][0]["auth"], "token_url": "https://login.example.com/{tenant}/t"},
                  "secrets": {**minimal_spec()["apis"][0]["secrets"],
                              "identity": [{"name": "tenant", "secret": "tenant-id"}]}}),
        "apis[0].auth.token_url: {tenant} (identity value) cannot be used here: the token request runs in the "
        "refresh pipeline, before any identity value, window or page is known: only params constants (valid here: "
        "(none))"),
    "the window in a base URL": (
        spec(endpoint={"base_url": "https://{watermark}.example.com", "incremental": {},
                       "headers": {"If-Modified-Since": "{watermark}"}}),
        f"{E0}.base_url: {{watermark}} (sync window) cannot be used here: a base URL takes params constants and "
        "identity values; write the others in the path or query (valid here: (none))"),
    "a constant named like a paging value": (
        spec(api={"params": {"page": "1"}, "pagination": {"kind": "page_number"}}),
        "apis[0].params.page: {page} is defined by page_number pagination of endpoint 'things'; rename the constant"),
    "a body without POST": (
        spec(endpoint={"body": "{}"}), f"{E0}.body: a body is sent with method: POST only"),
}


@pytest.mark.parametrize("case", sorted(PLACEHOLDER_CASES))
def test_placeholder_mistakes_are_refused_naming_the_field_and_the_valid_names(case):
    data, expected = PLACEHOLDER_CASES[case]
    assert problems_of(data) == [expected]


def test_a_problem_gives_the_line_of_its_field():
    data = spec(endpoint={"query": {"q": "x > {since}"}})
    text = yaml.safe_dump(data, sort_keys=False)
    _, problems = load_spec_text(text, "s.yaml")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "{since}" in row)
    assert [(p.file, p.line, p.where) for p in problems] == [("s.yaml", line, f"{E0}.query.q")]


def test_placeholders_in_token_url_and_base_url_take_constants():
    auth = {**minimal_spec()["apis"][0]["auth"], "token_url": "https://login.example.com/{tenant}/oauth2/token"}
    data = spec(api={"params": {"tenant": "contoso", "instance": "acme"}, "auth": auth,
                     "base_url": "https://{instance}.service-now.com/api/now"})
    assert problems_of(data) == []


# --- the build: what ADF receives -------------------------------------------------------------------------------

def built_copy(tmp_path, text: str, pipeline: str) -> dict:
    """The `Copy Chunk` activity of one built worker pipeline."""
    from adfgen.build import build_factories

    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    (build,) = build_factories([path])
    worker = next(r for r in build.resources if r.kind == "pipeline" and r.name == pipeline)
    loop = next(a for a in worker.properties["activities"] if a["type"] == "Until")
    return next(a for a in loop["typeProperties"]["activities"] if a["name"] == "Copy Chunk")


def test_query_language_paging_and_window_are_written_into_the_encoded_query_value(tmp_path):
    from adfgen.expressions.evaluator import Scope, evaluate
    from tests.peers.query_language_api import SPEC

    copy_ = built_copy(tmp_path, SPEC, "pl_qbo_invoices")
    inputs = copy_["inputs"][0]["parameters"]
    reads = {"Get qbo-realm-id": {"output": {"value": "9130 42"}},  # a space, to see the path encoding
             "Read Watermark": {"output": {"firstRow": {"watermark": "2024-05-01T10:20:30Z"}}}}
    scope = Scope(parameters={"Watermark": ""}, activities=reads)
    assert inputs["BaseUrl"] == "https://quickbooks.api.intuit.com/v3"  # the params constant, written in
    # written by hand: spaces %20, '*' %2A, '>' %3E, quotes %27, ':' %3A; {position} left for ADF's RANGE rule
    assert evaluate(inputs["RelativeUrl"]["value"], scope) == (
        "company/9130%2042/query?minorversion=75&query=SELECT%20%2A%20FROM%20Invoice%20WHERE%20MetaData."
        "LastUpdatedTime%20%3E%20%272024-05-01T10%3A20%3A30Z%27%20STARTPOSITION%20{position}%20MAXRESULTS%2050")
    rules = copy_["typeProperties"]["source"]["paginationRules"]
    assert set(rules) == {"QueryParameters.{position}", "EndCondition:$.QueryResponse.Invoice", "MaxRequestNumber"}


def test_a_path_placeholder_gets_an_absolute_url_rule_and_a_header_one_a_headers_rule(tmp_path):
    from tests.peers.query_language_api import SPEC

    in_path = SPEC.replace("path: company/{realmId}/query\n        records_path: $.QueryResponse.Customer",
                           "path: company/{realmId}/customers/{position}\n        records_path: $.QueryResponse.Customer")
    in_path = in_path.replace('query: {query: "SELECT * FROM Customer STARTPOSITION {position} MAXRESULTS 50", '
                              'minorversion: "75"}', 'headers: {X-Page: "p{position}"}')
    assert in_path.count("{position}") == 3  # the invoices' query, the customers' path and header
    from adfgen.core.errors import AdfgenError

    with pytest.raises(AdfgenError) as raised:
        built_copy(tmp_path, in_path, "pl_qbo_customers")
    assert [p.message for p in raised.value.problems] == [
        "{position} appears more than once; ADF's RANGE rule writes one place per request"]
    in_header = in_path.replace("customers/{position}", "customers")
    rules = built_copy(tmp_path, in_header, "pl_qbo_customers")["typeProperties"]["source"]["paginationRules"]
    assert "Headers.{position}" in rules
    in_path_only = in_path.replace('headers: {X-Page: "p{position}"}', "headers: {X-Page: p}")
    rules = built_copy(tmp_path, in_path_only, "pl_qbo_customers")["typeProperties"]["source"]["paginationRules"]
    assert "AbsoluteUrl.{position}" in rules


def test_uri_component_encodes_as_the_build_encodes_literal_text():
    """The build percent-encodes literal text with quote(safe=''); run-time values go through uriComponent(): both
    must write the same characters, as Microsoft's engine evaluates uriComponent."""
    from tests.engine_oracle import EngineOracle, engine_problem

    problem = engine_problem()
    if problem:
        pytest.skip(problem)
    from adfgen.build.fragments import quote_literal
    from adfgen.expressions.evaluator import Scope

    oracle = EngineOracle()
    for text in ["SELECT * FROM Invoice WHERE a > 'b'", "2024-01-01T00:00:00+01:00", "a&b=c/d?e#f%g", "~-._!*()",
                 "ünï €", "x+y z"]:
        status, value = oracle.evaluate(f"@uriComponent({quote_literal(text)})", Scope())
        assert (status, value) == ("ok", quote(text, safe="")), text


def test_the_readme_pagination_table_is_generated_from_the_registry():
    from adfgen.spec.variants.docs import regenerate

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    begin, end = "<!-- generated:pagination-kinds -->", "<!-- /generated:pagination-kinds -->"
    section = readme[readme.index(begin):readme.index(end)]
    assert regenerate(readme) == readme, "README is stale: run scripts/regenerate-readme"
    assert all(f"| `{kind}` |" in section for kind in KINDS.names())


def test_the_schema_offers_every_registered_kind():
    from adfgen.spec import spec_json_schema

    text = json.dumps(spec_json_schema())
    for kind in KINDS.names():
        assert f'"const": "{kind}"' in text or f'"enum": ["{kind}"]' in text, kind


def test_the_window_end_and_epoch_formats_reach_a_header_and_an_identity_value_the_base_url(tmp_path):
    from adfgen.expressions.evaluator import Scope, evaluate
    from tests.peers.query_language_api import SPEC

    text = SPEC.replace("base_url: https://{host}/v3", "base_url: https://{host}/{realmId}") \
        .replace('incremental: {format: "yyyy-MM-ddTHH:mm:ssZ"}',
                 'incremental: {format: unix_ms}\n        headers: {X-Window: "{watermark}..{watermark_end}"}')
    copy_ = built_copy(tmp_path, text, "pl_qbo_invoices")
    reads = {"Get qbo-realm-id": {"output": {"value": "r/1"}},
             "Read Watermark": {"output": {"firstRow": {"watermark": "2024-01-01T00:00:01Z"}}}}
    scope = Scope(parameters={"Watermark": ""}, variables={"SyncStart": "2024-01-02T00:00:00Z"}, activities=reads)
    header = copy_["typeProperties"]["source"]["additionalHeaders"]["X-Window"]
    assert evaluate(header["value"], scope) == "1704067201000..1704153600000"
    assert evaluate(copy_["inputs"][0]["parameters"]["BaseUrl"]["value"], scope) == \
        "https://quickbooks.api.intuit.com/r%2F1"


def test_a_unit_whose_kind_is_not_its_registered_name_is_refused_at_import():
    from typing import Literal

    from adfgen.spec.variants.pagination import PaginationUnit
    from adfgen.spec.variants.registry import Registry

    registry = Registry("pagination kind", "adfgen.spec.variants.pagination")  # a fresh one: modules load once

    @registry.register("pages")
    class Misnamed(PaginationUnit):
        """A kind whose discriminator says another name."""

        kind: Literal["page"]

    with pytest.raises(TypeError, match=r"Misnamed: its kind field must be Literal\['pages'\]"):
        registry.discriminated_union("kind")


def test_constants_reach_the_token_url_of_the_refresh_pipeline_and_environments_override_them(tmp_path):
    from adfgen.build import build_factories
    from tests.peers.query_language_api import SPEC

    text = SPEC.replace("token_url: https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
                        "token_url: https://{host}/{tenant}/token") \
        .replace("params: {host: quickbooks.api.intuit.com}",
                 "params: {host: quickbooks.api.intuit.com, tenant: a b}\n"
                 "    environments: {prod: {params: {host: prod.intuit.example}}}")
    text = text.replace("  name: adf-qbo-e2e\n", "  name: adf-qbo-e2e\n  environments: {prod: {name: adf-qbo-prod}}\n")
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    for env, host in ((None, "quickbooks.api.intuit.com"), ("prod", "prod.intuit.example")):
        (build,) = build_factories([path], env)
        refresh = next(r for r in build.resources if r.name == "pl_qbo_refresh")
        token_call = next(a for a in refresh.properties["activities"] if a["name"] == "Request Token")
        assert token_call["typeProperties"]["url"] == f"https://{host}/a%20b/token"
        worker = json.dumps(next(r for r in build.resources if r.name == "pl_qbo_customers").properties)
        assert f'"BaseUrl": "https://{host}/v3"' in worker


@pytest.mark.parametrize("date_format", ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd\\THH:mm:ss", "yyyy-MM-dd HH:mm:ss",
                                         "unix", "unix_ms"])
def test_date_formats_with_short_escaped_literals_are_not_the_old_trick(date_format):
    data = spec(endpoint={"incremental": {"format": date_format}, "headers": {"If-Modified-Since": "{watermark}"}})
    assert problems_of(data) == []
