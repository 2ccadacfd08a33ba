"""The library's deploy() owns what it publishes as `adfgen deploy --source --adopt` does: the "adfgen" annotation on
every resource sent, and, given the folder the resources came from, recorded in its files (local ARM peer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adfgen.azure.deploy import DONE, deploy
from adfgen.azure.plan import make_plan
from adfgen.core.errors import AdfgenError
from adfgen.core.resources import carries_managed_annotation, load_git_folder
from tests.peers.arm_server import ArmServer
from tests.peers.fixtures import FACTORY, RG, SUB, make_clients, sample_resources, target

EXTRA = {"activities": [{"name": "Wait", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 2}}],
         "annotations": ["team-x"]}
HANDMADE = {"activities": [{"name": "Wait", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 9}}],
            "annotations": ["team-x"]}


@pytest.fixture
def arm():
    with ArmServer(page_size=3) as server:
        server.add_factory(SUB, RG, FACTORY)
        yield server


@pytest.fixture
def clients(arm):
    return make_clients(arm)


def _folder(tmp_path: Path) -> Path:
    """A hand-made Git folder as ADF Studio writes it (4-space JSON, no adfgen annotation), plus pl_extra."""
    folder = tmp_path / "adf"
    docs = [(r.kind, r.name, {k: v for k, v in r.properties.items() if k != "annotations"}) for r in sample_resources()]
    docs.append(("pipeline", "pl_extra", EXTRA))
    for kind, name, properties in docs:
        path = folder / kind / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"name": name, "properties": properties}, indent=4) + "\n")
    return folder


def _files(folder: Path) -> dict[Path, str]:
    return {p: p.read_text() for p in folder.rglob("*.json")}


def _deployed(clients, folder: Path, **kwargs):
    report = deploy(clients, target(), load_git_folder(folder), start_triggers=False, **kwargs)
    assert report.ok, [s.to_json() for s in report.steps if s.status != DONE]
    return report


def test_adopt_with_the_source_folder_records_ownership_there_and_prune_then_deletes_it(arm, clients, tmp_path):
    arm.put_resource(FACTORY, "pipelines", "pl_extra", HANDMADE)  # someone's pipeline with the same name
    folder = _folder(tmp_path)
    before = _files(folder)

    with pytest.raises(AdfgenError, match="pipeline pl_extra"):
        deploy(clients, target(), load_git_folder(folder), source_dir=folder)
    assert arm.count("PUT") == 0 and _files(folder) == before  # refused before any change or write

    report = _deployed(clients, folder, adopt=True, source_dir=folder)
    live = arm.resource(FACTORY, "pipelines", "pl_extra")["properties"]
    assert live["annotations"] == ["team-x", "adfgen"] and live["activities"] == EXTRA["activities"]
    written = json.loads((folder / "pipeline" / "pl_extra.json").read_text())
    assert written["properties"]["annotations"] == ["team-x", "adfgen"]
    assert sorted(report.recorded_files) == sorted(p.relative_to(folder).as_posix() for p in before)
    assert report.record_failures == []

    arm.clear_log()
    files = _files(folder)
    again = _deployed(clients, folder, source_dir=folder)  # a re-run converges: nothing sent, nothing written
    assert arm.count("PUT") == 0 and _files(folder) == files and again.recorded_files == []

    (folder / "pipeline" / "pl_extra.json").unlink()
    _deployed(clients, folder, source_dir=folder, prune=True)
    assert "pl_extra" not in arm.names(FACTORY, "pipelines")


def test_without_a_folder_the_resources_sent_are_still_owned_and_no_file_is_written(arm, clients, tmp_path):
    arm.put_resource(FACTORY, "pipelines", "pl_extra", HANDMADE)
    folder = _folder(tmp_path)
    before = _files(folder)

    report = _deployed(clients, folder, adopt=True)
    for r in load_git_folder(folder):  # created and adopted alike carry the annotation live
        assert carries_managed_annotation(arm.resource(FACTORY, r.kind.lower() + "s", r.name)["properties"]), r.name
    assert report.recorded_files == [] and _files(folder) == before
    assert not make_plan(clients, target(), load_git_folder(folder)).takeovers()  # managed from now on
