"""A base URL whose whole origin comes from the token reply (review of issue 12): Salesforce's `instance_url` and
Zoho's `api_domain` arrive as `https://host`, so the spec writes `{instance_url}/services/data/v59.0` and the
build must insert the value as it is, not `https://` + its percent-encoding."""

from __future__ import annotations

import copy

import pytest
import yaml

from adfgen.spec import load_spec_text
from tests.test_spec_errors import minimal_spec

SALESFORCE_REPLY = "https://acme.my.salesforce.com"  # instance_url as Salesforce's token endpoint returns it
ZOHO_REPLY = "https://www.zohoapis.eu"  # api_domain as Zoho's token endpoint returns it


def origin_spec(base_url: str, name: str = "instance_url", secret: str = "sf-instance-url",
                params: dict | None = None) -> dict:
    """The minimal spec whose base URL takes an identity value from the token reply."""
    data = copy.deepcopy(minimal_spec())
    api = data["apis"][0]
    api["base_url"] = base_url
    api["secrets"]["identity"] = [{"name": name, "secret": secret, "from": "token_reply"}]
    if params:
        api["params"] = params
    return data


def problems_of(data: dict) -> list[str]:
    """`where: message` of every problem of a spec given as data."""
    _, problems = load_spec_text(yaml.safe_dump(data, sort_keys=False), "s.yaml")
    return [f"{p.where}: {p.message}" for p in problems]


def built_base_url(tmp_path, data: dict, secret: str, value: str) -> str:
    """The worker's BaseUrl as the engine evaluates it, the identity read returning `value`."""
    from adfgen.build import build_factories
    from adfgen.expressions.evaluator import Scope
    from tests.engine_oracle import EngineOracle

    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (build,) = build_factories([path])
    worker = next(r for r in build.resources if r.kind == "pipeline" and r.name == "pl_api_things")
    loop = next(a for a in worker.properties["activities"] if a["type"] == "Until")
    copy_ = next(a for a in loop["typeProperties"]["activities"] if a["name"] == "Copy Chunk")
    base = copy_["inputs"][0]["parameters"]["BaseUrl"]
    if isinstance(base, str):
        return base
    scope = Scope(activities={f"Get {secret}": {"output": {"value": value}}})
    status, result = EngineOracle().evaluate(base["value"], scope)
    assert status == "ok", result
    return result


@pytest.mark.parametrize("name,secret,value", [("instance_url", "sf-instance-url", SALESFORCE_REPLY),
                                               ("api_domain", "zoho-api-domain", ZOHO_REPLY)])
def test_an_origin_from_the_token_reply_is_the_base_urls_host(tmp_path, name, secret, value):
    data = origin_spec("{" + name + "}/services/data/v59.0", name, secret)
    assert problems_of(data) == []
    assert built_base_url(tmp_path, data, secret, value) == value + "/services/data/v59.0"


def test_an_identity_value_inside_the_host_is_still_encoded(tmp_path):
    data = origin_spec("https://{instance}.my.salesforce.com/v1", "instance", "sf-instance")
    assert built_base_url(tmp_path, data, "sf-instance", "a b") == "https://a%20b.my.salesforce.com/v1"


def test_a_constant_origin_is_written_in_and_one_that_is_no_origin_is_refused(tmp_path):
    data = origin_spec("{host}/v1", params={"host": "https://eu.example.com"})
    data["apis"][0]["secrets"].pop("identity")
    assert built_base_url(tmp_path, data, "", "") == "https://eu.example.com/v1"
    data["apis"][0]["params"]["host"] = "eu.example.com"
    (problem,) = problems_of(data)
    assert "apis[0]" in problem and "no https:// origin" in problem and "'eu.example.com/v1'" in problem


@pytest.mark.parametrize("base_url", ["{instance_url}x/v1", "http://{instance_url}/v1", "{instance_url} /v1"])
def test_a_base_url_neither_https_nor_an_origin_placeholder_is_refused_with_the_choices(base_url):
    (problem,) = problems_of(origin_spec(base_url))
    assert problem.startswith("apis[0].base_url: must be an https:// URL, or begin with a placeholder")
    assert "{instance_url}/services/data/v59.0" in problem


def test_a_connections_call_needs_its_url_when_the_host_is_a_placeholder():
    data = origin_spec("{instance_url}/v1")
    data["apis"][0]["secrets"]["identity"].append({"name": "tenant", "secret": "t-id", "from": "connections_call"})
    (problem,) = problems_of(data)
    assert problem.startswith("apis[0].secrets.identity[1].from: a connections call defaults to /connections")
    assert "give the connections URL as url" in problem
    data["apis"][0]["secrets"]["identity"][1]["url"] = "https://api.example.com/connections"
    assert problems_of(data) == []


