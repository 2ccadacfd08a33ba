"""client_credentials_native end to end: the build writes a REST linked service with ADF's OAuth2ClientCredential
authentication and no refresh pipeline; `adfgen run` fetches the token from the OAuth peer with the client secret it
reads from the local vault through the Key Vault linked service, and pages the fake Xero API with it; `adfgen auth
login` checks the credentials and stores no token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trustme
import yaml

from adfgen.build import build_factories
from adfgen.cli import main
from adfgen.local.clock import Clock
from adfgen.local.formats import read_records
from adfgen.spec import load_spec_text
from tests.peers.oauth_server import OAuthServer
from tests.peers.xero_api import XeroApi

CLIENT_ID, CLIENT_SECRET, TENANT = "native-client", "native-client-secret-value", "tenant-native-0001"
TOKEN_URL = "https://login.example.com/tenant-1/oauth2/v2.0/token"
SCALE = 100.0
INVOICES = 23

SPEC = f"""\
version: 1
factory:
  name: adf-native-dev
  key_vault_url: https://kv-native-dev.vault.azure.net/
  sinks:
    lake: {{type: adls_gen2, account_url: "https://stnativedev.dfs.core.windows.net/", container: raw}}
apis:
  - name: books
    base_url: https://api.xero.com/api.xro/2.0
    auth:
      flow: client_credentials_native
      token_url: {TOKEN_URL}
      client_id: {CLIENT_ID}
      scopes: [accounting.read, accounting.settings.read]
      resource: https://api.xero.com
    secrets:
      client_secret: books-client-secret
      identity:
        - {{name: tenant_id, secret: books-tenant-id, header: xero-tenant-id, from: connections_call}}
    headers: {{Accept: application/json}}
    rate_limit: {{requests_per_minute: 600, concurrent_requests: 1}}
    pagination: {{kind: page_number, param: page, page_size_param: pageSize, page_size: 10, max_requests: 20}}
    endpoints:
      - {{name: invoices, path: Invoices, records_path: $.Invoices}}
"""


def _resources(build, kind: str) -> dict[str, dict]:
    return {r.name: r.properties for r in build.resources if r.kind == kind}


@pytest.fixture(scope="module")
def native_build(tmp_path_factory):
    _, problems = load_spec_text(SPEC, "native.yaml")
    assert problems == []
    path = tmp_path_factory.mktemp("native-build") / "native.yaml"
    path.write_text(SPEC, encoding="utf-8")
    (build,) = build_factories([path])
    return build


def test_the_linked_service_authenticates_natively_and_nothing_refreshes(native_build):
    linked = _resources(native_build, "linkedService")
    assert sorted(linked) == ["ls_books_rest", "ls_key_vault", "ls_lake"]  # no shared anonymous REST service
    props = linked["ls_books_rest"]["typeProperties"]
    assert props == {
        "url": "@{linkedService().BaseUrl}", "authenticationType": "OAuth2ClientCredential",
        "tokenEndpoint": TOKEN_URL, "clientId": CLIENT_ID,
        "clientSecret": {"type": "AzureKeyVaultSecret", "store": {"referenceName": "ls_key_vault",
                                                                  "type": "LinkedServiceReference"},
                         "secretName": "books-client-secret"},
        "scope": "accounting.read accounting.settings.read", "resource": "https://api.xero.com",
        "enableServerCertificateValidation": True}
    assert linked["ls_key_vault"] == {"type": "AzureKeyVault", "annotations": ["adfgen"],
                                                    "typeProperties": {"baseUrl": "https://kv-native-dev.vault.azure.net/"}}
    pipelines = _resources(native_build, "pipeline")
    assert sorted(pipelines) == ["pl_books_controller", "pl_books_invoices"]  # no refresh pipeline
    assert _resources(native_build, "trigger").keys() == {"tr_books_schedule"}  # no keep-alive
    text = json.dumps(pipelines)
    assert "Get Access Token" not in text and "Refresh Token" not in text and "Authorization" not in text
    copy = json.dumps(pipelines["pl_books_invoices"])
    assert '"referenceName": "ds_books_rest"' in copy and "Get books-tenant-id" in copy
    assert native_build.written_secret_names == ()
    assert set(native_build.secret_names) == {"books-client-secret", "books-tenant-id"}


def test_the_native_resources_validate_against_microsofts_schema(native_build, schema_dir):
    from adfgen.check.schema import load_schema_validator

    validator = load_schema_validator(schema_dir)
    found = {f"{r.kind}/{r.name}": [f.message for f in validator.validate(r)] for r in native_build.resources}
    assert {k: v for k, v in found.items() if v} == {}


class World:
    """OAuth peer (client credentials, form-body client authentication), fake Xero API, vault file, landing."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.ca = trustme.CA()
        self.ca_path = tmp / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_path))
        self.clock = Clock(time_scale=SCALE)
        self.oauth = OAuthServer(self.ca, access_ttl=3600)
        self.oauth.add_client(CLIENT_ID, CLIENT_SECRET, auth_methods=("client_secret_post",))
        self.api = XeroApi(self.ca, self.oauth, self.clock, tenant_id=TENANT, counts={"Invoices": INVOICES})
        self.vault = tmp / "secrets.yaml"
        self.vault.write_text(yaml.safe_dump({"books-client-secret": CLIENT_SECRET, "books-tenant-id": TENANT}))
        self.landing = tmp / "landing"

    def stop(self) -> None:
        self.api.stop()
        self.oauth.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = World(tmp_path_factory.mktemp("native"))
    yield world
    world.stop()


