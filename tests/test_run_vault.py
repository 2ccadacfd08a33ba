"""LocalVault: Key Vault's secrets REST over a YAML/JSON file, compared with the Key Vault peer."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
import trustme
import yaml

from adfgen.local import vault as vault_module
from adfgen.local.clock import Clock
from adfgen.local.vault import LocalVault
from tests.peers.keyvault_server import KeyVaultServer

BASE = "https://kv-xero-dev.vault.azure.net/"
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
SECRET = "s3cr3t-value-that-must-never-be-printed"


def call(vault: LocalVault, method: str, path: str, body: dict | None = None, api: bool = True):
    url = BASE + path + ("?api-version=7.4" if api else "")
    reply = vault.handle(method, url, {"Content-Type": "application/json"},
                         json.dumps(body).encode() if body is not None else None)
    return reply.status, (json.loads(reply.body) if reply.body else None)


@pytest.fixture()
def clock():
    return Clock(time_scale=1.0, start=START)


@pytest.fixture()
def yaml_vault(tmp_path, clock):
    path = tmp_path / "secrets.yaml"
    path.write_text(yaml.safe_dump({
        "xero-client-id": "client-1",
        "xero-access-token": {"value": "at-1", "exp": "2026-01-02T03:00:00Z"},
        "xero-refresh-token": {"value": "rt-2", "versions": [{"value": "rt-1"}]},
        "off": {"value": "x", "enabled": False},
    }))
    return LocalVault(path, clock)


def test_get_returns_key_vaults_bundle(yaml_vault):
    status, bundle = call(yaml_vault, "GET", "secrets/xero-client-id")
    assert status == 200
    assert bundle["value"] == "client-1"
    assert bundle["id"].startswith(BASE + "secrets/xero-client-id/")
    version = bundle["id"].rsplit("/", 1)[1]
    assert len(version) == 32
    attributes = bundle["attributes"]
    assert attributes["enabled"] is True
    assert isinstance(attributes["created"], int) and isinstance(attributes["updated"], int)
    assert attributes["recoveryLevel"]
    # the same version again by its id
    assert call(yaml_vault, "GET", f"secrets/xero-client-id/{version}") == (200, bundle)


def test_exp_is_epoch_seconds_and_an_expired_secret_is_still_served(yaml_vault):
    status, bundle = call(yaml_vault, "GET", "secrets/xero-access-token")
    assert status == 200 and bundle["value"] == "at-1"
    assert bundle["attributes"]["exp"] == int(datetime(2026, 1, 2, 3, 0, tzinfo=timezone.utc).timestamp())


def test_older_versions_are_addressable(yaml_vault):
    _, listing = call(yaml_vault, "GET", "secrets/xero-refresh-token/versions")
    ids = [item["id"] for item in listing["value"]]
    assert len(ids) == 2
    old = ids[0].rsplit("/", 1)[1]
    assert call(yaml_vault, "GET", f"secrets/xero-refresh-token/{old}")[1]["value"] == "rt-1"
    assert call(yaml_vault, "GET", "secrets/xero-refresh-token")[1]["value"] == "rt-2"


def test_missing_secret_and_version_are_secret_not_found(yaml_vault):
    for path in ("secrets/nope", "secrets/xero-client-id/" + "0" * 32):
        status, body = call(yaml_vault, "GET", path)
        assert status == 404
        assert body["error"]["code"] == "SecretNotFound"
        assert path.split("/")[1] in body["error"]["message"]


def test_disabled_secret_is_forbidden(yaml_vault):
    status, body = call(yaml_vault, "GET", "secrets/off")
    assert status == 403 and body["error"]["code"] == "Forbidden"


def test_bad_requests(yaml_vault):
    assert call(yaml_vault, "GET", "secrets/xero-client-id", api=False)[0] == 400
    assert call(yaml_vault, "GET", "secrets/bad_name")[0] == 400
    assert call(yaml_vault, "PUT", "secrets/x", {"value": 5})[0] == 400
    assert call(yaml_vault, "PUT", "secrets/x", {"value": "v" * (25 * 1024 + 1)})[0] == 400
    assert call(yaml_vault, "DELETE", "secrets/x")[0] == 405
    reply = yaml_vault.handle("PUT", BASE + "secrets/x?api-version=7.4", {}, b"{not json")
    assert reply.status == 400


def test_put_rotates_keeps_history_and_writes_yaml_atomically(yaml_vault, clock):
    before = yaml_vault.path.read_text()
    status, bundle = call(yaml_vault, "PUT", "secrets/xero-refresh-token",
                          {"value": "rt-3", "attributes": {"exp": 1767300000}})
    assert status == 200 and bundle["value"] == "rt-3"
    assert bundle["attributes"]["exp"] == 1767300000
    created = bundle["attributes"]["created"]
    assert abs(created - int(START.timestamp())) <= 2  # the runtime's clock, not the wall clock
    on_disk = yaml.safe_load(yaml_vault.path.read_text())
    assert on_disk["xero-refresh-token"]["value"] == "rt-3"
    assert [v["value"] for v in on_disk["xero-refresh-token"]["versions"]] == ["rt-1", "rt-2"]
    assert yaml_vault.path.read_text() != before
    assert [p.name for p in yaml_vault.path.parent.iterdir()] == ["secrets.yaml"]  # no temp file left
    # every earlier version id stays valid after the rewrite
    _, listing = call(yaml_vault, "GET", "secrets/xero-refresh-token/versions")
    values = [call(yaml_vault, "GET", "secrets/xero-refresh-token/" + i["id"].rsplit("/", 1)[1])[1]["value"]
              for i in listing["value"]]
    assert values == ["rt-1", "rt-2", "rt-3"]
    # a new secret on a fresh name
    assert call(yaml_vault, "PUT", "secrets/brand-new", {"value": "n"})[0] == 200
    assert call(yaml_vault, "GET", "secrets/brand-new")[1]["value"] == "n"


def test_json_file_stays_json_and_file_mode_is_kept(tmp_path, clock):
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"a": "1"}))
    os.chmod(path, 0o600)
    vault = LocalVault(path, clock)
    assert call(vault, "PUT", "secrets/a", {"value": "2"})[0] == 200
    document = json.loads(path.read_text())
    assert document["a"]["value"] == "2" and document["a"]["versions"][0]["value"] == "1"
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_failed_write_leaves_the_file_whole_and_answers_500(yaml_vault, monkeypatch):
    before = yaml_vault.path.read_text()

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(vault_module.os, "replace", broken)
    status, body = call(yaml_vault, "PUT", "secrets/xero-refresh-token", {"value": "rt-lost"})
    assert status == 500 and body["error"]["code"] == "InternalServerError"
    assert yaml_vault.path.read_text() == before
    assert [p.name for p in yaml_vault.path.parent.iterdir()] == ["secrets.yaml"]
    monkeypatch.undo()
    assert call(yaml_vault, "PUT", "secrets/xero-refresh-token", {"value": "rt-3"})[0] == 200  # a retry works


def test_no_value_is_logged_or_shown(tmp_path, clock, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "secrets.yaml"
    path.write_text(yaml.safe_dump({"tok": SECRET}))
    vault = LocalVault(path, clock)
    call(vault, "GET", "secrets/tok")
    call(vault, "PUT", "secrets/tok", {"value": SECRET + "-next"})
    assert SECRET not in repr(vault)
    path.write_text(f"tok: [{SECRET}\n")  # broken YAML quoting the value
    status, body = call(vault, "GET", "secrets/tok")
    assert status == 500 and SECRET not in json.dumps(body)
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err + caplog.text


@pytest.fixture(scope="module")
def peer():
    ca = trustme.CA()
    server = KeyVaultServer(ca)
    with ca.cert_pem.tempfile() as ca_path:
        yield server, ca_path
    server.stop()


def _shape(value):
    """The structure of a JSON document: keys and value types, not values."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return type(value).__name__


