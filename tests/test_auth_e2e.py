"""The two halves agree: the tokens `adfgen auth login --vault FILE` stored are the ones the committed factory's
refresh pipeline (out/adf-xero-dev, pl_xero_refresh) rotates with `adfgen run`, and a worker then lands data with
the tenant id that login collected from GET /connections."""

from __future__ import annotations

import json
import webbrowser
from pathlib import Path

import pytest

from tests.auth_world import TENANT, AuthWorld, Browser, vault_value

REPO = Path(__file__).resolve().parent.parent
FACTORY = REPO / "out" / "adf-xero-dev"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = AuthWorld(tmp_path_factory.mktemp("auth-e2e"))
    yield world
    world.stop()


def test_the_refresh_pipeline_rotates_the_tokens_login_stored(world, capfd, monkeypatch, tmp_path):
    monkeypatch.chdir(world.project)
    for key, value in world.environment().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(webbrowser, "open", Browser(world).open)
    vault = tmp_path / "secrets.yaml"
    code, _, err = world.run(capfd, "auth", "login", "xero", "--vault", str(vault), "--port", "0")
    assert code == 0, err
    seeded = vault_value(vault, "xero-refresh-token")["value"]

    token_base = world.oauth.token_url.rsplit("/", 1)[0]
    common = ["--folder", str(FACTORY), "--vault", str(vault), "--sink-dir", str(tmp_path / "landing"),
              "--ca-bundle", str(world.ca_path), "--time-scale", "100", "--output", "json",
              "--redirect", f"https://identity.xero.com/connect/token={token_base}/token",
              "--redirect", f"https://api.xero.com={world.api.url}"]
    code, out, err = world.run(capfd, "run", "pl_xero_refresh", *common)
    assert code == 0, (out + err)[-3000:]
    assert json.loads(out)["status"] == "Succeeded"
    rotated = vault_value(vault, "xero-refresh-token")["value"]
    assert rotated != seeded
    assert world.oauth.find(seeded).rotated_at is not None  # the token login stored was the one redeemed
    assert world.oauth.find(rotated).rotated_at is None

    # a worker reads the stored tenant id and the pipeline's access token, and lands every account
    code, out, err = world.run(capfd, "run", "pl_xero_accounts", *common)
    assert code == 0, (out + err)[-3000:]
    assert vault_value(vault, "xero-tenant-id")["value"] == TENANT
    landed = list((tmp_path / "landing").rglob("*.json"))
    rows = sum(len([line for line in p.read_text().splitlines() if line.strip()]) for p in landed
               if "accounts" in str(p))
    assert rows == len(world.api.records("Accounts")) > 0