def test_adfgen_run_fetches_the_token_as_adf_does_and_lands_every_page(world, capfd):
    spec = world.tmp / "native.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    out = world.tmp / "out"
    assert main(["build", str(spec), "--out", str(out)]) == 0
    vault_before = world.vault.read_text()
    capfd.readouterr()
    code = main(["run", "pl_books_controller", "--folder", str(out / "adf-native-dev"), "--vault", str(world.vault),
                 "--sink-dir", str(world.landing), "--time-scale", str(SCALE), "--ca-bundle", str(world.ca_path),
                 "--redirect", f"https://api.xero.com={world.api.url}",
                 "--redirect", f"{TOKEN_URL}={world.oauth.token_url}", "--output", "json"])
    out_text, err_text = capfd.readouterr()
    printed = out_text + err_text
    assert code == 0, printed[-3000:]
    relied = {item["key"]: item["status"] for item in json.loads(out_text)["reliedOn"]}
    assert relied["rest.oauth2_client_credential"] == "documented"  # how ADF sends them is our assumption:
    assert relied["rest.oauth2_client_in_body"] == relied["rest.oauth2_token_per_copy"] == "assumed"
    issued = [t.access_token for t in world.oauth.tokens]
    assert issued and not any(value in printed for value in [CLIENT_SECRET, TENANT, *issued])
    # the token POST as ADF's linked service sends it: the client-credentials grant, the secret from the vault
    posts = [r["form"] for r in world.oauth.requests]
    assert posts and all(form["grant_type"] == "client_credentials" for form in posts)
    assert posts[0]["client_id"] == CLIENT_ID and posts[0]["client_secret"] == CLIENT_SECRET
    assert posts[0]["scope"] == "accounting.read accounting.settings.read"
    assert posts[0]["resource"] == "https://api.xero.com"
    assert all(t.refresh_token is None for t in world.oauth.tokens)  # no refresh token, nothing to rotate
    rows = [row for path in sorted(world.landing.rglob("*.json")) for row in read_records(path, "Json", {})]
    assert sorted(r["InvoiceID"] for r in rows) == sorted(r["InvoiceID"] for r in world.api.records("Invoices"))
    assert world.vault.read_text() == vault_before  # no token written anywhere


def test_a_wrong_client_secret_fails_the_copy_with_the_token_endpoint_named(world, capfd, tmp_path):
    spec = tmp_path / "native.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    assert main(["build", str(spec), "--out", str(tmp_path / "out")]) == 0
    vault = tmp_path / "secrets.yaml"
    vault.write_text(yaml.safe_dump({"books-client-secret": "not-the-secret", "books-tenant-id": TENANT}))
    capfd.readouterr()
    code = main(["run", "pl_books_invoices", "--folder", str(tmp_path / "out" / "adf-native-dev"), "--vault",
                 str(vault), "--sink-dir", str(tmp_path / "landing"), "--time-scale", str(SCALE),
                 "--ca-bundle", str(world.ca_path), "--redirect", f"https://api.xero.com={world.api.url}",
                 "--redirect", f"{TOKEN_URL}={world.oauth.token_url}"])
    printed = "".join(capfd.readouterr())
    assert code == 1
    assert "OAuth2 token endpoint of linked service ls_books_rest" in printed and "not-the-secret" not in printed
