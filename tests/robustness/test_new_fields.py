"""Issue 14 over the spec format's newer fields (params, placeholders in every request part, per-API environments,
body, redirect_uri, identity values, every flow and pagination kind): clean refusals, no literal secret, valid output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from tests.robustness.strategies import XERO_TEXT, specs_with_a_secret_in_new_fields, specs_with_new_fields
from tests.robustness.support import run_cli, spec_error_faults
from tests.robustness.support_output import output_faults
from tests.robustness.test_secrets import echoed

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])
LOW = "hunter2-Prod"  # a short password: shape and entropy cannot tell, only where it is written
RANDOM = "q8ZPx2Lk7Vb4Nw9Rt3Ys6Hd1"


def build(folder: Path, data: dict, env: str | None = None) -> tuple[int, str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "spec.yaml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return run_cli(["build", str(spec), "--out", str(folder / "out")] + (["--env", env] if env else []))


def xero(edit) -> dict:
    data = yaml.safe_load(XERO_TEXT)
    edit(data["apis"][0], data["apis"][0]["endpoints"][0])
    return data


def _post(endpoint: dict, body: str) -> None:
    endpoint.update(method="POST", body=body)


SECRETS = {  # (edit of the API and its first endpoint, planted value, the field the refusal names)
    "credential-named params constant": (lambda api, ep: api.update(params={"api_key": LOW}), LOW,
                                         "apis[0].params.api_key"),
    "password member of a JSON body": (
        lambda api, ep: _post(ep, '{"password": "%s", "since": "{watermark}"}' % LOW), LOW, "apis[0].endpoints[0].body"),
    "client_secret in a form body": (
        lambda api, ep: _post(ep, f"since={{watermark}}&client_secret={LOW}"), LOW, "apis[0].endpoints[0].body"),
    "constant written into a credential header": (
        lambda api, ep: (api.update(params={"k": LOW}), api["headers"].update({"X-Api-Key": "{k}"})), LOW,
        "apis[0].params.k"),
    "constant written into a credential query parameter": (
        lambda api, ep: (api.update(params={"t": LOW}), ep.update(query={"access_token": "{t}"})), LOW,
        "apis[0].params.t"),
    "constant written into a body member": (
        lambda api, ep: (api.update(params={"pw": LOW}), _post(ep, '{"password": "{pw}", "s": "{watermark}"}')), LOW,
        "apis[0].params.pw"),
    "constant written into token_url's query": (
        lambda api, ep: (api.update(params={"sec": LOW}),
                         api["auth"].update(token_url="https://identity.xero.com/connect/token?client_secret={sec}")),
        LOW, "apis[0].params.sec"),
    "an environment's constant written into Authorization": (
        lambda api, ep: (api.update(params={"k": "{x}"}), api["headers"].update({"Authorization": "{k}"}),
                         api.update(environments={"prod": {"params": {"k": LOW}}})), LOW,
        "apis[0].environments.prod.params.k"),
    "user:password@ in redirect_uri": (
        lambda api, ep: api["auth"].update(redirect_uri=f"https://me:{LOW}@example.com/cb"), LOW,
        "apis[0].auth.redirect_uri"),
    "client_secret in redirect_uri's query": (
        lambda api, ep: api["auth"].update(redirect_uri=f"https://example.com/cb?client_secret={LOW}"), LOW,
        "apis[0].auth.redirect_uri"),
    "api_key in an identity value's URL": (
        lambda api, ep: api["secrets"]["identity"][0].update(url=f"https://api.xero.com/connections?api_key={LOW}"),
        LOW, "apis[0].secrets.identity[0].url"),
    "random value as an identity field": (
        lambda api, ep: api["secrets"]["identity"][0].update(field=RANDOM), RANDOM, "apis[0].secrets.identity[0].field"),
    "X-Api-Key in an environment's headers": (
        lambda api, ep: api.update(environments={"prod": {"headers": {"X-Api-Key": LOW}}}), LOW,
        "apis[0].environments.prod.headers.X-Api-Key"),
}


@pytest.mark.parametrize("case", list(SECRETS))
def test_a_literal_secret_in_a_newer_field_is_refused_and_never_echoed(tmp_path, case):
    edit, secret, where = SECRETS[case]
    for env in (None, "prod"):
        code, out, err = build(tmp_path / str(env), xero(edit), env)
        assert spec_error_faults(code, err) == [], err
        assert f"{where}: looks like a credential" in err, err
        assert not echoed(secret, out + err)
        assert not (tmp_path / str(env) / "out").exists()


@pytest.mark.parametrize("edit", [
    lambda api, ep: api["headers"].update({"X-Api-Key": "{tenant_id}"}),  # an identity value: read from Key Vault
    lambda api, ep: (api.update(params={"v": "v2"}), api["headers"].update({"X-Api-Version": "{v}"})),
    lambda api, ep: _post(ep, '{"grant": "read", "since": "{watermark}"}'),
], ids=["identity value in a credential header", "constant in a plain header", "plain body"])
def test_values_that_are_no_secret_still_build(tmp_path, edit):
    code, _, err = build(tmp_path, xero(edit))
    assert code == 0, err


@pytest.mark.parametrize("name", [["x"], {"a": 1}], ids=["list", "mapping"])
def test_an_override_or_base_item_named_by_a_list_or_mapping_is_a_clean_error(tmp_path, name):
    """Found by the fuzz: the merge indexed endpoints by name and raised TypeError (unhashable), exit 70."""
    override = xero(lambda api, ep: api.update(environments={"prod": {"endpoints": [{"name": name, "path": "x"}]}}))
    base = xero(lambda api, ep: (ep.update(name=name), api.update(environments={"prod": {"endpoints": [
        {"name": "contacts", "path": "x"}]}})))
    for label, data in (("override", override), ("base", base)):
        code, _, err = build(tmp_path / label, data)
        assert spec_error_faults(code, err) == [], err
        assert ".name: " in err


@pytest.mark.parametrize("name", ["{watermark}", "%7Bpage%7D", "", " "])
def test_a_query_parameter_name_holds_no_placeholder(tmp_path, name):
    """Found by the fuzz: query: {'{x}': 1} built, the name encoded to %7Bx%7D, and check (RQ002) failed the output."""
    code, _, err = build(tmp_path, xero(lambda api, ep: ep.update(query={name: "1"})))
    assert spec_error_faults(code, err) == [], err
    assert "apis[0].endpoints[0].query" in err and "query parameter's name" in err


@FAST
@given(text=specs_with_new_fields())
def test_newer_fields_build_valid_output_or_are_refused_cleanly(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("n")
    spec = folder / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    code, _, err = run_cli(["build", str(spec), "--out", str(folder / "out")])
    if code != 0:
        assert spec_error_faults(code, err) == [], err
        assert not (folder / "out").exists()
        return
    for factory in sorted((folder / "out").iterdir()):
        assert output_faults(factory) == []
        checked = json.loads(run_cli(["check", str(factory), "--no-schema", "-o", "json"])[1])
        assert [f for f in checked["findings"] if f["severity"] == "error"] == []


@FAST
@given(planted=specs_with_a_secret_in_new_fields())
def test_a_planted_secret_in_a_newer_field_is_refused_and_never_echoed(tmp_path_factory, planted):
    text, secret = planted
    folder = tmp_path_factory.mktemp("s")
    spec = folder / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    code, out, err = run_cli(["build", str(spec), "--out", str(folder / "out")])
    assert spec_error_faults(code, err) == [], err
    assert "looks like a credential" in err
    assert not echoed(secret, out + err)


@pytest.mark.parametrize("value", ["[", "l", "api", "0]"])
def test_a_short_hidden_value_does_not_garble_the_other_problems(tmp_path, value):
    """Found by the fuzz: params {api_key: '['} was hidden everywhere, so every field path read apis<value ...>0]."""
    data = xero(lambda api, ep: (api.update(params={"api_key": value}), ep.update(path="/Invoices"),
                                 api["auth"].update(authorize_url="ftp://x")))
    code, out, err = build(tmp_path, data)
    assert spec_error_faults(code, err) == [], err
    assert "apis[0].params.api_key: looks like a credential" in err
    assert "apis[0].endpoints[0].path: " in err and "apis[0].auth.authorize_url: " in err
    assert f"'{value}'" not in err


def test_a_base64_key_written_as_an_endpoint_path_is_refused(tmp_path):
    """Found by the fuzz: a base64 key with '/' read as a path whose two-letter piece ('bl') was taken for a word."""
    key = "XcYfOQWrIqLEU4D3Y/bl/jYBtH/O79Q9mk/ewL90/x0="
    code, out, err = build(tmp_path, xero(lambda api, ep: ep.update(path=key)))
    assert spec_error_faults(code, err) == [] and "apis[0].endpoints[0].path: looks like a credential" in err, err
    assert not echoed(key, out + err)


@pytest.mark.parametrize("name", ["page", "watermark", "projectId"])
def test_an_identity_value_named_like_a_window_paging_or_parent_value_is_refused(tmp_path, name):
    """Found by the fuzz: an identity named 'page' built workers whose paging read activity('Get ...') that no
    pipeline had (RF001); named 'watermark' it silently replaced the sync window."""
    data = xero(lambda api, ep: api["secrets"]["identity"].append({"secret": "api-realm-id", "name": name}))
    code, _, err = build(tmp_path, data)
    assert spec_error_faults(code, err) == [], err
    assert f"apis[0].secrets.identity[1].name: {{{name}}} is defined by" in err
