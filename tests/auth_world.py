"""Shared world for the `adfgen auth` tests: real peers (Authlib OAuth server with PKCE and rotating refresh tokens,
fake Xero for /connections, HTTPS Key Vault), a project folder whose spec points at them, a browser the test plays,
and a scan of everything printed for secret values."""

from __future__ import annotations

import webbrowser

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import requests
import trustme
import yaml

from adfgen.cli import main
from tests.peers.keyvault_server import KeyVaultServer
from tests.peers.oauth_server import OAuthServer
from tests.peers.xero_api import XeroApi

REPO = Path(__file__).resolve().parent.parent
CLIENT_ID, CLIENT_SECRET, TENANT = "auth-test-client", "auth-test-client-secret-value", "tenant-auth-0001"
BODY_CLIENT_ID, BODY_CLIENT_SECRET = "auth-body-client", "auth-body-client-secret-value"
KV_TOKEN = "kv-test-bearer-not-a-secret"
SECRET_NAMES = ("xero-client-id", "xero-client-secret", "xero-refresh-token", "xero-access-token", "xero-tenant-id")


class Browser:
    """Plays the user's browser: follows the authorize URL, consents (or denies) as a test user, then follows the
    provider's redirect to the loopback callback. `tamper` may rewrite the redirect's query first."""

    def __init__(self, world: "AuthWorld"):
        self.world = world
        self.decision = "allow"
        self.act = True
        self.tamper: Callable[[dict[str, str]], dict[str, str]] | None = None
        self.opened: list[str] = []
        self.redirects: list[str] = []

    def consent(self, url: str) -> str:
        """Consent at `url`; the provider's redirect Location (not followed)."""
        verify = str(self.world.ca_path)
        page = requests.get(url, verify=verify, timeout=10)
        assert page.status_code == 200, page.text
        answer = requests.post(url, data={"username": "test.user", "decision": self.decision}, verify=verify,
                               allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        location = answer.headers["Location"]
        query = {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}
        if self.tamper:
            query = self.tamper(query)
            location = location.split("?", 1)[0] + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        self.redirects.append(location)
        if "code" in query:
            self.world.codes.add(query["code"])
        return location

    def open(self, url: str, *args: Any, **kwargs: Any) -> bool:
        """webbrowser.open: consent and follow the redirect to the CLI's loopback listener."""
        self.opened.append(url)
        if self.act:
            reply = requests.get(self.consent(url), timeout=10)
            assert reply.status_code == 200
        return True


class AuthWorld:
    """Peers, a project folder with specs/xero.yaml pointing at them, and helpers to run `adfgen`."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.ca = trustme.CA()
        self.ca_path = tmp / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_path))
        self.oauth = OAuthServer(self.ca, grace_seconds=0, access_ttl=1800)
        self.oauth.add_client(CLIENT_ID, CLIENT_SECRET, auth_methods=("client_secret_basic",))
        self.oauth.add_client(BODY_CLIENT_ID, BODY_CLIENT_SECRET, auth_methods=("client_secret_post",))
        self.api = XeroApi(self.ca, self.oauth, tenant_id=TENANT, counts={"Invoices": 3, "Contacts": 2})
        self.kv = KeyVaultServer(self.ca)
        self.codes: set[str] = set()
        self.project = tmp / "project"
        (self.project / "specs").mkdir(parents=True)
        self.write_spec()

    # -- the spec ---------------------------------------------------------------------------------------------------
    def spec(self) -> dict[str, Any]:
        """The shipped Xero spec, pointed at the peers, with a `test` environment whose Key Vault is the peer."""
        spec = yaml.safe_load((REPO / "specs" / "xero.yaml").read_text())
        api = spec["apis"][0]
        api["base_url"] = f"{self.api.url}/api.xro/2.0"
        api["auth"].update(authorize_url=self.oauth.authorize_url, token_url=self.oauth.token_url, pkce=True)
        for endpoint in api["endpoints"]:
            if "base_url" in endpoint:
                endpoint["base_url"] = f"{self.api.url}/projects.xro/2.0"
        spec["factory"]["environments"]["test"]["key_vault_url"] = self.kv.url
        return spec

    def write_spec(self, change: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Write specs/xero.yaml, after `change(spec)` when given."""
        spec = self.spec()
        if change:
            change(spec)
        (self.project / "specs" / "xero.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))

    @staticmethod
    def switch_flow(spec: dict[str, Any], flow: str, **secrets: Any) -> None:
        """Make the spec's API use `flow`: drop the auth fields, secret roles and keep-alive other flows own (the
        spec refuses them), then set `secrets`."""
        from adfgen.spec.model import AUTH_FIELD_FLOWS
        from adfgen.spec.variants.auth import FLOWS, ROLES

        api, unit = spec["apis"][0], FLOWS.get(flow)
        api["auth"]["flow"] = flow
        for key, flows in AUTH_FIELD_FLOWS.items():
            if flow not in flows:
                api["auth"].pop(key, None)
        for role in set(ROLES) - set(unit.required_secrets + unit.optional_secrets):
            api["secrets"].pop(role, None)
        if not unit.keep_alive:
            api.pop("keep_alive", None)
        api["secrets"].update(secrets)

    def api_auth(self, spec: dict[str, Any]) -> dict[str, Any]:
        return spec["apis"][0]["auth"]

    # -- running ----------------------------------------------------------------------------------------------------
    def environment(self, **extra: str) -> dict[str, str]:
        """Variables the CLI reads: the Key Vault bearer (ADFGEN_ARM_TOKEN), the CA, the client credentials."""
        values = {"ADFGEN_ARM_TOKEN": KV_TOKEN, "REQUESTS_CA_BUNDLE": str(self.ca_path),
                  "ADFGEN_CLIENT_ID": CLIENT_ID, "ADFGEN_CLIENT_SECRET": CLIENT_SECRET,
                  "ADFGEN_RESCUE_DIR": str(self.tmp / "rescue")}
        values.update(extra)
        return values

    def fresh(self, monkeypatch: Any) -> Browser:
        """Reset the peers (empty Key Vault, no overrides or extra tenants), rewrite the spec, enter the project, set
        the environment the CLI reads, and let a test browser answer webbrowser.open; returns that browser."""
        self.kv.secrets.clear()
        self.kv.requests.clear()
        self.kv.forbid.clear()
        self.oauth.token_overrides.clear()
        self.api.other_tenants.clear()
        self.write_spec()
        monkeypatch.chdir(self.project)
        for key, value in self.environment().items():
            monkeypatch.setenv(key, value)
        player = Browser(self)
        monkeypatch.setattr(webbrowser, "open", player.open)
        return player

    def run(self, capfd: Any, *argv: str) -> tuple[int, str, str]:
        """`adfgen ...` in-process through the CLI entry point; (exit code, stdout, stderr), scanned for secrets."""
        capfd.readouterr()
        code = main(list(argv))
        out, err = capfd.readouterr()
        self.assert_no_secret(out + err)
        return code, out, err

    def spawn(self, *argv: str, env: dict[str, str]) -> subprocess.Popen:
        """`python -m adfgen.cli ...` in the project folder, with pipes for stdin, stdout and stderr."""
        return subprocess.Popen([sys.executable, "-m", "adfgen.cli", *argv], cwd=self.project, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "PYTHONPATH": str(REPO), **env})

    # -- what must never be printed -----------------------------------------------------------------------------------
    def secret_values(self) -> set[str]:
        """Client secrets, the tenant id, every code, access and refresh token the peer issued."""
        values = {CLIENT_SECRET, BODY_CLIENT_SECRET, TENANT, *self.codes}
        for token in self.oauth.tokens:
            values.add(token.access_token)
            if token.refresh_token:
                values.add(token.refresh_token)
        return {v for v in values if v}

    def assert_no_secret(self, printed: str) -> None:
        leaked = [v for v in self.secret_values() if v in printed]
        assert not leaked, f"{len(leaked)} secret value(s) printed"

    # -- the stores -------------------------------------------------------------------------------------------------
    def kv_writes(self) -> list[str]:
        """Paths of every PUT the Key Vault peer received."""
        return [path for method, path, _ in self.kv.requests if method == "PUT"]

    def kv_value(self, name: str) -> str | None:
        bundle = self.kv.latest(name)
        return bundle["value"] if bundle else None

    def stop(self) -> None:
        self.api.stop()
        self.oauth.stop()
        self.kv.stop()


def vault_value(path: Path, name: str) -> Any:
    """A secret's current entry in a vault file ({value, exp, ...} or a bare value)."""
    raw = yaml.safe_load(path.read_text()).get(name) if path.exists() else None
    return raw
