"""End to end (review of issue 12): a base URL whose whole origin is an identity value, as Salesforce's
`instance_url` arrives in the token reply (`https://host`), run by `adfgen run` against the fake QuickBooks API
standing in for the instance: every record lands at the host the vault names, none at a mangled one."""

from __future__ import annotations

import json

import pytest
import yaml

from adfgen.cli import main
from adfgen.local.clock import Clock
from adfgen.local.formats import read_records
from tests.peers.query_language_api import SPEC, QueryLanguageWorld

pytestmark = pytest.mark.slow
SCALE = 100.0
COUNTS = {"Invoice": 130, "Customer": 20}
ORIGIN = "https://quickbooks.api.intuit.com"  # the value a token reply's instance_url would hold


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("identity-origin-e2e")
    world = QueryLanguageWorld(tmp, Clock(time_scale=SCALE), COUNTS)
    text = SPEC.replace("base_url: https://{host}/v3", 'base_url: "{instance_url}/v3"') \
        .replace("identity: [{name: realmId, secret: qbo-realm-id}]",
                 "identity: [{name: realmId, secret: qbo-realm-id}, "
                 "{name: instance_url, secret: qbo-instance-url, from: token_reply}]")
    assert "{instance_url}/v3" in text and "qbo-instance-url" in text
    spec = tmp / "qbo.yaml"
    spec.write_text(text, encoding="utf-8")
    vault = yaml.safe_load(world.vault.read_text())
    world.vault.write_text(yaml.safe_dump({**vault, "qbo-instance-url": ORIGIN}))
    world.out, world.landing = tmp / "out", tmp / "landing"
    assert main(["build", str(spec), "--out", str(world.out)]) == 0
    yield world
    world.stop()


def test_the_origin_from_the_vault_is_where_every_page_goes(world, capfd):
    capfd.readouterr()
    code = main(["run", "pl_qbo_controller", "--folder", str(world.out / "adf-qbo-e2e"), "--vault", str(world.vault),
                 "--sink-dir", str(world.landing), "--time-scale", str(SCALE), "--ca-bundle", str(world.ca_path),
                 *world.redirects(), "--output", "json"])
    out, err = capfd.readouterr()
    assert code == 0, (out + err)[-3000:]
    json.loads(out)
    folder = world.landing / "stqboe2e" / "raw" / "qbo" / "invoices"
    ids = [r["Id"] for path in sorted(folder.rglob("*.json")) for r in read_records(path, "Json", {})]
    assert sorted(ids) == sorted(world.api.ids("Invoice"))
    assert world.requests("Invoice") and all(r["path"].startswith("/v3/company/") for r in world.requests("Invoice"))
