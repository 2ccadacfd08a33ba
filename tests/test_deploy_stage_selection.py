"""`deploy --stage` with a selection (issue 15 follow-ups): a stage line for objects the selection leaves out is
skipped and said so, a line naming nothing in the folder is still an error, and a `factory` line is refused in the
same words in the CSV and the JSON form. Run as a user does: the CLI on a folder, against the local ARM peer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adfgen.cli import main
from tests.peers.fixtures import FACTORY, RG, SUB, TOKEN, cli_arm_peer, sample_resources

DATAFLOW = {"name": "df_orders", "properties": {"type": "MappingDataFlow", "typeProperties": {"script": "source()"}}}
KV_URL = "https://kv-uat.vault.azure.net/"


@pytest.fixture
def arm(monkeypatch):
    with cli_arm_peer(monkeypatch, FACTORY) as server:
        yield server


def _folder(tmp_path: Path, global_parameters: bool = True) -> Path:
    """A hand-written ADF folder: the sample resources, a data flow, and a factory file."""
    folder = tmp_path / "adf"
    factory = {"name": FACTORY, "location": "westeurope", "properties": (
        {"globalParameters": {"env": {"type": "String", "value": "dev"}}} if global_parameters else {})}
    files = {r.git_path: {"name": r.name, "properties": {k: v for k, v in r.properties.items() if k != "annotations"}}
             for r in sample_resources()}
    files |= {"dataflow/df_orders.json": DATAFLOW, f"factory/{FACTORY}.json": factory}
    for rel, doc in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(json.dumps(doc))
    return folder


def _stage(tmp_path: Path, name: str, content) -> str:
    file = tmp_path / name
    file.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(file)


def _deploy(arm, capsys, folder: Path, *extra: str) -> tuple[int, str]:
    code = main(["deploy", "--source", str(folder), "--subscription", SUB, "--resource-group", RG, "--factory",
                 FACTORY, "--ca-bundle", arm.ca_path, "--skip-grants", "--adopt", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and TOKEN not in out + err
    return code, out + err


LEFT_OUT = ["--exclude", "dataflow.*", "--exclude", "factory.*", "--exclude", "trigger.*"]
# one line per kind of left-out object, each of which could not apply here at all (no such property, a kind
# deploy does not publish, a PowerShell expression): outside the selection none of that matters
CSV_LEFT_OUT = ("type,name,path,value\n"
                f"linkedService,ls_keyvault,typeProperties.baseUrl,{KV_URL}\n"
                "dataflow,df_orders,typeProperties.script,\"$(Get-Content script.txt)\"\n"
                f"factory,{FACTORY},$.properties.globalParameters.env.value,uat\n"
                "trigger,tr_daily,typeProperties.nope,1\n")
JSON_LEFT_OUT = {"ls_keyvault": [{"name": "$.properties.typeProperties.baseUrl", "value": KV_URL}],
                 "df_orders": [{"name": "$.properties.typeProperties.script", "value": "$(Get-Content script.txt)"}],
                 FACTORY: [{"name": "$.properties.globalParameters.env.value", "value": "uat"}],
                 "tr_daily": [{"name": "$.properties.typeProperties.nope", "value": "1"}]}


@pytest.mark.parametrize("name, content, skipped", [
    ("config-uat.csv", CSV_LEFT_OUT, "line 3, line 4, line 5"),
    ("config-uat.json", JSON_LEFT_OUT, f"df_orders[0], {FACTORY}[0], tr_daily[0]")])
def test_lines_for_objects_the_selection_leaves_out_are_skipped_and_named(arm, tmp_path, capsys, name, content,
                                                                           skipped):
    folder = _folder(tmp_path)
    code, text = _deploy(arm, capsys, folder, *LEFT_OUT, "--stage", _stage(tmp_path, name, content))
    assert code == 0, text
    assert "1 property updated" in text and f"outside the selection: {skipped}" in text
    assert arm.resource(FACTORY, "linkedservices", "ls_keyvault")["properties"]["typeProperties"]["baseUrl"] == KV_URL
    assert arm.names(FACTORY, "triggers") == []
    assert "Get-Content" not in text  # values are never echoed


@pytest.mark.parametrize("name, content, message", [
    ("c.csv", "type,name,path,value\ndataflow,df_ordrs,typeProperties.script,x\n", "matches no dataflow in the source"),
    ("c.csv", "type,name,path,value\ntrigger,tr_dialy,typeProperties.x,1\n", "matches no trigger in the source"),
    ("c.json", {"df_ordrs": [{"name": "typeProperties.script", "value": "x"}]}, "matches no object in the source"),
])
def test_a_line_naming_nothing_in_the_folder_is_still_an_error(arm, tmp_path, capsys, name, content, message):
    code, text = _deploy(arm, capsys, _folder(tmp_path), *LEFT_OUT, "--stage", _stage(tmp_path, name, content))
    assert code == 1 and message in text
    assert arm.count("PUT") == 0


def test_a_name_matching_objects_on_both_sides_applies_to_those_inside_only(arm, tmp_path, capsys):
    # ls_rest has no baseUrl: were the line applied to it (excluded), it would fail
    stage = _stage(tmp_path, "c.csv", f"type,name,path,value\nlinkedService,ls_*,typeProperties.baseUrl,{KV_URL}\n")
    code, text = _deploy(arm, capsys, _folder(tmp_path), *LEFT_OUT, "--exclude", "linkedService.ls_rest",
                         "--exclude", "dataset.*", "--exclude", "pipeline.*", "--stage", stage)
    assert code == 0, text
    assert "1 property updated" in text and "skipped" not in text
    assert arm.names(FACTORY, "linkedservices") == ["ls_keyvault"]


def test_an_include_scope_leaves_lines_out_too(arm, tmp_path, capsys):
    stage = _stage(tmp_path, "c.csv", CSV_LEFT_OUT)
    code, text = _deploy(arm, capsys, _folder(tmp_path), "--include", "linkedService.ls_rest", "--stage", stage)
    assert code == 0, text
    assert "0 properties updated" in text and "outside the selection: line 2, line 3, line 4, line 5" in text


@pytest.mark.parametrize("name, content, where", [
    ("c.csv", f"type,name,path,value\nfactory,{FACTORY},+globalParameters.env,uat\n", "c.csv:2: cannot apply"),
    ("c.json", {FACTORY: [{"name": "$.properties.globalParameters.env", "value": "uat", "action": "add"}]},
     f"c.json: cannot apply: {FACTORY}[0]")])
def test_a_factory_line_is_refused_in_the_same_words_in_both_forms(arm, tmp_path, capsys, name, content, where):
    # a factory file without global parameters is no reason to refuse the folder; the line is the problem
    folder = _folder(tmp_path, global_parameters=False)
    code, text = _deploy(arm, capsys, folder, "--exclude", "dataflow.*", "--stage", _stage(tmp_path, name, content))
    assert code == 1 and arm.count("PUT") == 0
    assert where in text
    assert ("type 'factory' overrides the factory resource (its global parameters), which adfgen deploy never "
            "changes") in text
    assert "every other line applies" in text and "matches no object" not in text