@pytest.mark.parametrize("path, stray", [("things/{instance_url", "'{instance_url'"), ("things/{0}", "'{0}'"),
                                         ("things/{{instance_url}}", "'{}'"), ("things}", "'}'")])
def test_a_brace_that_is_no_placeholder_in_a_path_is_refused_with_the_valid_names(path, stray):
    data = origin_spec("{instance_url}/v1")
    data["apis"][0]["endpoints"][0]["path"] = path
    (problem,) = problems_of(data)
    assert problem.startswith(f"apis[0].endpoints[0].path: {stray} is no placeholder")
    assert problem.endswith("valid here: {instance_url}")


def test_literal_json_braces_in_a_query_value_are_sent_as_written():
    data = origin_spec("{instance_url}/v1")
    data["apis"][0]["endpoints"][0]["query"] = {"criteria": '{"status": "open"}'}
    assert problems_of(data) == []


@pytest.mark.parametrize("date_format", ["unix_s", "HH:mm:ss", "t", "M", "MM/dd"])
def test_a_watermark_format_that_writes_no_year_is_refused(date_format):
    from adfgen.expressions.evaluator import Scope, evaluate

    # the oracle: what the format writes for a moment, as Microsoft's (engine-checked) formatDateTime writes it
    written = evaluate(f"@formatDateTime('2024-05-06T07:08:09Z', '{date_format}')", Scope())
    assert "2024" not in written and "24" not in written
    data = origin_spec("{instance_url}/v1")
    data["apis"][0]["endpoints"][0].update({"incremental": {"format": date_format}, "query": {"since": "{watermark}"}})
    (problem,) = problems_of(data)
    assert problem.startswith(f"apis[0].endpoints[0].incremental.format: {date_format!r} writes no year")
    assert "unix / unix_ms" in problem


@pytest.mark.parametrize("date_format", ["o", "s", "u", "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ss'Z'"])
def test_a_watermark_format_with_the_year_builds(date_format):
    from adfgen.expressions.evaluator import Scope, evaluate

    quoted = date_format.replace("'", "''")  # an expression string literal doubles its quotes
    assert "2024" in evaluate(f"@formatDateTime('2024-05-06T07:08:09Z', '{quoted}')", Scope())
    data = origin_spec("{instance_url}/v1")
    data["apis"][0]["endpoints"][0].update({"incremental": {"format": date_format}, "query": {"since": "{watermark}"}})
    assert problems_of(data) == []


def test_a_post_paged_by_a_cursor_outside_its_body_is_warned_about():
    data = copy.deepcopy(minimal_spec())
    data["apis"][0]["endpoints"][0].update({
        "path": "crm/v3/objects/contacts/search", "method": "POST", "body": '{"limit": 100}',
        "pagination": {"kind": "cursor", "param": "after", "cursor_path": "$.paging.next.after", "max_requests": 10}})
    loaded, problems = load_spec_text(yaml.safe_dump(data, sort_keys=False), "s.yaml")
    assert problems == []
    (warning,) = [w for w in loaded.warnings if "POST" in w.message]
    assert warning.where == "apis[0].endpoints[0]" and "cursor sent in the query" in warning.message
    assert "HubSpot" in warning.message and "GET list form" in warning.message
    data["apis"][0]["endpoints"][0]["method"] = "GET"
    data["apis"][0]["endpoints"][0].pop("body")
    loaded, _ = load_spec_text(yaml.safe_dump(data, sort_keys=False), "s.yaml")
    assert not [w for w in loaded.warnings if "POST" in w.message]


@pytest.mark.parametrize("base_url", ["{instance_url}/x", "https://a.example.com/c", "{instance_url}", "{x}y",
                                      "http://a.example.com", "https://{i}.example.com/v1", "{a} /b", "https://"])
def test_the_schema_pattern_of_base_url_agrees_with_the_build(base_url):
    import re as regex

    from adfgen.spec import spec_json_schema

    pattern = spec_json_schema()["$defs"]["Api"]["properties"]["base_url"]["pattern"]
    refused = any(p.startswith("apis[0].base_url: must be") for p in problems_of(origin_spec(base_url)))
    assert bool(regex.search(pattern, base_url)) is not refused
