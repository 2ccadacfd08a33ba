"""An API with more endpoints than one controller pipeline holds: its workers are split into group pipelines that
each stay within ADF's limits, run one after another after one token refresh, and every endpoint still lands."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from adfgen.build import build_factories
from adfgen.core import adf_limits
from tests.data_safety_world import REPO, World


def _many_endpoints(spec: dict, count: int, name_length: int) -> None:
    """Replace the API's endpoints by `count` copies of its invoices endpoint, each with a name of `name_length`."""
    api = spec["apis"][0]
    (invoices,) = [e for e in api["endpoints"] if e["name"] == "invoices"]
    api["endpoints"] = [dict(copy.deepcopy(invoices), name=f"e{i:03d}".ljust(name_length, "x")) for i in range(count)]


def _build(tmp_path, count: int, name_length: int):
    spec = yaml.safe_load((REPO / "specs" / "xero.yaml").read_text())
    _many_endpoints(spec, count, name_length)
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    (build,) = build_factories([path])
    return {r.name: r.properties for r in build.resources if r.kind == "pipeline"}


def _runs(properties: dict) -> list[dict]:
    return [a for a in properties["activities"] if a["type"] == "ExecutePipeline" and a["name"] != "Refresh Token"]


@pytest.mark.parametrize("count, name_length", [(150, 4), (60, 46)])
def test_a_controller_too_big_for_one_pipeline_is_split_into_groups_within_adfs_limits(tmp_path, count, name_length):
    """Many endpoints (or long names) would break 120 activities or 8,192-character expressions: every pipeline of
    the build stays within every limit, and every worker is run by exactly one group."""
    pipelines = _build(tmp_path, count, name_length)
    for name, properties in pipelines.items():
        assert adf_limits.breaches(name, properties) == [], name
    top = pipelines["pl_xero_controller"]
    groups = [run["typeProperties"]["pipeline"]["referenceName"] for run in _runs(top)]
    assert len(groups) >= 2 and all(group.startswith("pl_xero_controller_") for group in groups)
    workers = [run["typeProperties"]["pipeline"]["referenceName"] for group in groups for run in _runs(pipelines[group])]
    assert sorted(workers) == sorted(n for n in pipelines if n.startswith("pl_xero_e"))  # each once, none missing


def test_groups_run_one_after_another_after_one_refresh(tmp_path):
    """Sequential groups keep the API's lanes: group n starts when group n-1 completed (failed or not)."""
    top = _build(tmp_path, 150, 4)["pl_xero_controller"]
    runs = _runs(top)
    assert runs[0]["dependsOn"] == [{"activity": "Refresh Token", "dependencyConditions": ["Succeeded"]}]
    for previous, run in zip(runs, runs[1:]):
        assert run["dependsOn"] == [{"activity": previous["name"], "dependencyConditions": ["Completed"]}]
    assert [a["name"] for a in top["activities"]].count("Refresh Token") == 1


def test_an_api_that_fits_keeps_one_controller(tmp_path):
    """The shipped Xero spec is unchanged: one controller, no groups."""
    pipelines = _build(tmp_path, 9, 10)
    assert not [n for n in pipelines if n.startswith("pl_xero_controller_")]


def test_every_endpoint_of_a_split_controller_lands(tmp_path, capfd):
    """Run end to end with `adfgen run`: the controller succeeds and each of 60 endpoints lands every invoice."""
    world = World(tmp_path, lambda spec: _many_endpoints(spec, 60, 46), counts={"Invoices": 3})
    try:
        code, report, printed = world.run(capfd, "pl_xero_controller")
        assert code == 0, printed[-2000:]
        assert report["status"] == "Succeeded"
        names = [f"e{i:03d}".ljust(46, "x") for i in range(60)]
        landed = {name: len(world.landed(name)) for name in names}
        assert landed == {name: 3 for name in names}
        assert json.dumps(report).count("pl_xero_controller_") >= 2
    finally:
        world.stop()
