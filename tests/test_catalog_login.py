"""QuickBooks from consent to landed records: `adfgen auth login quickbooks --vault FILE` with the catalog spec (its
authorize and token URLs pointed at the OAuth peer, nothing else changed) stores the refresh token and the company id
Intuit adds to the consent redirect (`realmId`), and the committed factory then lands every record of that company
from the fake QuickBooks API with that vault: the identity value travels from the redirect into every request path."""

from __future__ import annotations

import json
import webbrowser
from pathlib import Path

import pytest
import trustme
import yaml

from adfgen.cli import main
from adfgen.local.clock import Clock
from adfgen.local.formats import read_records
from tests.auth_world import Browser
from tests.peers import quickbooks_api
from tests.peers.oauth_server import OAuthServer

REPO = Path(__file__).resolve().parent.parent
CLIENT_ID, CLIENT_SECRET, REALM = "qbo-login-client", "qbo-login-client-secret-value", "4620816365299999"


class _Consent:
    """What tests.auth_world.Browser needs of its world: the CA and a place for the codes it sees."""

    def __init__(self, ca_path: Path):
        self.ca_path = ca_path
        self.codes: set[str] = set()


@pytest.fixture()
def peers(tmp_path):
    ca = trustme.CA()
    ca_path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    oauth = OAuthServer(ca, grace_seconds=0, access_ttl=3600)
    oauth.require_pkce = False  # whether Intuit takes PKCE is [unverified]; the catalog spec does not use it
    quickbooks_api.oauth_client(oauth, CLIENT_ID, CLIENT_SECRET)
    api = quickbooks_api.QuickBooksApi(ca, oauth, Clock(time_scale=100.0), realm_id=REALM,
                                       counts={"Invoice": 30, "Customer": 5, "Payment": 3, "Item": 2, "Account": 4})
    yield ca_path, oauth, api
    api.stop()
    oauth.stop()


def test_login_stores_the_realm_from_the_redirect_and_the_factory_uses_it(peers, tmp_path, monkeypatch, capfd):
    ca_path, oauth, api = peers
    project = tmp_path / "project"
    (project / "specs").mkdir(parents=True)
    spec = yaml.safe_load((REPO / "specs" / "catalog" / "quickbooks.yaml").read_text())
    spec["apis"][0]["auth"].update(authorize_url=oauth.authorize_url, token_url=oauth.token_url)
    (project / "specs" / "quickbooks.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    monkeypatch.chdir(project)
    for key, value in {"ADFGEN_CLIENT_ID": CLIENT_ID, "ADFGEN_CLIENT_SECRET": CLIENT_SECRET,
                       "REQUESTS_CA_BUNDLE": str(ca_path), "ADFGEN_RESCUE_DIR": str(tmp_path / "rescue")}.items():
        monkeypatch.setenv(key, value)
    consent = _Consent(ca_path)
    browser = Browser(consent)  # type: ignore[arg-type]
    browser.tamper = lambda query: {**query, "realmId": REALM}  # Intuit adds the company id next to code and state
    monkeypatch.setattr(webbrowser, "open", browser.open)

    vault = tmp_path / "secrets.yaml"
    capfd.readouterr()
    code = main(["auth", "login", "quickbooks", "--vault", str(vault), "--port", "0"])
    out, err = capfd.readouterr()
    assert code == 0, err
    assert REALM not in out + err and CLIENT_SECRET not in out + err
    stored = yaml.safe_load(vault.read_text())

    def value(name: str) -> str:
        raw = stored[name]
        return raw["value"] if isinstance(raw, dict) else raw

    assert value("quickbooks-realm-id") == REALM
    assert oauth.requests[-1]["authorization"].startswith("Basic ")  # Intuit takes only HTTP Basic
    refresh = value("quickbooks-refresh-token")
    assert oauth.find(refresh) is not None and oauth.find(refresh).rotated_at is None
    assert {"quickbooks-client-id", "quickbooks-client-secret"} <= set(stored)  # login seeds the client too

    landing = tmp_path / "landing"
    token_base = oauth.token_url.rsplit("/", 1)[0]
    argv = ["run", "pl_quickbooks_controller", "--folder", str(REPO / "out" / "adf-quickbooks-dev"),
            "--vault", str(vault), "--sink-dir", str(landing), "--time-scale", "100", "--ca-bundle", str(ca_path),
            "--redirect", f"https://sandbox-quickbooks.api.intuit.com/v3={api.url}/v3",
            "--redirect", f"https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer={token_base}/token",
            "--output", "json"]
    code = main(argv)
    out, err = capfd.readouterr()
    assert code == 0, (out + err)[-3000:]
    assert json.loads(out)["status"] == "Succeeded"
    lake = landing / "stquickbooksdev" / "raw" / "quickbooks" / "invoices"
    (batch,) = [p for p in lake.iterdir() if p.is_dir()]
    rows = [r["Id"] for path in sorted(batch.glob("*.json")) for r in read_records(path, "Json", {})]
    assert sorted(rows) == sorted(api.ids("Invoice"))
    paths = {entry["path"] for entry in api.served.log}
    assert paths == {f"/v3/company/{REALM}/query"}  # every request carried the realm from the redirect
