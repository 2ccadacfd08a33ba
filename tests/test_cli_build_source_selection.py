"""`adfgen build --source` selects objects with --include/--exclude/--filter exactly as `plan/deploy --source` do
(one option definition, one selection code path). Oracle: for the same folder and flags, the ARM template holds
the objects `plan --source -o json` plans against an empty factory (the local ARM peer)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest

from adfgen.cli import cli, main
from tests.peers.fixtures import FACTORY, RG, SUB, cli_arm_peer, sample_resources

FLAGS = ("--include", "--exclude", "--filter")


@pytest.fixture
def arm(monkeypatch):
    with cli_arm_peer(monkeypatch, FACTORY) as server:
        yield server


def _folder(tmp_path: Path) -> Path:
    """The sample resources, one pipeline in the ADF folder `legacy`, and a data flow (neither command publishes)."""
    folder = tmp_path / "adf"
    for r in sample_resources():
        properties = dict(r.properties) | ({"folder": {"name": "legacy"}} if r.name == "pl_refresh" else {})
        (folder / r.kind).mkdir(parents=True, exist_ok=True)
        (folder / r.kind / f"{r.name}.json").write_text(json.dumps({"name": r.name, "properties": properties}))
    (folder / "dataflow").mkdir()
    (folder / "dataflow" / "df_orders.json").write_text(json.dumps(
        {"name": "df_orders", "properties": {"type": "MappingDataFlow", "typeProperties": {}}}))
    (folder / "filter.txt").write_text("+linkedService.*\n+pipeline.*\n-*.*@legacy\n")
    return folder


def _built(tmp_path: Path, capsys, folder: Path, flags: list[str]) -> tuple[int, set[tuple[str, str]], str]:
    out_dir = tmp_path / f"publish{len(list(tmp_path.glob('publish*')))}"
    code = main(["build", "--source", str(folder), "--factory", FACTORY, "--out", str(out_dir), *flags])
    _, err = capsys.readouterr()
    if code:
        return code, set(), err
    template = json.loads((out_dir / FACTORY / "ARMTemplateForFactory.json").read_text())
    kinds = {"linkedServices": "linkedService", "datasets": "dataset", "pipelines": "pipeline", "triggers": "trigger"}
    return 0, {(kinds[r["type"].rsplit("/", 1)[1]], re.search(r"'/(.+)'\)\]$", r["name"]).group(1))
               for r in template["resources"]}, err


def _planned(arm, capsys, folder: Path, flags: list[str]) -> tuple[int, set[tuple[str, str]], str]:
    code = main(["plan", "--source", str(folder), "--subscription", SUB, "--resource-group", RG, "--factory", FACTORY,
                 "--ca-bundle", arm.ca_path, "-o", "json", *flags])
    out, err = capsys.readouterr()
    if code not in (0, 3):
        return code, set(), err
    return 0, {(r["kind"], r["name"]) for r in json.loads(out)["factories"][0]["resources"]}, err


@pytest.mark.parametrize("flags", [
    ["--exclude", "dataflow.*"],
    ["--include", "pipeline.*", "--include", "linkedService.ls_*"],
    ["--include", "*.*", "--exclude", "*.*@legacy", "--exclude", "trigger.*", "--exclude", "dataflow.*"],
    ["--include", "pipeline.*@legacy"],
    ["--filter", "{folder}/filter.txt"],
    ["--filter", "{folder}/filter.txt", "--exclude", "pipeline.pl_worker"],
])
def test_build_selects_what_plan_selects(arm, tmp_path, capsys, flags):
    folder = _folder(tmp_path)
    flags = [f.format(folder=folder) for f in flags]
    built_code, built, build_err = _built(tmp_path, capsys, folder, flags)
    plan_code, planned, plan_err = _planned(arm, capsys, folder, flags)
    assert (built_code, plan_code) == (0, 0), build_err + plan_err
    assert built == planned and built


def _ids(template: dict) -> dict[str, list[str]]:
    """{dependsOn id of each resource: its dependsOn}, the id read from the resource's own name and type."""
    ids = {}
    for r in template["resources"]:
        name = re.search(r"'/(.+)'\)\]$", r["name"]).group(1)
        ids[f"[concat(variables('factoryId'), '/{r['type'].rsplit('/', 1)[1]}/{name}')]"] = r["dependsOn"]
    return ids


@pytest.mark.parametrize("flags", [[], ["--include", "pipeline.*"], ["--exclude", "linkedService.*"]])
def test_the_template_depends_only_on_what_it_deploys(tmp_path, capsys, flags):
    folder = _folder(tmp_path)
    code = main(["build", "--source", str(folder), "--factory", FACTORY, "--out", str(tmp_path / "p"),
                 "--exclude", "dataflow.*", *flags])
    assert code == 0, capsys.readouterr().err
    ids = _ids(json.loads((tmp_path / "p" / FACTORY / "ARMTemplateForFactory.json").read_text()))
    assert all(d in ids for depends in ids.values() for d in depends)  # ARM refuses others (arm_export._within)
    # what stays inside keeps its order: the controller still waits for the pipelines it calls
    assert sum(map(len, ids.values())) >= 2


@pytest.mark.parametrize("flags, message", [
    (["--include", "pipeline.pl_nope"], "--include 'pipeline.pl_nope' matches no resource"),
    (["--include", "pl_*"], "expected KIND.NAME"),
    (["--include", "pipeline.*"], None),  # the data flow is outside the include: acknowledged, as deploy does
    ([], "dataflow/df_orders.json"),  # inside the selection: refused, never dropped silently
])
def test_build_refuses_what_plan_refuses_in_the_same_words(arm, tmp_path, capsys, flags, message):
    folder = _folder(tmp_path)
    built_code, _, build_err = _built(tmp_path, capsys, folder, flags)
    plan_code, _, plan_err = _planned(arm, capsys, folder, flags)
    assert built_code == plan_code and (message is None) == (built_code == 0)
    if message:
        assert message in build_err and message in plan_err


@pytest.mark.parametrize("flag", FLAGS)
def test_the_selection_options_are_one_definition(flag):
    build, deploy, plan = (cli.commands[name] for name in ("build", "deploy", "plan"))

    def option(command: click.Command) -> click.Option:
        return next(p for p in command.params if isinstance(p, click.Option) and flag in p.opts)

    # same name, type and pattern text; only what leaving out means, and build's "with --source", differ
    assert option(build).name == option(deploy).name == option(plan).name
    assert type(option(build).type) is type(option(deploy).type) and option(build).multiple == option(deploy).multiple
    assert option(build).help.removeprefix("with --source: ").split(";")[0].lower() == \
        option(deploy).help.split(";")[0].lower()


@pytest.mark.parametrize("flag, value", [("--include", "pipeline.*"), ("--exclude", "trigger.*"),
                                         ("--filter", "filter.txt")])
def test_selection_without_source_is_a_usage_error(tmp_path, capsys, monkeypatch, flag, value):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "filter.txt").write_text("+pipeline.*\n")
    assert main(["build", "xero", "--out", str(tmp_path / "out"), flag, value]) == 2
    assert f"{flag} applies to --source folders" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
