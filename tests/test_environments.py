"""Per-environment overrides of any API field (issue 12): deep-merged like the factory's, named lists by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adfgen.build import build_factories
from adfgen.build.writer import ARM_PARAMETERS, ARM_TEMPLATE
from adfgen.spec import load_spec_text
from adfgen.spec.environments import Merged, merge

BASE = """\
factory:
  name: adf-env-dev
  key_vault_url: https://kv-env-dev.vault.azure.net/
  sinks:
    lake: {type: adls_gen2, account_url: "https://stenvdev.dfs.core.windows.net/", container: raw}
  environments:
    prod: {name: adf-env-prod}
apis:
  - name: shop
    base_url: https://sandbox.shop.example.com/v1
    auth:
      flow: authorization_code
      authorize_url: https://sandbox-login.shop.example.com/authorize
      token_url: https://sandbox-login.shop.example.com/token
      scopes: [read, sandbox]
    secrets:
      client_id: shop-id
      client_secret: shop-secret
      refresh_token: shop-refresh
      access_token: shop-access
    rate_limit: {requests_per_minute: 30, concurrent_requests: 2}
    endpoints:
      - {name: orders, path: orders, records_path: $.items}
      - {name: customers, path: customers, records_path: $.items}
    environments:
      prod:
{override}
"""

PROD = """\
        base_url: https://shop.example.com/v1
        auth: {token_url: "https://login.shop.example.com/token", scopes: [read]}
        rate_limit: {requests_per_minute: 600}
        endpoints:
          - {name: customers, path: v2/customers}
"""


def load(override: str = PROD, env: str | None = "prod"):
    return load_spec_text(BASE.replace("{override}\n", override), "s.yaml", env)


def line(text: str, needle: str) -> int:
    return next(i for i, l in enumerate(text.splitlines(), 1) if needle in l)


def test_prod_merges_the_apis_override_and_leaves_the_rest():
    spec, problems = load()
    assert problems == []
    api = spec.spec.apis[0]
    assert api.base_url == "https://shop.example.com/v1"
    assert api.auth.token_url == "https://login.shop.example.com/token"
    assert api.auth.authorize_url == "https://sandbox-login.shop.example.com/authorize"  # not overridden
    assert api.auth.scopes == ["read"]  # a list of plain values is replaced whole
    assert (api.rate_limit.requests_per_minute, api.rate_limit.concurrent_requests) == (600, 2)
    assert [(e.name, e.path) for e in api.endpoints] == [("orders", "orders"), ("customers", "v2/customers")]
    assert api.environments == {}  # applied


def test_the_base_config_is_untouched_by_its_environments():
    spec, problems = load(env=None)
    assert problems == []
    api = spec.spec.apis[0]
    assert api.base_url == "https://sandbox.shop.example.com/v1" and api.rate_limit.requests_per_minute == 30
    assert [e.path for e in api.endpoints] == ["orders", "customers"]


def test_an_override_naming_no_endpoint_is_an_error_at_its_line():
    override = PROD + "          - {name: refunds, path: refunds}\n"
    text = BASE.replace("{override}\n", override)
    spec, problems = load(override)
    assert spec is None
    assert [(p.line, p.where, p.message) for p in problems] == [
        (line(text, "name: refunds"), "apis[0].environments.prod.endpoints[1].name",
         "unknown endpoint 'refunds': an override of a list of named things must name one of them (orders, "
         "customers); it cannot add one")]


def test_identity_values_merge_by_their_secret():
    out = Merged(None)
    base = {"identity": [{"secret": "tenant", "header": "X-Tenant"}, {"secret": "org", "header": "X-Org"}]}
    merged = merge(base, {"identity": [{"secret": "org", "header": "X-Organisation"}]}, ("s",), ("o",), out)
    assert merged["identity"] == [{"secret": "tenant", "header": "X-Tenant"},
                                  {"secret": "org", "header": "X-Organisation"}]
    assert out.problems == []
    assert out.origins == {("s", "identity", 1, "secret"): ("o", "identity", 0, "secret"),
                           ("s", "identity", 1, "header"): ("o", "identity", 0, "header")}


def test_any_api_field_merges_generically_including_ones_added_later():
    """The merge knows no field names: a new mapping (e.g. an API's params) merges key by key."""
    out = Merged(None)
    base = {"params": {"instance": "dev123", "region": "eu"}, "headers": {"Accept": "application/json"}}
    merged = merge(base, {"params": {"instance": "prod9"}}, ("apis", 0), ("apis", 0, "environments", "prod"), out)
    assert merged == {"params": {"instance": "prod9", "region": "eu"}, "headers": {"Accept": "application/json"}}


def test_an_invalid_override_is_reported_for_its_environment_at_the_overrides_line():
    override = PROD.replace("requests_per_minute: 600", "requests_per_minute: 0")
    text = BASE.replace("{override}\n", override)
    spec, problems = load(override, env=None)  # every environment is validated, whichever is built
    assert spec is None
    assert [(p.line, p.where) for p in problems] == [
        (line(text, "requests_per_minute: 0"), "apis[0].rate_limit.requests_per_minute (environment prod)")]


def test_a_semantic_problem_only_an_override_makes_is_reported_once_for_its_environment():
    override = "        endpoints:\n          - {name: orders, table: orders_prod}\n"
    text = BASE.replace("{override}\n", override)
    _, problems = load(override)
    assert [(p.line, p.where) for p in problems] == [
        (line(text, "table: orders_prod"), "apis[0].endpoints[0].table (environment prod)")]
    assert "applies to table sinks only" in problems[0].message


def test_api_overrides_for_an_environment_the_factory_does_not_define_are_refused():
    text = BASE.replace("{override}\n", PROD).replace("      prod:\n        base_url", "      staging:\n        base_url")
    _, problems = load_spec_text(text, "s.yaml")
    assert [(p.line, p.where, p.message) for p in problems] == [
        (line(text, "staging:"), "apis[0].environments.staging",
         "unknown environment 'staging'; define it under factory.environments (expected one of: prod)")]


def test_hosts_that_differ_per_environment_differ_only_in_arm_parameter_values(tmp_path):
    """Sandbox and production hosts are parameter values of one template (the API's URL object)."""
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("{override}\n", """\
        base_url: https://shop.example.com/v1
        auth: {token_url: "https://login.shop.example.com/token"}
"""), encoding="utf-8")
    (dev,) = build_factories([path])
    (prod,) = build_factories([path], env="prod")
    assert json.loads(dev.files[ARM_TEMPLATE])["resources"] == json.loads(prod.files[ARM_TEMPLATE])["resources"]
    urls = json.loads(prod.files[ARM_PARAMETERS])["parameters"]["shop_urls"]["value"]
    assert urls == {"baseUrl": "https://shop.example.com/v1", "tokenUrl": "https://login.shop.example.com/token"}


