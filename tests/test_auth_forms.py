"""One source for the token POST: what `adfgen auth login` / `refresh` send (as the OAuth peer received it) is what
the build's refresh pipeline sends for the same spec and the same vault values (its "Request Token" body and
Authorization header, evaluated), for every registered flow that keeps its token in Key Vault."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from adfgen.build import activity_names as act
from adfgen.build import build_factories
from adfgen.expressions.evaluator import Scope, evaluate
from adfgen.spec import load_specs
from adfgen.spec.variants.auth import FLOWS
from tests.auth_world import BODY_CLIENT_ID, BODY_CLIENT_SECRET, AuthWorld

# a token_params value that needs encoding, so that both sides' form encoding is compared too
TOKEN_PARAMS = {"audience": "https://api.example.com/v1", "note": "a b&c=d+é"}
USER, PASSWORD = "svc.user", "pa&ss"  # the peer's resource owner


def pipeline_post(post: dict, values: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """A Request Token Web activity's form fields (decoded) and Authorization header, evaluated with the secret values
    its Get activities read (role -> value)."""
    scope = Scope(activities={act.read_secret(role): {"output": {"value": value}} for role, value in values.items()})
    body = evaluate(post["typeProperties"]["body"]["value"], scope)
    header = post["typeProperties"]["headers"].get("Authorization")
    authorization = None if header is None else evaluate(header["value"], scope)
    pairs = parse_qsl(body, keep_blank_values=True, strict_parsing=True)
    assert len({name for name, _ in pairs}) == len(pairs), body  # the peer's form is a dict: no name twice
    return dict(pairs), authorization


def refresh_post(spec: Path) -> dict:
    """The built refresh pipeline's Request Token activity."""
    (build,) = build_factories([spec], "test")
    refresh = next(r for r in build.resources if r.name.endswith("_refresh"))
    return next(a for a in refresh.properties["activities"] if a["name"] == act.REQUEST_TOKEN)


STORED_FLOWS = [name for name, unit in FLOWS if unit.stores_token]  # the others have no refresh pipeline


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = AuthWorld(tmp_path_factory.mktemp("auth-forms"))
    yield world
    world.stop()


def use_flow(world: AuthWorld, flow: str, client_auth: str) -> None:
    """The world's spec with `flow` (a secret name for each role it uses), token_params and the client auth."""
    unit = FLOWS.get(flow)

    def change(spec):
        secrets = spec["apis"][0]["secrets"]
        roles = {r: secrets.get(r) or f"xero-{r.replace('_', '-')}" for r in unit.required_secrets
                 + unit.optional_secrets}
        world.switch_flow(spec, flow, **roles, **({} if unit.consent else {"identity": []}))
        spec["apis"][0]["auth"].update(token_params=TOKEN_PARAMS, client_auth=client_auth)
    world.write_spec(change)


def vault_values(world: AuthWorld, spec: Path) -> dict[str, str]:
    """The secret values the refresh pipeline reads (role -> value), from the Key Vault peer."""
    (loaded,) = load_specs([spec], "test")
    api = loaded.spec.apis[0]
    unit = FLOWS.get(api.auth.flow)()
    values = {role: world.kv_value(getattr(api.secrets, role)) for role in unit.secrets_read(api)}
    assert all(values.values()), sorted(role for role, value in values.items() if not value)
    return values


def received(world: AuthWorld) -> tuple[dict[str, str], str | None]:
    last = world.oauth.requests[-1]
    return last["form"], last["authorization"]


@pytest.mark.parametrize("client_auth", ["basic", "body"])
@pytest.mark.parametrize("flow", STORED_FLOWS)
def test_adfgen_auth_posts_the_refresh_pipelines_form(world, flow, client_auth, capfd, monkeypatch):
    world.fresh(monkeypatch)
    if client_auth == "body":
        monkeypatch.setenv("ADFGEN_CLIENT_ID", BODY_CLIENT_ID)
        monkeypatch.setenv("ADFGEN_CLIENT_SECRET", BODY_CLIENT_SECRET)
    monkeypatch.setenv("ADFGEN_USERNAME", USER)
    monkeypatch.setenv("ADFGEN_PASSWORD", PASSWORD)
    use_flow(world, flow, client_auth)
    spec = world.project / "specs" / "xero.yaml"
    post = refresh_post(spec)
    code, _, err = world.run(capfd, "auth", "login", "xero", "--env", "test", "--port", "0", "--timeout", "20")
    assert code == 0, err
    sent = []
    if not FLOWS.get(flow).consent:  # login itself used the pipeline's grant (a consent flow redeems a code)
        sent.append((received(world), vault_values(world, spec)))
    before = vault_values(world, spec)  # the refresh token rotates: the values the POST was made with
    code, _, err = world.run(capfd, "auth", "refresh", "xero", "--env", "test", "--direct")
    assert code == 0, err
    sent.append((received(world), before))
    for (form, authorization), values in sent:
        expected_form, expected_authorization = pipeline_post(post, values)
        assert form == expected_form
        assert authorization == expected_authorization
        assert (authorization is None) == (client_auth == "body")
        assert {"grant_type", *TOKEN_PARAMS} <= set(form)  # the comparison covered the grant and token_params
