"""Secrets in specs (issue 14, item 5): refused by shape and entropy, never echoed, GUIDs and path ids pass,
and a reviewed per-field escape hatch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from adfgen.spec.secret_values import fingerprint
from tests.robustness.strategies import XERO_TEXT, specs_with_a_secret, specs_with_ids
from tests.robustness.support import run_cli, spec_error_faults

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"


def echoed(secret: str, text: str) -> bool:
    """True when `secret` appears in `text` as written, quoted or escaped."""
    return any(form and form in text for form in
               {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], secret.encode("unicode_escape").decode()})


def build(tmp_path: Path, text: str) -> tuple[int, str, str]:
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    return run_cli(["build", str(spec), "--out", str(tmp_path / "out")])


def edit(old: str, new: str) -> str:
    assert old in XERO_TEXT, old
    return XERO_TEXT.replace(old, new, 1)


ACCEPT = "      Accept: application/json"
TOKEN_URL = "token_url: https://identity.xero.com/connect/token"
FIRST_PATH = "        path: Invoices\n"
FIRST_HEADERS = "headers: {If-Modified-Since:"  # the first endpoint's own headers
ISSUE_CASES = {  # the kinds of literal secrets the issue found building with exit 0
    "X-Api-Key header": (edit(ACCEPT, ACCEPT + "\n      X-Api-Key: k3y-for-prod"), "k3y-for-prod",
                         "apis[0].headers.X-Api-Key"),
    "user:pass@ in a URL": (edit("base_url: https://api.xero.com/api.xro/2.0",
                                 "base_url: https://admin:S3cret!@api.xero.com/api.xro/2.0"), "S3cret!",
                            "apis[0].base_url"),
    "api_key query parameter": (edit(FIRST_PATH, FIRST_PATH + "        query: {api_key: 'example-secret-42'}\n"),
                                "example-secret-42", "apis[0].endpoints[0].query.api_key"),
    "password in token parameters": (edit(TOKEN_URL, TOKEN_URL + "\n      token_params: {password: 'Tr0ub4dor&3'}"),
                                     "Tr0ub4dor&3", "apis[0].auth.token_params.password"),
    "client secret in token URL": (edit(TOKEN_URL, TOKEN_URL + "?client_secret=9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
                                   "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "apis[0].auth.token_url"),
    "Bearer JWT in an endpoint header": (edit(FIRST_HEADERS, f"headers: {{X-Trace: 'Bearer {JWT}', If-Modified-Since:"),
                                         JWT, "apis[0].endpoints[0].headers.X-Trace"),
    "secret value where a secret name goes": (edit("client_secret: xero-client-secret",
                                                   "client_secret: 'q8ZPx2Lk7Vb4Nw9Rt3Ys6Hd1'"),
                                              "q8ZPx2Lk7Vb4Nw9Rt3Ys6Hd1", "apis[0].secrets.client_secret"),
    "SAS token in a sink URL": (edit("account_url: https://stxerodev.dfs.core.windows.net/",
                                     "account_url: 'https://stxerodev.dfs.core.windows.net/?sv=2022-11-02&sig="
                                     "Zm9vYmFyYmF6cXV4cXV1eDEyMw%3D%3D'"),
                                "Zm9vYmFyYmF6cXV4cXV1eDEyMw%3D%3D", "factory.sinks.lake.account_url"),
    "random key in a plain header": (edit(ACCEPT, ACCEPT + "\n      X-Client: 'a7Kq2Zx9Lm4Wp8Rt6Yv3Bn5'"),
                                     "a7Kq2Zx9Lm4Wp8Rt6Yv3Bn5", "apis[0].headers.X-Client"),
    "user:pass@ in an environment override": (
        edit("key_vault_url: https://kv-xero-test.vault.azure.net/",
             "key_vault_url: https://u:hunter22@kv-xero-test.vault.azure.net/"), "hunter22",
        "factory.environments.test.key_vault_url"),
    "JWT in a description": (edit("    description: Xero", f"    description: token {JWT} Xero"), JWT,
                             "apis[0].description"),
}


@pytest.mark.parametrize("case", list(ISSUE_CASES))
def test_literal_secrets_are_refused_and_never_echoed(tmp_path, case):
    text, secret, where = ISSUE_CASES[case]
    code, out, err = build(tmp_path, text)
    assert spec_error_faults(code, err) == [], err
    assert f"{where}: looks like a credential" in err, err
    assert not echoed(secret, out + err)
    assert not (tmp_path / "out").exists()


def test_the_escape_hatch_needs_the_field_and_the_value_s_fingerprint(tmp_path):
    text, secret, where = ISSUE_CASES["random key in a plain header"]
    value = "a7Kq2Zx9Lm4Wp8Rt6Yv3Bn5"
    reviewed = text + (f"\nnot_secrets:\n  - {{field: '{where}', fingerprint: '{fingerprint(value)}', "
                       "reason: 'a public client tag, reviewed'}\n")
    assert run_cli(["build", str(_write(tmp_path / "a", reviewed)), "--out", str(tmp_path / "a" / "out")])[0] == 0
    changed = reviewed.replace(value, value + "Q", 1)  # another value: another fingerprint, refused again
    code, out, err = run_cli(["build", str(_write(tmp_path / "b", changed)), "--out", str(tmp_path / "b" / "out")])
    assert code == 1 and f"{where}: looks like a credential" in err
    elsewhere = reviewed.replace(f"field: '{where}'", "field: 'apis[0].headers.Accept'")
    code, _, err = run_cli(["build", str(_write(tmp_path / "c", elsewhere)), "--out", str(tmp_path / "c" / "out")])
    assert code == 1 and f"{where}: looks like a credential" in err


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "spec.yaml").write_text(text, encoding="utf-8")
    return folder / "spec.yaml"


@FAST
@given(planted=specs_with_a_secret())
def test_a_planted_secret_is_refused_and_never_echoed(tmp_path_factory, planted):
    text, secret = planted
    code, out, err = build(tmp_path_factory.mktemp("s"), text)
    assert spec_error_faults(code, err) == [], err
    assert "looks like a credential" in err
    assert not echoed(secret, out + err)


@FAST
@given(text=specs_with_ids())
def test_guids_and_ids_in_paths_do_not_trip_it(tmp_path_factory, text):
    code, _, err = build(tmp_path_factory.mktemp("i"), text)
    assert code == 0, err


@pytest.mark.parametrize("path", [
    "Invoices/0e2f5c3a-1111-2222-3333-444455556666/History", "Projects/5f3c9a8b7d6e5f4a3b2c1d0e/Tasks",
    "repos/o/r/commits/8d4c3f2a1b0e9f8d7c6b5a4f3e2d1c0b9a8f7e6d", "v1/5f3c9a8b7d6e5f4a3b2c1d0e/0E2F5C3A11112222",
    "v2/123456789012/items", "Invoices/org-5f3c9a8b7d6e/History"])
def test_ids_in_endpoint_paths_pass(tmp_path, path):
    code, _, err = build(tmp_path, edit("        path: Invoices\n", f"        path: {path}\n"))
    assert code == 0, err
