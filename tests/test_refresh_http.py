"""The generated refresh and worker pipelines against real peers: an OAuth server with rotating single-use
refresh tokens and a Key Vault secrets endpoint, both HTTPS on 127.0.0.1. DFTF evaluates each Web activity;
the runner sends exactly what it evaluated."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest
import requests
import trustme

from adfgen.build import build_factories, write_outputs
from tests.peers.keyvault_server import KeyVaultServer
from tests.peers.oauth_server import OAuthServer
from tests.web_activity_runner import MSI_TOKEN, run_pipeline

pytestmark = pytest.mark.dftf

REPO = Path(__file__).resolve().parent.parent
CLIENT_ID, CLIENT_SECRET, TENANT = "xero-app-id", "xero-app-secret-value", "tenant-0001"


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    """A throwaway CA and its PEM file."""
    authority = trustme.CA()
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return authority, str(path)


@pytest.fixture()
def peers(ca):
    """A fresh OAuth server (grace 0: strictly single-use refresh tokens) and Key Vault, seeded as after consent."""
    authority, _ = ca
    oauth, vault = OAuthServer(authority, grace_seconds=0, access_ttl=1800), KeyVaultServer(authority)
    oauth.add_client(CLIENT_ID, CLIENT_SECRET, auth_methods=("client_secret_basic",))
    vault.set("xero-client-id", CLIENT_ID)
    vault.set("xero-client-secret", CLIENT_SECRET)
    vault.set("xero-refresh-token", oauth.seed_refresh_token(CLIENT_ID))
    vault.set("xero-tenant-id", TENANT)
    yield oauth, vault
    oauth.stop()
    vault.stop()


@pytest.fixture()
def framework(dftf, peers, tmp_path):
    """The shipped Xero spec, its token URL pointed at the local OAuth server, built and loaded into DFTF."""
    oauth, _ = peers
    spec = tmp_path / "xero.yaml"
    spec.write_text((REPO / "specs" / "xero.yaml").read_text().replace(
        "https://identity.xero.com/connect/token", oauth.token_url))
    (build,) = build_factories([spec])
    write_outputs([build], tmp_path / "out")
    return dftf.TestFramework(framework_type=dftf.TestFrameworkType.DataFactory,
                              root_folder_path=str(tmp_path / "out" / build.name),
                              should_evaluate_child_pipelines=False)


def test_refresh_rotates_the_single_use_token_and_persists_it_first(framework, peers, ca):
    oauth, vault = peers
    old_refresh = vault.latest("xero-refresh-token")["value"]
    before = int(time.time())

    run = run_pipeline(framework, "pl_xero_refresh", {"KeyVaultUrl": vault.url}, ca_path=ca[1])

    assert run.failed == []
    assert [c.activity for c in run.calls] == ["Get Client Id", "Get Client Secret", "Get Refresh Token",
                                               "Request Token", "Save Refresh Token", "Save Access Token"]
    assert all(c.status == 200 for c in run.calls)
    (token_request,) = oauth.requests
    assert token_request["authorization"] == "Basic " + base64.b64encode(
        f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert token_request["form"] == {"grant_type": "refresh_token", "refresh_token": old_refresh}
    new_refresh = vault.latest("xero-refresh-token")["value"]
    issued = oauth.find(new_refresh)
    assert new_refresh != old_refresh and issued is not None and issued.rotated_at is None
    access = vault.latest("xero-access-token")
    assert access["value"] == issued.access_token
    assert before + 1800 <= access["attributes"]["exp"] <= int(time.time()) + 1800
    # Key Vault saw the managed identity's token on every call, and only on Key Vault calls
    assert {auth for _, _, auth in vault.requests} == {f"Bearer {MSI_TOKEN}"}
    # the old refresh token is now dead at the server: a second refresh must use the stored new one
    reuse = requests.post(oauth.token_url, data={"grant_type": "refresh_token", "refresh_token": old_refresh},
                          auth=(CLIENT_ID, CLIENT_SECRET), verify=ca[1], timeout=10)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"


def test_two_refreshes_in_a_row_both_succeed(framework, peers, ca):
    oauth, vault = peers
    for _ in range(2):
        assert run_pipeline(framework, "pl_xero_refresh", {"KeyVaultUrl": vault.url}, ca_path=ca[1]).failed == []
    assert len(vault.secrets["xero-refresh-token"]) == 3  # seeded, then one new version per run
    assert len([t for t in oauth.tokens if t.rotated_at is not None]) == 2


def test_a_rejected_refresh_writes_nothing(framework, peers, ca):
    _, vault = peers
    vault.set("xero-refresh-token", "revoked-or-mistyped")
    versions = {name: len(v) for name, v in vault.secrets.items()}

    run = run_pipeline(framework, "pl_xero_refresh", {"KeyVaultUrl": vault.url}, ca_path=ca[1])

    assert run.failed == ["Request Token"]
    assert "Save Refresh Token" not in run.activities and "Save Access Token" not in run.activities
    assert {name: len(v) for name, v in vault.secrets.items()} == versions


def test_worker_reads_the_fresh_token_and_tenant_from_key_vault(framework, peers, ca):
    _, vault = peers
    assert run_pipeline(framework, "pl_xero_refresh", {"KeyVaultUrl": vault.url}, ca_path=ca[1]).failed == []
    token = vault.latest("xero-access-token")["value"]
    # a worker without a watermark: its only Web calls are Key Vault's (state blobs are in test_pipelines_dftf)
    run = run_pipeline(framework, "pl_xero_accounts", {"KeyVaultUrl": vault.url}, ca_path=ca[1],
                       stop_at="Copy Chunk")
    assert run.failed == []
    assert "Refresh Token" not in run.activities  # the token stored a moment ago is far from expiry
    assert [c.activity for c in run.calls] == ["Get xero-tenant-id", "Read Token Expiry", "Get Access Token"]
    source = run.evaluated["Copy Chunk"].type_properties["source"]
    headers = {k: getattr(v, "result", v) for k, v in source["additionalHeaders"].items()}
    assert headers["Authorization"] == f"Bearer {token}" and headers["xero-tenant-id"] == TENANT


def test_worker_asks_for_a_refresh_when_the_stored_token_is_about_to_expire(framework, peers, ca):
    _, vault = peers
    vault.set("xero-access-token", "nearly-expired", {"exp": int(time.time()) + 60})
    run = run_pipeline(framework, "pl_xero_projects", {"KeyVaultUrl": vault.url}, ca_path=ca[1],
                       stop_at="Copy Chunk")
    assert run.failed == []
    assert run.activities.index("Refresh Token") < run.activities.index("Get Access Token")
