"""`deploy --source` never skips silently what it does not publish: data flows, integration runtimes, credentials,
managed virtual networks and private endpoints, change data capture, global parameters (issue 14, Deploy)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from adfgen.cli import main
from tests.peers.fixtures import FACTORY, RG, SUB, TOKEN, cli_arm_peer, sample_resources

# ADF Studio's Git layout for the kinds deploy does not publish, with minimal bodies of their ARM types
OTHERS = {
    "dataflow/df_orders.json": {"name": "df_orders", "properties": {"type": "MappingDataFlow", "typeProperties": {}}},
    "integrationRuntime/ir_selfhosted.json": {"name": "ir_selfhosted", "properties": {"type": "SelfHosted"}},
    "credential/cred_uami.json": {"name": "cred_uami", "properties": {"type": "ManagedIdentity", "typeProperties": {}}},
    "managedVirtualNetwork/default.json": {"name": "default", "properties": {}},
    "managedVirtualNetwork/default/managedPrivateEndpoint/mpe_sql.json": {
        "name": "mpe_sql", "properties": {"privateLinkResourceId": "/subscriptions/x", "groupId": "sqlServer"}},
    "factory/adf-test-dev.json": {"name": "adf-test-dev", "properties": {
        "globalParameters": {"env": {"type": "String", "value": "uat"}}}},
}


@pytest.fixture
def arm(monkeypatch):
    with cli_arm_peer(monkeypatch, FACTORY) as server:
        yield server


def _folder(tmp_path: Path, others: dict) -> Path:
    folder = tmp_path / "adf"
    files = {r.git_path: r.to_git() for r in sample_resources()} | others
    for rel, doc in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(json.dumps(doc, indent=4))
    return folder


def _run(arm, capsys, command: str, folder: Path, *extra: str) -> tuple[int, str, str]:
    code = main([command, "--source", str(folder), "--subscription", SUB, "--resource-group", RG, "--factory", FACTORY,
                 "--ca-bundle", arm.ca_path, *(["--skip-grants"] if command == "deploy" else []), *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and TOKEN not in out + err
    return code, out, err


@pytest.mark.parametrize("command", ["deploy", "plan"])
def test_a_folder_with_objects_deploy_does_not_publish_is_refused_naming_each(arm, tmp_path, capsys, command):
    folder = _folder(tmp_path, OTHERS)
    code, _, err = _run(arm, capsys, command, folder)
    assert code == 1
    for rel in OTHERS:
        assert rel in err, rel
    # plan deploys nothing in any case: its refusal says there is nothing to plan
    assert ("Nothing was deployed" if command == "deploy" else "Nothing to plan") in err
    assert command == "deploy" or "deployed" not in err
    assert arm.count("PUT") == 0 and arm.count("GET", "/pipelines") == 0  # refused before reading the factory


@pytest.mark.parametrize("command", ["deploy", "plan"])
def test_usage_errors_come_before_the_refusal_of_the_folder(arm, tmp_path, capsys, command):
    folder = _folder(tmp_path, OTHERS)
    code = main([command, "--source", str(folder), "--subscription", SUB, "--resource-group", RG,
                 "--ca-bundle", arm.ca_path, "--skip-grants"][:None if command == "deploy" else -1])
    err = capsys.readouterr().err
    assert code == 2 and "--factory" in err and "dataflow" not in err


def test_the_excludes_the_refusal_names_deploy_the_rest(arm, tmp_path, capsys):
    folder = _folder(tmp_path, OTHERS)
    _, _, err = _run(arm, capsys, "deploy", folder)
    excludes = shlex.split(" ".join(re.findall(r"--exclude '[^']+'", err)))
    assert len(excludes) == 2 * 6  # one per kind: dataflow, integrationRuntime, credential, vnet, endpoint, factory

    code, out, err = _run(arm, capsys, "deploy", folder, *excludes)

    assert code == 0, err
    assert set(arm.names(FACTORY, "pipelines")) == {"pl_refresh", "pl_worker", "pl_controller"}


def test_excluding_one_object_by_name_is_enough_for_it(arm, tmp_path, capsys):
    folder = _folder(tmp_path, {"dataflow/df_orders.json": OTHERS["dataflow/df_orders.json"],
                                "dataflow/df_items.json": {"name": "df_items", "properties": {}}})
    code, _, err = _run(arm, capsys, "deploy", folder, "--exclude", "dataflow.df_orders")
    assert code == 1 and "dataflow/df_items.json (data flow)" in err and "df_orders" not in err


def test_an_include_scope_leaves_the_other_kinds_out_knowingly(arm, tmp_path, capsys):
    folder = _folder(tmp_path, OTHERS)
    code, _, err = _run(arm, capsys, "deploy", folder, "--include", "linkedService.*", "--include", "dataset.*")
    assert code == 0, err
    assert arm.names(FACTORY, "datasets") == ["ds_rest"] and arm.names(FACTORY, "pipelines") == []


def test_a_factory_file_without_global_parameters_is_not_an_object_to_publish(arm, tmp_path, capsys):
    folder = _folder(tmp_path, {"factory/adf-test-dev.json": {
        "name": "adf-test-dev", "location": "westeurope", "identity": {"type": "SystemAssigned"}, "properties": {}}})
    code, _, err = _run(arm, capsys, "deploy", folder)
    assert code == 0, err


def test_an_include_of_a_kind_deploy_does_not_publish_is_a_usage_error(arm, tmp_path, capsys):
    folder = _folder(tmp_path, {})
    code, _, err = _run(arm, capsys, "deploy", folder, "--include", "dataflow.*")
    assert code == 2 and "'dataflow' matches no kind" in err


def _build(tmp_path, capsys, folder: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["build", "--source", str(folder), "--factory", "adf-test-dev", "--out", str(tmp_path / "publish"),
                 *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_build_source_refuses_what_its_arm_export_would_drop_as_deploy_does(arm, tmp_path, capsys):
    folder = _folder(tmp_path, OTHERS)
    code, _, build_err = _build(tmp_path, capsys, folder)
    assert code == 1 and "Nothing was written" in build_err and not (tmp_path / "publish").exists()
    for rel in OTHERS:
        assert rel in build_err, rel
    _, _, deploy_err = _run(arm, capsys, "deploy", folder)
    # the two refusals name the same escape hatch
    excludes = re.findall(r"--exclude '[^']+'", build_err)
    assert excludes == re.findall(r"--exclude '[^']+'", deploy_err)

    code, out, err = _build(tmp_path, capsys, folder, *shlex.split(" ".join(excludes)))

    assert code == 0, err
    template = json.loads((tmp_path / "publish" / "adf-test-dev" / "ARMTemplateForFactory.json").read_text())
    exported = sorted(r["name"].split("/")[-1].rstrip("')]") for r in template["resources"])
    assert len(exported) == len(sample_resources()), exported


def test_build_source_exclude_leaves_that_object_out_of_the_export(tmp_path, capsys):
    folder = _folder(tmp_path, {})
    code, _, err = _build(tmp_path, capsys, folder, "--exclude", "trigger.*")
    assert code == 0, err
    template = json.loads((tmp_path / "publish" / "adf-test-dev" / "ARMTemplateForFactory.json").read_text())
    types = {r["type"].rsplit("/", 1)[-1] for r in template["resources"]}
    assert "triggers" not in types and "pipelines" in types


def test_a_folder_exclude_acknowledges_the_objects_in_that_adf_folder_only(arm, tmp_path, capsys):
    wip = {"name": "df_wip", "properties": {"type": "MappingDataFlow", "folder": {"name": "wip"}}}
    folder = _folder(tmp_path, {"dataflow/df_wip.json": wip, "dataflow/df_orders.json": OTHERS["dataflow/df_orders.json"]})
    code, _, err = _run(arm, capsys, "deploy", folder, "--exclude", "*.*@wip")
    assert code == 1 and "dataflow/df_orders.json" in err and "df_wip" not in err
    code, _, err = _run(arm, capsys, "deploy", folder, "--exclude", "*.*@wip", "--exclude", "dataflow.df_orders")
    assert code == 0, err
