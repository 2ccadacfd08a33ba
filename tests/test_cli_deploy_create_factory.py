"""`deploy --create-factory`: a missing factory is created with its system-assigned identity (local ARM peer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adfgen.cli import main
from tests.peers.arm_server import ArmServer
from tests.peers.fixtures import FACTORY, RG, SUB, TOKEN, sample_resources

REPO = Path(__file__).resolve().parent.parent
XERO = REPO / "specs" / "xero.yaml"


@pytest.fixture
def arm(monkeypatch):
    with ArmServer(lro_polls=None, token=TOKEN) as server:
        monkeypatch.setenv("ADFGEN_ARM_TOKEN", TOKEN)
        monkeypatch.setenv("ADFGEN_ARM_ENDPOINT", server.url)
        yield server


def _source(tmp_path: Path) -> Path:
    for r in sample_resources():
        path = tmp_path / "src" / r.kind / f"{r.name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(r.to_git()))
    return tmp_path / "src"


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and TOKEN not in out + err
    return code, out, err


def _args(arm, folder, *extra):
    return ["deploy", "--source", str(folder), "--subscription", SUB, "--resource-group", RG, "--factory", FACTORY,
            "--ca-bundle", arm.ca_path, "--skip-grants", *extra]


def test_a_missing_factory_is_created_with_its_identity_then_deployed(arm, tmp_path, capsys):
    code, out, err = _run(capsys, *_args(arm, _source(tmp_path), "--create-factory", "--location", "northeurope"))
    assert code == 0, out + err
    assert f"created factory {FACTORY} in northeurope" in err
    factory = arm.state.factories[FACTORY.lower()]
    assert factory["location"] == "northeurope" and factory["identity"]["type"] == "SystemAssigned"
    assert arm.count("PUT", f"/factories/{FACTORY}$") == 1
    assert "pl_worker" in arm.names(FACTORY, "pipelines")


def test_without_the_flag_a_missing_factory_is_an_error(arm, tmp_path, capsys):
    code, _, err = _run(capsys, *_args(arm, _source(tmp_path)))
    assert code == 1 and "does the factory exist" in err
    assert arm.count("PUT") == 0


def test_creating_needs_a_location(arm, tmp_path, capsys):
    code, _, err = _run(capsys, *_args(arm, _source(tmp_path), "--create-factory"))
    assert code == 2 and "needs a location" in err
    assert arm.count("PUT") == 0


def test_dry_run_says_what_it_would_create_and_creates_nothing(arm, tmp_path, capsys):
    code, out, err = _run(capsys, *_args(arm, _source(tmp_path), "--create-factory", "--location", "westeurope",
                                         "--dry-run", "-o", "json"))
    assert code == 3 and "does not exist" in err
    (doc,) = json.loads(out)["factories"]
    assert doc["counts"] == {"create": len(sample_resources())}
    assert FACTORY.lower() not in arm.state.factories and arm.count("PUT") == 0


def test_an_existing_factory_is_left_as_it_is(arm, tmp_path, capsys):
    arm.add_factory(SUB, RG, FACTORY, location="westeurope")
    code, _, err = _run(capsys, *_args(arm, _source(tmp_path), "--create-factory", "--location", "northeurope"))
    assert code == 0 and "created" not in err
    assert arm.state.factories[FACTORY.lower()]["location"] == "westeurope"
    assert arm.count("PUT", f"/factories/{FACTORY}$") == 0  # the factory itself was not PUT


def test_the_spec_location_and_a_new_identity_serve_the_key_vault_grant(arm, tmp_path, capsys):
    arm.add_vault("00000000-0000-0000-0000-000000000000", "rg-xero-dev", "kv-xero-dev", rbac=True)
    code, out, err = _run(capsys, "deploy", str(XERO), "--out", str(tmp_path / "out"), "--build", "--create-factory",
                          "--ca-bundle", arm.ca_path, "-o", "json")
    assert code == 0, out + err
    factory = arm.state.factories["adf-xero-dev"]
    assert factory["location"] == "westeurope"  # specs/xero.yaml: factory.azure.location
    (doc,) = json.loads(out)["factories"]
    assert [g["status"] for g in doc["grants"]] == ["granted"]  # granted to the identity created with the factory


def test_plan_of_a_missing_factory_names_the_flag_that_creates_it(arm, tmp_path, capsys):
    args = _args(arm, _source(tmp_path))[1:-1]  # plan takes no --skip-grants
    code, _, err = _run(capsys, "plan", *args)
    assert code == 1 and "--create-factory" in err


def test_plan_with_create_factory_shows_the_factory_to_be_created_and_every_resource_a_create(arm, tmp_path, capsys):
    args = _args(arm, _source(tmp_path))[1:-1]
    code, out, err = _run(capsys, "plan", *args, "--create-factory", "-o", "json")
    assert code == 3 and f"factory {FACTORY} does not exist: deploy --create-factory creates it" in err
    (doc,) = json.loads(out)["factories"]
    assert doc["counts"] == {"create": len(sample_resources())}
    assert FACTORY.lower() not in arm.state.factories and arm.count("PUT") == 0
    # the same plan deploy --dry-run shows
    _, dry, _ = _run(capsys, *_args(arm, _source(tmp_path), "--create-factory", "--location", "x", "--dry-run",
                                   "-o", "json"))
    assert json.loads(dry)["factories"][0]["resources"] == doc["resources"]


def test_plan_create_factory_reads_an_existing_factory_as_plan_does(arm, tmp_path, capsys):
    arm.add_factory(SUB, RG, FACTORY)
    args = _args(arm, _source(tmp_path))[1:-1]
    code, out, err = _run(capsys, "plan", *args, "--create-factory", "-o", "json")
    assert code == 3 and "does not exist" not in err
    assert json.loads(out)["factories"][0]["counts"] == {"create": len(sample_resources())}
    assert arm.count("GET", "/pipelines") >= 1  # it read the live factory
