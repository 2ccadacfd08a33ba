"""End to end (issue 12): placeholders in a QuickBooks-like API, run by `adfgen run` against the catalog's fake
QuickBooks API. `{position}` pages inside the `query` value (STARTPOSITION), `{realmId}` comes from Key Vault into the
path, `{host}` is a params constant, and `{watermark}` sits in a WHERE clause: the first run lands every record, the
second only the records changed since."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, unquote

import pytest

from adfgen.cli import main
from adfgen.local.clock import Clock
from adfgen.local.formats import read_records
from tests.peers.query_language_api import PAGE, REALM, SPEC, QueryLanguageWorld

SCALE = 100.0
COUNTS = {"Invoice": 230, "Customer": 120}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("requests-e2e")
    world = QueryLanguageWorld(tmp, Clock(time_scale=SCALE), COUNTS)
    spec = tmp / "qbo.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    world.out = tmp / "out"
    world.landing = tmp / "landing"
    assert main(["build", str(spec), "--out", str(world.out)]) == 0
    yield world
    world.stop()


def run(world, capfd) -> dict:
    """`adfgen run` of the controller; the JSON report. Nothing secret may be printed."""
    capfd.readouterr()
    code = main(["run", "pl_qbo_controller", "--folder", str(world.out / "adf-qbo-e2e"), "--vault", str(world.vault),
                 "--sink-dir", str(world.landing), "--time-scale", str(SCALE), "--ca-bundle", str(world.ca_path),
                 *world.redirects(), "--output", "json"])
    out, err = capfd.readouterr()
    assert not [v for v in world.secret_values() if v in out + err], "a secret value was printed"
    assert code == 0, (out + err)[-3000:]
    return json.loads(out)


def landed(world, endpoint: str) -> dict[str, list[str]]:
    """Batch folder → ids landed in it, for one endpoint."""
    folder = world.landing / "stqboe2e" / "raw" / "qbo" / endpoint
    batches: dict[str, list[str]] = {}
    for batch in sorted(p for p in folder.iterdir() if p.is_dir()):
        batches[batch.name] = [r["Id"] for path in sorted(batch.glob("*.json"))
                               for r in read_records(path, "Json", {})]
    return batches


def sent_queries(requests: list[dict]) -> list[str]:
    """The `query` parameter of each logged request, decoded once as the API decodes it."""
    return [parse_qs(r["query"], keep_blank_values=True)["query"][0] for r in requests]


def test_the_first_run_lands_every_record_paging_inside_the_query(world, capfd):
    report = run(world, capfd)
    invoices, customers = landed(world, "invoices"), landed(world, "customers")
    assert len(invoices) == 1 and sorted(next(iter(invoices.values()))) == sorted(world.api.ids("Invoice"))
    assert len(customers) == 1 and sorted(next(iter(customers.values()))) == sorted(world.api.ids("Customer"))

    requests = world.requests("Invoice")
    # the realm from Key Vault in the path; every page a STARTPOSITION one page further, up to one past the end
    assert {unquote(r["path"]) for r in requests} == {f"/v3/company/{REALM}/query"}
    positions = list(range(1, COUNTS["Invoice"] + PAGE + 1, PAGE))
    sent = sent_queries(requests)
    assert sent[:len(positions)] == [
        f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '1900-01-01T00:00:00Z' STARTPOSITION {p} "
        f"MAXRESULTS {PAGE}" for p in positions]
    # then the chunk loop's probe: the next chunk starts past the last page, copies no row, and the window is done
    assert all(int(q.split("STARTPOSITION ")[1].split()[0]) > COUNTS["Invoice"] for q in sent[len(positions):])
    # percent-encoded as the build wrote it: %20 for spaces (never '+'), the quotes and '>' encoded too
    assert all(" " not in r["query"] and "+" not in r["query"] and "'" not in r["query"] for r in requests)
    # the placeholder inside a longer query value is an assumed behaviour: the report lists it for a real factory
    assumed = {b["key"] for b in report["assumedBehaviours"]}
    assert {"rest.range_in_value", "rest.url_as_given"} <= assumed


def test_a_second_run_loads_only_the_changes(world, capfd):
    changed = world.api.touch("Invoice", 7) + world.api.add("Invoice", 3)
    before = set(landed(world, "invoices"))
    first_log = len(world.requests("Invoice"))
    world.clock.sleep(60)
    run(world, capfd)
    new_batches = {b: ids for b, ids in landed(world, "invoices").items() if b not in before}
    assert len(new_batches) == 1 and sorted(next(iter(new_batches.values()))) == sorted(changed)
    # the WHERE clause carried the stored watermark (the first sync's start less the lookback), not the default
    second = sent_queries(world.requests("Invoice")[first_log:])
    assert second and all("LastUpdatedTime > '1900-" not in q for q in second)
    assert len(landed(world, "customers")) == 2  # no window: a full reload again