def test_same_answers_as_the_key_vault_peer(peer, tmp_path, clock):
    server, ca_path = peer
    local = LocalVault(tmp_path / "v.yaml", clock)
    steps = [("PUT", "secrets/cmp", {"value": "one"}), ("PUT", "secrets/cmp", {"value": "two", "attributes": {"exp": 2000000000}}),
             ("GET", "secrets/cmp", None), ("GET", "secrets/missing", None), ("PUT", "secrets/cmp", {"nope": 1}),
             ("GET", "secrets/bad_name", None)]
    for method, path, body in steps:
        remote = requests.request(method, server.url + path + "?api-version=7.4", json=body, verify=ca_path,
                                  headers={"Authorization": "Bearer t"}, timeout=10)
        status, document = call(local, method, path, body)
        assert status == remote.status_code, (method, path)
        expected = remote.json()
        if status == 200:
            assert document["value"] == expected["value"]
            assert document["id"].rsplit("/", 2)[-2] == expected["id"].rsplit("/", 2)[-2]
            # the local bundle has at least every attribute the peer has, with the same types
            assert {k: _shape(v) for k, v in document["attributes"].items() if k in expected["attributes"]} == \
                _shape(expected["attributes"])
            assert set(document) == set(expected)
        else:
            assert document["error"]["code"] == expected["error"]["code"]