@pytest.mark.parametrize("override", ["        endpoints: [{path: x}]\n", "        endpoints: [customers]\n"])
def test_an_endpoint_override_without_a_name_says_what_is_missing(override):
    _, problems = load(override)
    assert [p.where for p in problems] == ["apis[0].environments.prod.endpoints[0]"]
    assert "no 'name' naming the endpoint to override" in problems[0].message


def test_the_shipped_spec_documents_the_rules_in_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "`apis[].environments.<env>`" in readme and "merged by name" in readme


def test_an_apis_params_differ_per_environment_and_reach_its_urls(tmp_path):
    """H2's `params` (placeholders in URLs) merge like any field: prod's instance lands in prod's ARM values."""
    text = BASE.replace("    base_url: https://sandbox.shop.example.com/v1\n",
                        "    base_url: https://{instance}.shop.example.com/v1\n    params: {instance: sandbox, region: eu}\n")
    path = tmp_path / "s.yaml"
    path.write_text(text.replace("{override}\n", "        params: {instance: www}\n"), encoding="utf-8")
    (dev,) = build_factories([path])
    (prod,) = build_factories([path], env="prod")
    assert prod.config.name == "adf-env-prod"
    urls = {b.name: json.loads(b.files[ARM_PARAMETERS])["parameters"]["shop_urls"]["value"]["baseUrl"]
            for b in (dev, prod)}
    assert urls == {"adf-env-dev": "https://sandbox.shop.example.com/v1",
                    "adf-env-prod": "https://www.shop.example.com/v1"}
    spec, _ = load_spec_text(path.read_text(), "s.yaml", "prod")
    assert spec.spec.apis[0].params == {"instance": "www", "region": "eu"}  # merged key by key
