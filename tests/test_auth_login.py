"""`adfgen auth login` against real peers: the test plays the browser; Key Vault is the HTTPS peer reached by the real
azure-keyvault-secrets client. Every flow, and every bad input of issue 11 item 6: a clear message, a non-zero
exit, nothing written. Nothing printed may contain a token, code or secret."""

from __future__ import annotations

import json
import socket
import stat
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.auth_world import (BODY_CLIENT_ID, BODY_CLIENT_SECRET, CLIENT_ID, CLIENT_SECRET, SECRET_NAMES, TENANT,
                              AuthWorld, vault_value)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = AuthWorld(tmp_path_factory.mktemp("auth"))
    yield world
    world.stop()


@pytest.fixture()
def browser(world, monkeypatch):
    """A fresh browser, empty Key Vault, the shipped-like spec, the environment the CLI reads."""
    return world.fresh(monkeypatch)


def login(world, capfd, *extra):
    return world.run(capfd, "auth", "login", "xero", "--env", "test", "--port", "0", "--timeout", "20", *extra)


def assert_nothing_written(world):
    assert world.kv_writes() == []
    assert world.kv.secrets == {}


def test_login_with_pkce_seeds_key_vault_with_live_tokens_tenant_and_client(world, browser, capfd):
    code, out, err = login(world, capfd)
    assert code == 0, err
    # the authorize request carried an S256 challenge and a state; the token request its verifier
    (opened,) = browser.opened
    query = parse_qs(urlsplit(opened).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"][0] and query["code_challenge"][0]
    exchange = next(r for r in world.oauth.requests if r["form"].get("grant_type") == "authorization_code")
    assert exchange["form"].get("code_verifier") and exchange["authorization"].startswith("Basic ")
    # Key Vault holds a refresh token the peer issued and has not yet rotated, and that access token's expiry
    refresh = world.kv_value("xero-refresh-token")
    issued = world.oauth.find(refresh)
    assert issued is not None and issued.rotated_at is None
    access = world.kv.latest("xero-access-token")
    assert access["value"] == issued.access_token
    assert abs(access["attributes"]["exp"] - (time.time() + 1800)) < 60
    assert world.kv_value("xero-tenant-id") == TENANT
    assert world.kv_value("xero-client-id") == CLIENT_ID and world.kv_value("xero-client-secret") == CLIENT_SECRET
    # the refresh token was written first, and every secret was read back
    writes = world.kv_writes()
    assert writes[0] == "/secrets/xero-refresh-token"
    reads = {path for method, path, _ in world.kv.requests if method == "GET"}
    assert {f"/secrets/{n}" for n in SECRET_NAMES} <= reads
    assert "xero-refresh-token" in out


def test_login_json_output_names_secrets_but_never_values(world, browser, capfd):
    code, out, _ = login(world, capfd, "--output", "json")
    assert code == 0
    document = json.loads(out)
    assert document["written"][0] == "xero-refresh-token" and "xero-tenant-id" in document["identity"]


def test_form_body_client_authentication(world, browser, capfd, monkeypatch):
    world.write_spec(lambda s: s["apis"][0]["auth"].update(client_auth="body"))
    monkeypatch.setenv("ADFGEN_CLIENT_ID", BODY_CLIENT_ID)
    monkeypatch.setenv("ADFGEN_CLIENT_SECRET", BODY_CLIENT_SECRET)
    code, _, err = login(world, capfd)
    assert code == 0, err
    exchange = [r for r in world.oauth.requests if r["form"].get("grant_type") == "authorization_code"][-1]
    assert exchange["authorization"] is None and exchange["form"]["client_id"] == BODY_CLIENT_ID
    assert world.oauth.find(world.kv_value("xero-refresh-token")) is not None


def test_client_credentials_come_from_the_store_when_not_given(world, browser, capfd, monkeypatch):
    world.kv.set("xero-client-id", CLIENT_ID)
    world.kv.set("xero-client-secret", CLIENT_SECRET)
    monkeypatch.delenv("ADFGEN_CLIENT_ID")
    monkeypatch.delenv("ADFGEN_CLIENT_SECRET")
    code, _, err = login(world, capfd)
    assert code == 0, err
    assert "/secrets/xero-client-secret" not in world.kv_writes()  # not given now: not rewritten


def test_several_tenants_take_the_one_named_by_tenant(world, browser, capfd):
    world.api.other_tenants.append({"id": "c2", "tenantId": "tenant-other-0002", "tenantName": "Other Ltd",
                                    "tenantType": "ORGANISATION"})
    code, _, err = login(world, capfd)
    assert code == 1 and "2 tenants" in err and "Other Ltd" in err and "--tenant" in err
    assert_nothing_written(world)
    code, _, err = login(world, capfd, "--tenant", "Other Ltd")
    assert code == 0, err
    assert world.kv_value("xero-tenant-id") == "tenant-other-0002"


def test_no_browser_prints_the_url_and_waits_for_the_redirect(world, browser, capfd):
    proc = world.spawn("auth", "login", "xero", "--env", "test", "--no-browser", "--port", "0", "--timeout", "30",
                       env=world.environment())
    url = None
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("https://"):
            url = line.strip()
            break
    assert url, "".join(lines)
    import requests

    assert requests.get(browser.consent(url), timeout=10).status_code == 200
    out, err = proc.communicate(timeout=60)
    world.assert_no_secret(out + err + "".join(lines))
    assert proc.returncode == 0, err
    assert browser.opened == []  # no browser was opened
    assert world.oauth.find(world.kv_value("xero-refresh-token")) is not None


def test_paste_mode_reads_the_url_the_browser_landed_on(world, browser, capfd):
    world.write_spec(lambda s: s["apis"][0]["auth"].update(pkce=False))
    proc = world.spawn("auth", "login", "xero", "--env", "test", "--paste", "--port", "9", env=world.environment())
    for line in proc.stderr:
        if line.startswith("https://"):
            url = line.strip()
            break
    landed = browser.consent(url)  # the page at http://localhost:9/callback may not even load
    assert landed.startswith("http://localhost:9/callback?")
    out, err = proc.communicate(landed + "\n", timeout=60)
    world.assert_no_secret(out + err)
    assert proc.returncode == 0, err
    assert world.kv_value("xero-tenant-id") == TENANT


def test_state_mismatch_is_refused_and_nothing_is_written(world, browser, capfd):
    before = len(world.oauth.requests)
    browser.tamper = lambda q: {**q, "state": "forged-state"}
    code, _, err = login(world, capfd)
    assert code == 1 and "state does not match" in err
    assert len(world.oauth.requests) == before  # the code was never redeemed
    assert_nothing_written(world)


def test_access_denied_on_the_redirect(world, browser, capfd):
    before = len(world.oauth.requests)
    browser.decision = "deny"
    code, _, err = login(world, capfd)
    assert code == 1 and "access_denied" in err and "approve" in err
    assert len(world.oauth.requests) == before  # no token request was made
    assert_nothing_written(world)


def test_timeout_when_no_redirect_arrives(world, browser, capfd):
    browser.act = False
    started = time.monotonic()
    code, _, err = world.run(capfd, "auth", "login", "xero", "--env", "test", "--port", "0", "--timeout", "1")
    assert code == 1 and "no redirect arrived within 1 s" in err
    assert time.monotonic() - started < 15
    assert_nothing_written(world)


def test_port_in_use(world, browser, capfd):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        port = holder.getsockname()[1]
        code, _, err = world.run(capfd, "auth", "login", "xero", "--env", "test", "--port", str(port))
    finally:
        holder.close()
    assert code == 1 and f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err
    assert browser.opened == []
    assert_nothing_written(world)


def test_wrong_client_secret(world, browser, capfd, monkeypatch):
    monkeypatch.setenv("ADFGEN_CLIENT_SECRET", "not-the-secret")
    code, _, err = login(world, capfd)
    assert code == 1 and "invalid_client" in err and "client id or secret" in err
    assert "not-the-secret" not in err
    assert_nothing_written(world)


def test_token_error_answered_with_http_200(world, browser, capfd):
    world.oauth.answer_next_token(200, {"error": "invalid_grant", "error_description": "code expired"})
    code, _, err = login(world, capfd)
    assert code == 1 and "invalid_grant" in err and "code expired" in err
    assert_nothing_written(world)


def test_token_reply_without_a_refresh_token(world, browser, capfd):
    world.oauth.answer_next_token(200, {"access_token": "at-without-refresh", "token_type": "Bearer",
                                        "expires_in": 1800})
    world.codes.add("at-without-refresh")  # must not be printed either
    code, _, err = login(world, capfd)
    assert code == 1 and "without refresh_token" in err
    assert_nothing_written(world)


def test_key_vault_forbidden_stops_before_consent(world, browser, capfd):
    world.kv.forbid.update({"GET", "PUT"})
    code, _, err = login(world, capfd)
    assert code == 1 and "403 Forbidden" in err and "Key Vault Secrets Officer" in err
    assert browser.opened == []  # the user is not asked to consent for nothing
    assert world.kv.secrets == {}


def test_key_vault_forbidden_writes_after_consent_leave_nothing(world, browser, capfd):
    world.kv.forbid.add("PUT")
    code, _, err = login(world, capfd)
    assert code == 1 and "403 Forbidden" in err and "write secret xero-refresh-token" in err
    assert world.kv.secrets == {}


def test_network_error_at_the_token_endpoint(world, browser, capfd):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    world.write_spec(lambda s: s["apis"][0]["auth"].update(token_url=f"https://127.0.0.1:{port}/token"))
    code, _, err = login(world, capfd)
    assert code == 1 and "cannot reach the token endpoint" in err and "nothing was written" in err
    assert "Traceback" not in err
    assert_nothing_written(world)


def test_client_credentials_flow_is_verified_and_stored(world, browser, capfd):
    def change(spec):
        world.switch_flow(spec, "client_credentials", identity=[])
    world.write_spec(change)
    code, out, err = login(world, capfd)
    assert code == 0, err
    assert browser.opened == []
    access = world.kv_value("xero-access-token")
    assert any(t.access_token == access for t in world.oauth.tokens)
    assert world.oauth.requests[-1]["form"]["grant_type"] == "client_credentials"


def test_client_credentials_with_a_wrong_secret_fail(world, browser, capfd, monkeypatch):
    def change(spec):
        world.switch_flow(spec, "client_credentials", identity=[])
    world.write_spec(change)
    monkeypatch.setenv("ADFGEN_CLIENT_SECRET", "wrong")
    code, _, err = login(world, capfd)
    assert code == 1 and "invalid_client" in err
    assert_nothing_written(world)


def test_password_flow_asks_with_hidden_input(world, browser, capfd, monkeypatch):
    import click.termui

    def change(spec):
        world.switch_flow(spec, "password", username="xero-username", password="xero-password", identity=[])
    world.write_spec(change)
    asked = []
    monkeypatch.setattr(click.termui, "hidden_prompt_func", lambda label: asked.append(("hidden", label)) or "pa&ss")
    monkeypatch.setattr(click.termui, "visible_prompt_func", lambda label: asked.append(("visible", label))
                        or "svc.user")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    code, _, err = login(world, capfd)
    assert code == 0, err
    assert [kind for kind, label in asked if "password" in label] == ["hidden"]
    assert [kind for kind, label in asked if "username" in label] == ["visible"]
    assert world.kv_value("xero-password") == "pa&ss" and world.kv_value("xero-username") == "svc.user"
    assert world.oauth.requests[-1]["form"]["grant_type"] == "password"


def test_password_flow_with_a_wrong_password(world, browser, capfd, monkeypatch):
    def change(spec):
        world.switch_flow(spec, "password", username="xero-username", password="xero-password", identity=[])
    world.write_spec(change)
    monkeypatch.setenv("ADFGEN_USERNAME", "svc.user")
    monkeypatch.setenv("ADFGEN_PASSWORD", "wrong-password-value")
    code, _, err = login(world, capfd)
    assert code == 1 and "Invalid 'username' or 'password'" in err and "wrong-password-value" not in err
    assert_nothing_written(world)


def test_implicit_flow_is_refused_with_an_explanation(world, browser, capfd):
    world.write_spec(lambda s: s["apis"][0]["auth"].update(flow="implicit"))
    code, _, err = login(world, capfd)
    assert code != 0 and "implicit flow cannot run unattended" in err and "authorization_code" in err
    assert browser.opened == []
    assert_nothing_written(world)


def test_login_into_a_vault_file(world, browser, capfd, tmp_path):
    vault = tmp_path / "secrets.yaml"
    code, _, err = world.run(capfd, "auth", "login", "xero", "--vault", str(vault), "--port", "0")
    assert code == 0, err
    assert stat.S_IMODE(vault.stat().st_mode) == 0o600
    refresh = vault_value(vault, "xero-refresh-token")["value"]
    assert world.oauth.find(refresh).rotated_at is None
    assert vault_value(vault, "xero-access-token")["exp"] > time.time()
    assert vault_value(vault, "xero-tenant-id")["value"] == TENANT
    assert_nothing_written(world)  # Key Vault untouched


def test_identity_from_the_redirect_query(world, browser, capfd):
    """QuickBooks-style: the company id arrives as `realmId` on the redirect."""
    world.write_spec(lambda s: s["apis"][0]["secrets"].update(
        identity=[{"secret": "qbo-realm-id", "header": "x-realm"}]))
    browser.tamper = lambda q: {**q, "realmId": "9130350000000000"}
    code, _, err = login(world, capfd)
    assert code == 0, err
    assert world.kv_value("qbo-realm-id") == "9130350000000000"
    assert "/secrets/xero-tenant-id" not in world.kv_writes()


def script_token_reply(world, prefix, **fields):
    """The next token POST answers `<prefix>-access-value`, `<prefix>-refresh-value` and `fields` (a provider's
    extras such as instance_url); the values join those nothing may print."""
    tokens = {"access_token": f"{prefix}-access-value", "refresh_token": f"{prefix}-refresh-value"}
    world.oauth.answer_next_token(200, {**tokens, "token_type": "Bearer", **fields})
    world.codes.update(tokens.values())


def test_identity_from_the_token_reply(world, browser, capfd):
    """Salesforce-style: the data host arrives as `instance_url` in the token reply."""
    world.write_spec(lambda s: s["apis"][0]["secrets"].update(
        identity=[{"secret": "sf-instance-url", "header": "x-instance"}]))
    script_token_reply(world, "sf", instance_url="https://acme.my.salesforce.com")
    code, _, err = login(world, capfd)
    assert code == 0, err
    assert world.kv_value("sf-instance-url") == "https://acme.my.salesforce.com"
    assert world.kv_value("xero-refresh-token") == "sf-refresh-value"


def test_an_identity_value_with_no_source_is_an_error(world, browser, capfd):
    world.write_spec(lambda s: s["apis"][0]["secrets"].update(
        identity=[{"secret": "shop-domain", "header": "x-shop"}]))
    code, _, err = login(world, capfd)
    assert code == 1 and "shop-domain" in err
    assert_nothing_written(world)


def test_identity_values_from_their_declared_sources(world, browser, capfd):
    """`from` names the source; `field` the parameter or reply field; no header: a placeholder value only."""
    world.write_spec(lambda s: s["apis"][0]["secrets"].update(identity=[
        {"name": "realm", "secret": "qbo-company", "from": "consent_redirect", "field": "realmId"},
        {"name": "api_domain", "secret": "zoho-host", "from": "token_reply", "header": "x-zoho-host"}]))
    browser.tamper = lambda q: {**q, "realmId": "4620816365"}
    script_token_reply(world, "zoho", api_domain="https://www.zohoapis.eu")
    code, _, err = login(world, capfd)
    assert code == 0, err
    assert world.kv_value("qbo-company") == "4620816365"
    assert world.kv_value("zoho-host") == "https://www.zohoapis.eu"


def test_a_declared_source_without_the_value_names_it_and_writes_nothing(world, browser, capfd):
    world.write_spec(lambda s: s["apis"][0]["secrets"].update(identity=[
        {"name": "instance_url", "secret": "sf-instance", "from": "token_reply"}]))
    code, _, err = login(world, capfd)
    assert code == 1
    assert "cannot find identity value instance_url (field 'instance_url') in the token reply" in err
    assert_nothing_written(world)


def test_a_connections_call_with_its_own_url_and_fields(world, browser, capfd):
    """Another provider's post-consent listing: the URL, the id field and the label the spec names."""
    world.api.other_tenants.append({"id": "c2", "tenantId": "tenant-other-0002", "tenantName": "Other Ltd"})
    world.write_spec(lambda s: s["apis"][0]["secrets"].update(identity=[
        {"name": "org", "secret": "xero-org", "header": "xero-tenant-id", "from": "connections_call",
         "url": f"{world.api.url}/connections", "field": "tenantId", "label": "tenantName"}]))
    code, _, err = login(world, capfd, "--tenant", "Other Ltd")
    assert code == 0, err
    assert world.kv_value("xero-org") == "tenant-other-0002"


def test_native_client_credentials_login_checks_the_client_and_stores_no_token(world, browser, capfd, monkeypatch):
    def change(spec):
        world.switch_flow(spec, "client_credentials_native", identity=[
            {"name": "tenant_id", "secret": "xero-tenant-id", "header": "xero-tenant-id", "from": "connections_call"}])
        spec["apis"][0]["auth"]["client_id"] = BODY_CLIENT_ID
    world.write_spec(change)
    monkeypatch.setenv("ADFGEN_CLIENT_SECRET", BODY_CLIENT_SECRET)
    code, _, err = login(world, capfd)
    assert code == 0, err
    assert browser.opened == []
    post = world.oauth.requests[-1]
    # as the linked service sends it (assumed): the client credentials in the form body
    assert post["form"]["grant_type"] == "client_credentials" and post["form"]["client_id"] == BODY_CLIENT_ID
    assert post["authorization"] is None
    assert world.kv_value("xero-client-secret") == BODY_CLIENT_SECRET and world.kv_value("xero-tenant-id") == TENANT
    assert world.kv_value("xero-access-token") is None  # ADF fetches its own tokens
    code, _, err = world.run(capfd, "auth", "refresh", "xero", "--env", "test", "--direct")
    assert code == 1 and "nothing to refresh" in err
    code, out, err = world.run(capfd, "auth", "status", "xero", "--env", "test", "--output", "json")
    assert code == 0, err
    status = json.loads(out)
    assert [(s["role"], s["present"]) for s in status["secrets"]] == [("client_secret", True),
                                                                       ("identity (tenant_id)", True)]
    assert status["verdict"] == "ok" and status["refresh_token_age"] is None


def test_key_vault_unreachable_stops_before_consent(world, browser, capfd):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    world.write_spec(lambda s: s["factory"]["environments"]["test"].update(key_vault_url=f"https://127.0.0.1:{port}/"))
    code, _, err = login(world, capfd)
    assert code == 1 and "cannot reach Key Vault" in err and "Traceback" not in err
    assert browser.opened == []


def test_env_and_vault_together_are_a_usage_error(world, browser, capfd, tmp_path):
    code, _, err = world.run(capfd, "auth", "login", "xero", "--env", "test", "--vault", str(tmp_path / "v.yaml"))
    assert code == 2 and "not both" in err


def test_paste_mode_sends_the_declared_public_redirect_uri(world, browser, capfd):
    """A provider that accepts only a registered public https redirect (QuickBooks production): the spec declares it
    (auth.redirect_uri), the consent URL and the code exchange both carry it, and the pasted URL completes login."""
    public = "https://app.example.com/xero/callback"
    world.write_spec(lambda s: s["apis"][0]["auth"].update(pkce=False, redirect_uri=public))
    proc = world.spawn("auth", "login", "xero", "--env", "test", "--paste", env=world.environment())
    url = None
    for line in proc.stderr:
        if line.startswith("https://"):
            url = line.strip()
            break
    assert url and "redirect_uri=https%3A%2F%2Fapp.example.com%2Fxero%2Fcallback" in url
    landed = browser.consent(url)  # the provider sends the browser to the app's public page
    assert landed.startswith(public + "?")
    out, err = proc.communicate(landed + "\n", timeout=60)
    world.assert_no_secret(out + err)
    assert proc.returncode == 0, err
    assert world.oauth.find(world.kv_value("xero-refresh-token")) is not None
