"""Bad specs for the auth flow units and identity values: each new message, with its file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from adfgen.core.errors import AdfgenError
from adfgen.spec import load_spec_text, load_specs
from adfgen.spec.variants.auth import FLOWS
from adfgen.spec.variants.registry import summary

REPO = Path(__file__).resolve().parent.parent
SHIPPED = (REPO / "specs" / "xero.yaml").read_text(encoding="utf-8")
# the shipped spec with its identity value written as specs did before `name` and `from` (the cases edit this shape)
_IDENTITY = SHIPPED[SHIPPED.index("      identity:\n"):SHIPPED.index("    headers:\n")]
XERO = SHIPPED.replace(_IDENTITY, "      identity:\n        - secret: xero-tenant-id\n          header: xero-tenant-id\n")

NATIVE = """\
version: 1
factory:
  name: adf-native-test
  key_vault_url: https://kv-native.vault.azure.net/
  sinks:
    lake: {type: adls_gen2, account_url: "https://stnative.dfs.core.windows.net/", container: raw}
apis:
  - name: graph
    base_url: https://graph.microsoft.com/v1.0
    auth:
      flow: client_credentials_native
      token_url: https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token
      client_id: 0b1c2d3e-aaaa-bbbb-cccc-123456789abc
      scopes: [https://graph.microsoft.com/.default]
    secrets:
      client_secret: graph-client-secret
    rate_limit: {requests_per_minute: 600, concurrent_requests: 2}
    pagination: {kind: next_url, next_url_path: "$['@odata.nextLink']", max_requests: 50}
    request_timeout: 20s
    endpoints:
      - {name: users, path: users, records_path: $.value}
"""

PASSWORD = (NATIVE.replace("flow: client_credentials_native", "flow: password")
            .replace("      client_id: 0b1c2d3e-aaaa-bbbb-cccc-123456789abc\n", "")
            .replace("      client_secret: graph-client-secret", "      client_id: sn-id\n      client_secret: sn-secret\n"
                     "      username: sn-user\n      password: sn-password\n      access_token: sn-access"))


def edited(text: str, old: str, new: str) -> str:
    """`text` with one textual edit (which must apply)."""
    assert old in text, old
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`."""
    return next(i + 1 for i, line in enumerate(text.splitlines()) if needle in line)


FLOW_NAMES = ", ".join(sorted(["authorization_code", "client_credentials", "client_credentials_native", "password"]))

# case -> (spec text, the line's needle, the field, the message)
CASES = {
    "unknown flow": (
        lambda: edited(XERO, "flow: authorization_code", "flow: device_code"), "flow: device_code",
        "apis[0].auth.flow", f"unknown auth flow 'device_code'; expected one of: {FLOW_NAMES}"),
    "a field of another flow": (
        lambda: edited(NATIVE, "      client_id: 0b1c", "      pkce: true\n      client_id: 0b1c"), "pkce: true",
        "apis[0].auth.pkce", "'pkce' does not apply to the client_credentials_native flow (only to "
        "authorization_code); remove it"),
    "password grant with a refresh token": (
        lambda: PASSWORD.replace("      access_token: sn-access", "      access_token: sn-access\n"
                                 "      refresh_token: sn-refresh"),
        "refresh_token: sn-refresh", "apis[0].secrets.refresh_token",
        "the password flow never uses secrets.refresh_token; remove it (this flow uses: client_id, username, "
        "password, access_token, client_secret)"),
    "native flow without a client id": (
        lambda: edited(NATIVE, "      client_id: 0b1c2d3e-aaaa-bbbb-cccc-123456789abc\n", ""), "    auth:",
        "apis[0].auth", "missing 'client_id': the client_credentials_native flow writes the client id into the "
        "linked service (ADF's clientId takes no Key Vault reference)"),
    "native flow with an access token secret": (
        lambda: edited(NATIVE, "      client_secret: graph-client-secret",
                       "      client_secret: graph-client-secret\n      access_token: graph-access"),
        "access_token: graph-access", "apis[0].secrets.access_token",
        "the client_credentials_native flow never uses secrets.access_token; remove it (this flow uses: "
        "client_secret)"),
    "native flow with a keep-alive": (
        lambda: edited(NATIVE, "    request_timeout: 20s", "    request_timeout: 20s\n    keep_alive: {interval: 3}"),
        "keep_alive:", "apis[0].keep_alive",
        "the client_credentials_native flow has no refresh token to keep alive; remove keep_alive"),
    "a consent redirect without consent": (
        lambda: edited(NATIVE, "      client_secret: graph-client-secret",
                       "      client_secret: graph-client-secret\n      identity:\n"
                       "        - {name: realmId, secret: graph-realm, from: consent_redirect}"),
        "from: consent_redirect", "apis[0].secrets.identity[0].from",
        "the client_credentials_native flow has no consent redirect; choose token_reply or connections_call"),
    "an unknown identity source": (
        lambda: edited(XERO, "          header: xero-tenant-id", "          header: xero-tenant-id\n"
                       "          from: tenant_list"), "from: tenant_list", "apis[0].secrets.identity[0].from",
        "input should be 'consent_redirect', 'token_reply' or 'connections_call' (got 'tenant_list')"),
    "two identity values with one name": (
        lambda: edited(XERO, "          header: xero-tenant-id", "          header: xero-tenant-id\n"
                       "          name: org\n        - {name: org, secret: xero-org-2, from: token_reply}"),
        "{name: org, secret: xero-org-2", "apis[0].secrets.identity[1].name",
        "identity name 'org' is also the name of secrets.identity[0]; each needs its own name"),
    "a connections URL on a token reply value": (
        lambda: edited(XERO, "          header: xero-tenant-id", "          header: xero-tenant-id\n"
                       "          from: token_reply\n          url: https://api.xero.com/connections"),
        "url: https://api.xero.com/connections", "apis[0].secrets.identity[0].url",
        "'url' applies to from: connections_call only"),
    "an identity name that is no placeholder": (
        lambda: edited(XERO, "          header: xero-tenant-id", "          header: xero-tenant-id\n"
                       "          name: tenant-id"), "name: tenant-id", "apis[0].secrets.identity[0].name",
        "must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$ (got 'tenant-id')"),
    "a sink named like the Key Vault linked service": (
        lambda: edited(NATIVE, "    lake: {type", "    key_vault: {type"), "    key_vault: {type",
        "factory.sinks.key_vault", "the generated linkedService name for 'key_vault' is also the one for the Key "
        "Vault linked service; rename one of them"),
    "a sink named like the API's own REST linked service": (
        lambda: edited(NATIVE, "    lake: {type", "    graph_rest: {type"), "flow: client_credentials_native",
        "apis[0].auth.flow", "the generated linkedService name for 'graph_rest' is also the one for "
        "factory.sinks.graph_rest; rename one of them"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_auth_problem_names_file_line_field_and_choices(case, tmp_path, monkeypatch):
    make, needle, where, message = CASES[case]
    text = make()
    monkeypatch.chdir(tmp_path)
    Path("specs").mkdir()
    Path("specs/s.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(AdfgenError) as raised:
        load_specs([Path("specs/s.yaml")])
    assert [(p.file, p.line, p.where, p.message) for p in raised.value.problems] == [
        ("specs/s.yaml", line_of(text, needle), where, message)]


def test_the_native_example_and_the_shipped_spec_are_valid():
    for text in (NATIVE, XERO, SHIPPED, PASSWORD):
        spec, problems = load_spec_text(text, "s.yaml")
        assert problems == [], problems


def test_every_flow_declares_what_the_build_needs():
    """Each unit names its secrets, its grant (or a native linked service) and a README row."""
    assert FLOWS.names() == sorted(FLOW_NAMES.split(", "))
    for name, flow in FLOWS:
        assert flow.name == name and summary(flow) and flow.grant
        assert set(flow.required_secrets).isdisjoint(flow.optional_secrets)
        row = flow.doc_row()
        assert row["flow"] == f"`{name}`" and all(row.values())


def test_identity_values_keep_their_names_sources_and_defaults():
    text = edited(XERO, "          header: xero-tenant-id", "          header: xero-tenant-id\n"
                  "          from: connections_call\n          name: tenant_id\n"
                  "        - {name: org_code, secret: xero-org-code, from: token_reply, field: org}")
    spec, problems = load_spec_text(text, "s.yaml")
    assert problems == []
    first, second = spec.spec.apis[0].secrets.identity
    assert (first.placeholder, first.source, first.header) == ("tenant_id", "connections_call", "xero-tenant-id")
    assert (second.placeholder, second.source, second.field, second.header) == ("org_code", "token_reply", "org", None)
    legacy, _ = load_spec_text(XERO, "s.yaml")
    assert legacy.spec.apis[0].secrets.identity[0].placeholder == "xero_tenant_id"  # no name: the secret's
    assert legacy.spec.apis[0].secrets.identity[0].source is None
    shipped, _ = load_spec_text(SHIPPED, "s.yaml")
    (tenant,) = shipped.spec.apis[0].secrets.identity
    assert (tenant.placeholder, tenant.source, tenant.header) == ("tenant_id", "connections_call", "xero-tenant-id")


def test_the_schema_lists_every_flow_and_its_fields():
    from adfgen.spec import spec_json_schema
    from adfgen.spec.model import AUTH_FIELD_FLOWS

    schema = spec_json_schema()
    auth = schema["$defs"]["Auth"]["properties"]
    assert auth["flow"]["enum"] == FLOWS.names()
    for field, flows in AUTH_FIELD_FLOWS.items():
        assert f"(flows: {', '.join(flows)})" in auth[field]["description"], field
    identity = schema["$defs"]["IdentityValue"]["properties"]
    assert identity["from"]["anyOf"][0]["enum"] == ["consent_redirect", "token_reply", "connections_call"]
    assert {"name", "secret", "header", "field", "url", "label"} <= set(identity)


def test_the_readme_auth_flow_table_is_the_generated_one():
    """scripts/regenerate-readme rewrites it from the registry; an edited unit without a regenerated README fails."""
    from adfgen.spec.variants.auth import auth_table

    text = (REPO / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- generated:auth-flows -->\n", "<!-- /generated:auth-flows -->"
    assert text.count(start) == 1 and text.count(end) == 1
    assert text.split(start, 1)[1].split(end, 1)[0] == auth_table()
    assert all(f"| `{name}` |" in auth_table() for name in FLOWS.names())


NEW_FLOW = '''"""A flow a test adds: the client-credentials grant with an extra audience field."""

from __future__ import annotations

from typing import Any

from adfgen.spec.variants.auth import FLOWS, AuthFlow, FormField


@FLOWS.register("audience_grant")
class AudienceGrant(AuthFlow):
    """Client credentials with an audience."""

    required_secrets = ("client_id", "client_secret", "access_token")
    grant = "client_credentials"

    @classmethod
    def fields(cls) -> dict[str, tuple[Any, Any]]:
        from pydantic import Field

        return {"audience": (str | None, Field(None, description="the API the token is for")), **super().fields()}

    def grant_fields(self, auth) -> list[FormField]:
        return [FormField("audience", auth.audience)]
'''

ACCOUNT_FLOW = '''"""A flow a test adds: Zoom's server-to-server grant, account_credentials with the account id."""

from __future__ import annotations

from typing import Any

from adfgen.spec.variants.auth import FLOWS, AuthFlow, FormField


@FLOWS.register("account_credentials")
class AccountCredentials(AuthFlow):
    """Zoom's account credentials grant."""

    required_secrets = ("client_id", "client_secret", "access_token")
    grant = "account_credentials"

    @classmethod
    def fields(cls) -> dict[str, tuple[Any, Any]]:
        from pydantic import Field

        return {"account_id": (str | None, Field(None, description="the Zoom account")), **super().fields()}

    def check(self, api) -> list[tuple[tuple, str]]:
        return [] if api.auth.account_id else [(("auth",), "missing 'account_id'")]

    def grant_fields(self, auth) -> list[FormField]:
        return [FormField("account_id", auth.account_id)]
'''

# argv: the spec, the shipped spec, the new flow's name, then the OAuth peer's CA file and the client id and secret
PROBE = '''
import json, sys
from pathlib import Path
from adfgen.build import build_factories
from adfgen.oauth.tokens import Client, by_grant
from adfgen.spec import spec_json_schema
from adfgen.spec.variants.docs import regenerate
from adfgen.spec.variants.auth import auth_table
from adfgen.spec import load_spec_text, load_specs
spec_path, shipped, flow, ca, client_id, client_secret = sys.argv[1:]
(build,) = build_factories([Path(spec_path)])
assert load_spec_text(Path(shipped).read_text(encoding="utf-8"), "xero.yaml")[1] == []  # other flows unchanged
refresh = next(r for r in build.resources if r.name.endswith("_refresh"))
post = next(a for a in refresh.properties["activities"] if a["name"] == "Request Token")
# adfgen auth's token call, with the unit registered here only (never in the test process's shared FLOWS)
(loaded,) = load_specs([Path(spec_path)])
reply = by_grant(loaded.spec.apis[0].auth, Client(client_id, client_secret), {}, verify=ca)
print(json.dumps({"post": post, "flows": spec_json_schema()["$defs"]["Auth"]["properties"]["flow"]["enum"],
                  "row": [line for line in auth_table().splitlines() if f"| `{flow}` |" in line],
                  "token": reply.access_token}))
'''

CLIENT = ("a-id", "a-client-secret-value")  # the new flow's client at the OAuth peer


@pytest.fixture()
def oauth_peer(tmp_path):
    """The OAuth peer (HTTPS on 127.0.0.1) with the new flow's client, and its CA file."""
    import trustme

    from tests.peers.oauth_server import OAuthServer

    authority = trustme.CA()
    ca = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca))
    peer = OAuthServer(authority)
    peer.add_client(*CLIENT)
    yield peer, ca
    peer.stop()


def run_with_new_flow(tmp_path: Path, flow: str, module: str, spec_text: str, peer, ca: Path) -> dict:
    """PROBE's answer in a copy of the package with one new module in variants/auth, for a spec of that flow whose
    token URL is the OAuth peer's."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "copy"
    shutil.copytree(REPO / "adfgen", copy / "adfgen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "templates", copy / "templates")
    (copy / "adfgen" / "spec" / "variants" / "auth" / f"{flow}.py").write_text(module, encoding="utf-8")
    spec = tmp_path / "a.yaml"
    spec.write_text(edited(spec_text, "token_url: https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/"
                                      "v2.0/token", f"token_url: {peer.token_url}"), encoding="utf-8")
    found = subprocess.run([sys.executable, "-c", PROBE, str(spec), str(REPO / "specs" / "xero.yaml"), flow, str(ca),
                            *CLIENT], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(copy)},
                           cwd=copy, timeout=120)
    assert found.returncode == 0, found.stderr[-2000:]
    return json.loads(found.stdout)


def new_flow_spec(flow: str, auth_fields: str) -> str:
    """NATIVE as a spec of `flow` with these auth fields, reading its client id, secret and token from Key Vault."""
    return (edited(NATIVE.replace("flow: client_credentials_native", f"flow: {flow}"),
                   "      client_id: 0b1c2d3e-aaaa-bbbb-cccc-123456789abc\n", auth_fields)
            .replace("      client_secret: graph-client-secret",
                     "      client_id: a-id\n      client_secret: a-secret\n      access_token: a-access"))


def assert_adfgen_auth_sent_the_pipelines_form(result: dict, peer) -> None:
    """The one token POST the peer received is the refresh pipeline's form and Authorization header."""
    from tests.test_auth_forms import pipeline_post

    (request,) = peer.requests
    form, authorization = pipeline_post(result["post"], dict(zip(("client_id", "client_secret"), CLIENT)))
    assert (request["form"], request["authorization"]) == (form, authorization)


def test_a_new_flow_is_one_module(tmp_path, oauth_peer):
    """In a copy of the package, one new module in variants/auth makes the model, validation, build, README table
    and `adfgen auth`'s token call know a new flow; no other file changes."""
    peer, ca = oauth_peer
    result = run_with_new_flow(tmp_path, "audience_grant", NEW_FLOW, new_flow_spec(
        "audience_grant", "      audience: https://api.example.com\n      client_auth: body\n"), peer, ca)
    assert "audience_grant" in result["flows"]
    assert result["row"] == ["| `audience_grant` | Client credentials with an audience. | `audience`, `client_auth`, "
                             "`refresh_margin`, `token_header`, `token_params` | `client_id`, `client_secret`, "
                             "`access_token` | refresh pipeline (`grant_type=client_credentials`) |"]
    assert "grant_type=client_credentials&audience=https%3A%2F%2Fapi.example.com" in result["post"]["typeProperties"][
        "body"]["value"]
    assert_adfgen_auth_sent_the_pipelines_form(result, peer)
    assert peer.requests[0]["form"]["audience"] == "https://api.example.com"
    assert any(t.access_token == result["token"] for t in peer.tokens)  # the peer issued it


def test_a_flow_with_a_new_grant_is_one_module(tmp_path, oauth_peer):
    """Zoom's account_credentials grant (with account_id) gets its token through `adfgen auth`'s call, and through
    `adfgen auth login`, with the form the refresh pipeline sends; the peer has no such grant, so it answers as Zoom
    would, from a script."""
    import os
    import subprocess
    import sys

    import yaml

    peer, ca = oauth_peer
    for n in (1, 2):
        peer.answer_next_token(200, {"access_token": f"zoom-access-value-{n}", "token_type": "bearer",
                                     "expires_in": 3599})
    result = run_with_new_flow(tmp_path, "account_credentials", ACCOUNT_FLOW, new_flow_spec(
        "account_credentials", "      account_id: zoom-account-1\n"), peer, ca)
    assert result["row"] and "account_credentials" in result["flows"]
    assert_adfgen_auth_sent_the_pipelines_form(result, peer)
    assert result["token"] == "zoom-access-value-1"
    assert peer.requests[0]["form"]["grant_type"] == "account_credentials"
    assert peer.requests[0]["form"]["account_id"] == "zoom-account-1"
    assert peer.requests[0]["authorization"].startswith("Basic ")  # the default client authentication
    # `adfgen auth login` asks the user for nothing (the form holds only constants) and stores the token
    project = tmp_path / "project"
    (project / "specs").mkdir(parents=True)
    (tmp_path / "a.yaml").replace(project / "specs" / "a.yaml")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "copy"), "REQUESTS_CA_BUNDLE": str(ca),
           "ADFGEN_CLIENT_ID": CLIENT[0], "ADFGEN_CLIENT_SECRET": CLIENT[1]}
    login = subprocess.run([sys.executable, "-m", "adfgen.cli", "auth", "login", "graph", "--vault", "v.yaml"],
                           capture_output=True, text=True, env=env, cwd=project, stdin=subprocess.DEVNULL, timeout=120)
    assert login.returncode == 0, login.stderr[-2000:]
    assert not any(value in login.stdout + login.stderr for value in ("zoom-access-value-2", CLIENT[1]))
    assert peer.requests[1] == peer.requests[0]
    assert yaml.safe_load((project / "v.yaml").read_text())["a-access"]["value"] == "zoom-access-value-2"


def test_the_password_refresh_reads_the_user_and_writes_only_the_access_token(tmp_path):
    from adfgen.build import build_factories

    spec = tmp_path / "p.yaml"
    spec.write_text(PASSWORD, encoding="utf-8")
    (build,) = build_factories([spec])
    refresh = next(r for r in build.resources if r.name == "pl_graph_refresh")
    activities = {a["name"]: a for a in refresh.properties["activities"]}
    reads = sorted(n for n, a in activities.items() if n.startswith("Get "))
    assert reads == ["Get Client Id", "Get Client Secret", "Get Password", "Get Username"]
    assert "Save Refresh Token" not in activities and "Save Access Token" in activities
    assert "grant_type=password" in activities["Request Token"]["typeProperties"]["body"]["value"]
    assert build.written_secret_names == ("sn-access",)
    assert not any(r.kind == "trigger" and r.name.endswith("keepalive") for r in build.resources)


def test_editors_see_another_flows_field_as_an_error_through_the_schema():
    """The schema's per-flow `if/then` forbids the fields a flow does not use, as the build does."""
    import jsonschema
    import yaml

    from adfgen.spec import spec_json_schema

    validator = jsonschema.Draft202012Validator(spec_json_schema())
    assert list(validator.iter_errors(yaml.safe_load(NATIVE))) == []
    with_pkce = yaml.safe_load(edited(NATIVE, "      client_id: 0b1c", "      pkce: true\n      client_id: 0b1c"))
    (error,) = validator.iter_errors(with_pkce)
    assert list(error.absolute_path) == ["apis", 0, "auth"] and list(error.schema_path)[-2:] == ["then", "properties"]
    assert error.schema is False  # the subschema a field of another flow gets
    native = next(rule["then"]["properties"] for rule in spec_json_schema()["$defs"]["Auth"]["allOf"]
                  if rule["if"]["properties"]["flow"]["const"] == "client_credentials_native")
    assert native["pkce"] is False and "client_id" not in native  # the native flow's own field stays allowed


def test_a_broken_unit_module_fails_every_lookup(tmp_path, monkeypatch):
    """A variant module that cannot be imported is an error each time, never a registry silently missing it."""
    import sys

    from adfgen.spec.variants.registry import Registry

    package = tmp_path / "broken_variants"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "good.py").write_text("from tests_registry_probe import REGISTRY\nREGISTRY.register('good')(1)\n",
                                     encoding="utf-8")
    (package / "bad.py").write_text("raise ImportError('bad unit')\n", encoding="utf-8")
    probe = type(sys)("tests_registry_probe")
    probe.REGISTRY = Registry("probe", "broken_variants")
    monkeypatch.setitem(sys.modules, "tests_registry_probe", probe)
    monkeypatch.syspath_prepend(str(tmp_path))
    for _ in range(2):
        with pytest.raises(ImportError, match="bad unit"):
            probe.REGISTRY.names()
