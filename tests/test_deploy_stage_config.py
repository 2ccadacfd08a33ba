"""`deploy --source` for factories adfgen did not write: azure.datafactory.tools' stage config, include/exclude.

The config lines are written as azure.datafactory.tools documents them (docs/GUIDE/CONFIGURATION.md and its
test/BigFactorySample2/deployment/config-*.csv); each is checked against the property it changes, read back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adfgen.azure.filters import parse_selection, select
from adfgen.azure.stage_config import SourceObject, StageScope, apply_overrides, read_stage, stage_file
from adfgen.cli import main
from adfgen.core.errors import AdfgenError, UsageError
from adfgen.core.resources import Resource
from tests.peers.fixtures import FACTORY, RG, SUB, TOKEN, cli_arm_peer, sample_resources

WAITS = Resource("pipeline", "Multiple Waits", {"activities": [
    {"name": "Wait 1", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
    {"name": "If Condition", "type": "IfCondition", "typeProperties": {
        "expression": {"value": "@true", "type": "Expression"},
        "ifTrueActivities": [{"name": "Wait 3", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 3}}]}}],
    "parameters": {"WaitInSec": {"type": "int", "defaultValue": 5}}})
RESOURCES = sample_resources() + [WAITS]

CSV = """type,name,path,value
# Key Vault of the stage
linkedService,ls_keyvault,typeProperties.baseUrl,"https://kv-$($Env:STAGE).vault.azure.net/"
linkedService,ls_rest,"-$.properties.typeProperties.enableServerCertificateValidation",

linkedService,ls_*,+typeProperties.description,"set for every ls_"
pipeline,"Multiple Waits",activities[0].typeProperties.waitTimeInSeconds,10
pipeline,"Multiple Waits",activities["If Condition"].typeProperties.ifTrueActivities["Wait 3"].typeProperties.waitTimeInSeconds,33
pipeline,"Multiple Waits",parameters.WaitInSec,"{'type': 'int', 'defaultValue': 22}"
trigger,tr_daily,$.properties.typeProperties.recurrence.startTime,2026-06-01T06:00:00Z
"""

# The same overrides in the JSON form (v1.5+): names key the objects, `action` says add/remove.
JSON_FORM = {
    "ls_keyvault": [{"name": "$.properties.typeProperties.baseUrl", "value": "https://kv-$($Env:STAGE).vault.azure.net/"}],
    "ls_rest": [{"name": "$.properties.typeProperties.enableServerCertificateValidation", "value": "", "action": "remove"}],
    "ls_*": [{"name": "$.properties.typeProperties.description", "value": "set for every ls_", "action": "add"}],
    "Multiple Waits": [
        {"name": "$.activities[0].typeProperties.waitTimeInSeconds", "value": "10"},
        {"name": "$.activities['If Condition'].typeProperties.ifTrueActivities['Wait 3'].typeProperties.waitTimeInSeconds",
         "value": "33", "action": "update"},
        {"name": "$.parameters.WaitInSec", "value": "{'type': 'int', 'defaultValue': 22}"}],
    "tr_daily": [{"name": "$.properties.typeProperties.recurrence.startTime", "value": "2026-06-01T06:00:00Z"}],
}
ENV = {"STAGE": "uat"}
# what the folder holds besides RESOURCES, as deploy --source reads it (folder_objects): the lines below name them
OTHERS = StageScope((SourceObject("factory", "adf-data-dev"), SourceObject("factory", "adf"),
                     SourceObject("dataflow", "df_orders")))


def _by_name(resources):
    return {r.name: r.properties for r in resources}


def _apply(tmp_path: Path, name: str, text: str, resources=RESOURCES, environ=ENV):
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    return apply_overrides(resources, read_stage(file, resources, environ, OTHERS), environ, OTHERS)


def test_the_csv_form_changes_exactly_the_properties_it_names(tmp_path):
    result, report = _apply(tmp_path, "config-uat.csv", CSV)
    after, before = _by_name(result), _by_name(RESOURCES)
    assert after["ls_keyvault"]["typeProperties"]["baseUrl"] == "https://kv-uat.vault.azure.net/"
    assert "enableServerCertificateValidation" not in after["ls_rest"]["typeProperties"]
    assert all(after[n]["typeProperties"]["description"] == "set for every ls_" for n in ("ls_keyvault", "ls_rest"))
    waits = after["Multiple Waits"]
    assert waits["activities"][0]["typeProperties"]["waitTimeInSeconds"] == 10  # a number stays a number
    assert waits["activities"][1]["typeProperties"]["ifTrueActivities"][0]["typeProperties"]["waitTimeInSeconds"] == 33
    assert waits["parameters"]["WaitInSec"] == {"type": "int", "defaultValue": 22}  # single-quoted JSON read
    assert after["tr_daily"]["typeProperties"]["recurrence"]["startTime"] == "2026-06-01T06:00:00Z"
    assert (report.updated, report.added, report.removed) == (5, 2, 1)
    # nothing else moved, and the source objects were not mutated
    for name in ("ds_rest", "pl_refresh", "pl_worker", "pl_controller"):
        assert after[name] == before[name]
    assert "description" not in before["ls_keyvault"]["typeProperties"]


def test_the_json_form_means_the_same(tmp_path):
    from_csv, _ = _apply(tmp_path, "config-uat.csv", CSV)
    from_json, report = _apply(tmp_path, "config-uat.json", json.dumps(JSON_FORM))
    assert from_json == from_csv
    assert (report.updated, report.added, report.removed) == (5, 2, 1)


def test_stage_names_resolve_as_azure_datafactory_tools_does(tmp_path):
    assert stage_file(tmp_path, "UAT") == tmp_path / "deployment" / "config-UAT.csv"
    assert stage_file(tmp_path, "c:/x/prod.json") == Path("c:/x/prod.json")


def test_a_stage_name_finds_its_file_in_any_case(tmp_path):
    (tmp_path / "deployment").mkdir()
    (tmp_path / "deployment" / "config-uat.csv").write_text("type,name,path,value\n")
    assert stage_file(tmp_path, "UAT") == tmp_path / "deployment" / "config-uat.csv"
    assert stage_file(tmp_path, "uat") == tmp_path / "deployment" / "config-uat.csv"
    if (tmp_path / "deployment" / "CONFIG-UAT.CSV").exists():
        pytest.skip("this file system ignores case: two names differing in case cannot both exist")
    (tmp_path / "deployment" / "config-UAT.csv").write_text("type,name,path,value\n")
    assert stage_file(tmp_path, "UAT") == tmp_path / "deployment" / "config-UAT.csv"  # the exact name first
    with pytest.raises(AdfgenError, match="differ only in case"):
        stage_file(tmp_path, "Uat")


@pytest.mark.parametrize("line, message", [
    ("linkedService,ls_missing,typeProperties.baseUrl,x", "matches no linkedService"),
    ("linkedService,ls_keyvault,typeProperties.nope,x", "has no property typeProperties.nope to update"),
    ("linkedService,ls_keyvault,-typeProperties.nope,", "has no property typeProperties.nope to remove"),
    ('pipeline,"Multiple Waits",activities[7].name,x', "has no property activities[7].name"),
    ('pipeline,"Multiple Waits",activities["Nope"].name,x', 'has no property activities["Nope"].name'),
    ('pipeline,"Multiple Waits",activities[0].typeProperties.waitTimeInSeconds,ten', "the value is not a number"),
    ("linkedService,ls_keyvault,typeProperties.baseUrl,$($Env:UNSET_STAGE_VARIABLE)", "UNSET_STAGE_VARIABLE is not set"),
])
def test_an_override_that_does_not_apply_is_an_error(tmp_path, line, message):
    with pytest.raises(AdfgenError, match="nothing was deployed") as caught:
        _apply(tmp_path, "c.csv", f"type,name,path,value\n{line}\n", environ={})
    assert message in caught.value.render()


@pytest.mark.parametrize("text, message", [
    ("kind,name,path,value\n", "header must be exactly"),
    ("type,name,path,value\nlinkedService,ls_keyvault,typeProperties.baseUrl,a,b\n", "too many columns"),
    ("type,name,path,value\nfactory,adf,$.properties.globalParameters.env.value,uat\n", "not supported"),
    ("type,name,path,value\nwidget,x,a,b\n", "type 'widget' is not one of"),
    ("type,name,path,value\nlinkedService,,a,b\n", "name column is empty"),
])
def test_a_malformed_config_is_refused_with_its_line(tmp_path, text, message):
    file = tmp_path / "c.csv"
    file.write_text(text)
    with pytest.raises(AdfgenError) as caught:
        read_stage(file, RESOURCES, scope=OTHERS)
    assert message in caught.value.render() and "c.csv" in caught.value.render()


def test_every_problem_is_reported_at_once(tmp_path):
    text = "type,name,path,value\nlinkedService,ls_a,x,1\nlinkedService,ls_b,x,1\n"
    with pytest.raises(AdfgenError) as caught:
        _apply(tmp_path, "c.csv", text)
    assert "ls_a" in str(caught.value) and "ls_b" in str(caught.value)


def test_a_value_is_never_echoed_in_an_error(tmp_path):
    secret = "DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0LXZhbHVl"
    text = f'type,name,path,value\npipeline,"Multiple Waits",activities[0].typeProperties.waitTimeInSeconds,"{secret}"\n'
    with pytest.raises(AdfgenError) as caught:
        _apply(tmp_path, "c.csv", text)
    assert secret not in caught.value.render()


def test_the_example_in_docs_deploy_md_reads_as_documented(tmp_path):
    from adfgen.azure.stage_config import read_csv

    text = (Path(__file__).resolve().parent.parent / "docs" / "deploy.md").read_text(encoding="utf-8")
    block = text.split("```\ntype,name,path,value\n", 1)[1].split("```", 1)[0]
    (tmp_path / "c.csv").write_text("type,name,path,value\n" + block)
    overrides, problems = read_csv(tmp_path / "c.csv")
    assert problems == []
    assert [(o.kind, o.pattern, o.action, o.path) for o in overrides] == [
        ("linkedService", "LS_AzureKeyVault", "update", "typeProperties.baseUrl"),
        ("linkedService", "LS_Sql*", "update", "typeProperties.server"),
        ("linkedService", "LS_Blob", "remove", "typeProperties.encryptedCredential"),
        ("linkedService", "LS_Blob", "add", "typeProperties.description"),
        ("pipeline", "PL_Copy", "update", 'activities["Copy Data"].typeProperties.source.batchSize'),
        ("trigger", "TR_Daily", "update", "typeProperties.recurrence.startTime")]


# -- include / exclude ------------------------------------------------------------------------------------------

def test_include_then_exclude_by_kind_and_name_pattern():
    selection = parse_selection(("pipeline.pl_*", "linkedService.*"), ("*.ls_rest",))
    assert sorted(f"{r.kind}.{r.name}" for r in select(RESOURCES, selection)) == [
        "linkedService.ls_keyvault", "pipeline.pl_controller", "pipeline.pl_refresh", "pipeline.pl_worker"]
    assert [r.name for r in select(RESOURCES, parse_selection((), ("trigger.*",))) if r.kind == "trigger"] == []


@pytest.mark.parametrize("include, exclude, message", [
    (("pl_*",), (), "expected KIND.NAME"), (("widget.*",), (), "matches no kind"), ((), ("trigger",), "expected KIND.NAME")])
def test_bad_patterns_are_usage_errors(include, exclude, message):
    with pytest.raises(UsageError, match=message):
        parse_selection(include, exclude)


def test_a_filter_file_reads_as_azure_datafactory_tools_reads_it(tmp_path):
    from adfgen.azure.filters import read_filter_file

    # azure.datafactory.tools' test/BigFactorySample2/deployment/filter.option1.txt, plus a comma-separated line
    (tmp_path / "filter.txt").write_text("+pipeline.*\n-*.SharedIR*\n-*.LS_SqlServer_DEV19_AW2017\ntrigger.*\n\n"
                                         "dataset.ds_*,-dataset.ds_old\n")
    assert read_filter_file(tmp_path / "filter.txt") == (("pipeline.*", "trigger.*", "dataset.ds_*"),
                                                          ("*.SharedIR*", "*.LS_SqlServer_DEV19_AW2017", "dataset.ds_old"))


def test_an_include_that_matches_nothing_is_an_error():
    with pytest.raises(UsageError, match="matches no resource"):
        select(RESOURCES, parse_selection(("pipeline.pl_xero_*",), ()))


# -- end to end against the local ARM peer ------------------------------------------------------------------------

@pytest.fixture
def arm(monkeypatch):
    with cli_arm_peer(monkeypatch, FACTORY) as server:
        yield server


def _source(tmp_path: Path) -> Path:
    """A hand-written factory folder (no adfgen annotation) with ADFT's deployment/ folder."""
    folder = tmp_path / "adf"
    for r in sample_resources():
        properties = {k: v for k, v in r.properties.items() if k != "annotations"}
        path = folder / r.kind / f"{r.name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"name": r.name, "properties": properties}))
    (folder / "deployment").mkdir()
    (folder / "deployment" / "config-uat.csv").write_text(
        'type,name,path,value\nlinkedService,ls_keyvault,typeProperties.baseUrl,"https://kv-$($Env:STAGE).vault.azure.net/"\n')
    return folder


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and TOKEN not in out + err
    return code, out, err


def _args(arm, folder, *extra):
    return ["--source", str(folder), "--subscription", SUB, "--resource-group", RG, "--factory", FACTORY,
            "--ca-bundle", arm.ca_path, "--skip-grants", "--adopt", *extra]


def test_deploy_source_with_a_stage_publishes_the_overridden_values(arm, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STAGE", "uat")
    folder = _source(tmp_path)
    file = folder / "linkedService" / "ls_keyvault.json"
    before = json.loads(file.read_text())["properties"]
    code, out, err = _run(capsys, "deploy", *_args(arm, folder, "--stage", "UAT", "-o", "json"))  # config-uat.csv
    assert code == 0, out + err
    assert "stage config" in err and "1 property updated" in err
    live = arm.resource(FACTORY, "linkedservices", "ls_keyvault")["properties"]
    assert live["typeProperties"]["baseUrl"] == "https://kv-uat.vault.azure.net/"
    # docs/deploy.md "Ownership": deploy --source records the annotation in the file (only the annotations list
    # changes); stage values are never written back
    on_disk = json.loads(file.read_text())["properties"]
    assert on_disk == before | {"annotations": ["adfgen"]}
    assert on_disk["typeProperties"]["baseUrl"] == "https://kv-test-dev.vault.azure.net/"
    assert live["annotations"] == ["adfgen"] and "ls_keyvault.json" in err  # named among the files to commit


def test_a_stage_that_does_not_apply_deploys_nothing(arm, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("STAGE", raising=False)
    folder = _source(tmp_path)
    code, _, err = _run(capsys, "deploy", *_args(arm, folder, "--stage", "uat"))
    assert code == 1 and "STAGE is not set" in err
    assert arm.count("PUT") == 0


def test_stage_without_source_is_a_usage_error(capsys):
    assert main(["plan", "--stage", "uat"]) == 2
    assert "--stage applies to --source" in capsys.readouterr().err


def test_excluded_live_resources_are_neither_published_nor_pruned(arm, tmp_path, capsys):
    folder = _source(tmp_path)
    arm.put_resource(FACTORY, "triggers", "tr_old", {"type": "ScheduleTrigger", "annotations": ["adfgen"], "pipelines": [],
                                                     "typeProperties": {"recurrence": {"frequency": "Day", "interval": 1,
                                                                                       "startTime": "2024-01-01T00:00:00Z"}}})
    code, out, err = _run(capsys, "deploy", *_args(arm, folder, "--exclude", "trigger.*", "--prune", "-o", "json"))
    assert code == 0, out + err
    names = {(r["kind"], r["name"]) for r in json.loads(out)["factories"][0]["plan"]["resources"]}
    assert not any(kind == "trigger" for kind, _ in names)
    assert set(arm.names(FACTORY, "triggers")) == {"tr_old"}  # not deleted, and tr_daily not published
    assert "pl_worker" in arm.names(FACTORY, "pipelines")


def test_a_filter_file_selects_what_deploys(arm, tmp_path, capsys):
    folder = _source(tmp_path)
    (tmp_path / "filter.txt").write_text("+linkedService.*\n+dataset.*\n+pipeline.pl_*\n-pipeline.pl_controller\n")
    code, out, err = _run(capsys, "deploy", *_args(arm, folder, "--filter", str(tmp_path / "filter.txt")))
    assert code == 0, out + err
    assert set(arm.names(FACTORY, "pipelines")) == {"pl_refresh", "pl_worker"}
    assert arm.names(FACTORY, "triggers") == []


# -- azure.datafactory.tools compatibility (its private/Read-CsvConfigFile.ps1, ObjectProperty.ps1) ---------------

def test_the_header_is_read_case_insensitively_as_powershell_compares_it(tmp_path):
    lower, _ = _apply(tmp_path, "lower.csv", CSV)
    title, _ = _apply(tmp_path, "title.csv", CSV.replace("type,name,path,value", "Type,Name,Path,Value", 1))
    assert title == lower


def test_adding_a_property_that_exists_is_an_error_not_an_overwrite(tmp_path):
    text = "type,name,path,value\nlinkedService,ls_keyvault,+typeProperties.baseUrl,https://other.example/\n"
    with pytest.raises(AdfgenError, match="nothing was deployed") as caught:
        _apply(tmp_path, "c.csv", text)
    assert "exists already" in caught.value.render() and "without +" in caught.value.render()


@pytest.mark.parametrize("refused, why", [
    ('factory,adf-data-dev,"$.properties.globalParameters.env.value",uat', "never changes"),
    ("linkedService,ls_rest,typeProperties.url,\"https://x.example/$(Get-Date -Format 'yyyy')\"", "PowerShell expression"),
    ("dataflow,df_orders,typeProperties.script,x", "does not publish dataflow"),
])
def test_a_line_adfgen_cannot_apply_is_named_with_its_reason_and_the_rest_is_said_to_apply(tmp_path, refused, why):
    lines = CSV.splitlines()
    text = "\n".join(lines[:3] + [refused] + lines[3:]) + "\n"  # the refused line is line 4 of the file
    with pytest.raises(AdfgenError) as caught:
        _apply(tmp_path, "c.csv", text)
    message = caught.value.render()
    assert "c.csv:4: cannot apply:" in message and why in message
    assert "cannot apply line 4" in message and "every other line applies" in message
    assert "Get-Date" not in message  # values are never echoed
    # the claim holds: without that line the rest applies
    assert _apply(tmp_path, "c.csv", CSV)[1].updated == 5


def test_when_other_lines_fail_too_the_message_does_not_say_the_rest_applies(tmp_path):
    text = CSV + "factory,adf,$.properties.globalParameters.env.value,uat\nlinkedService,ls_missing,x,1\n"
    with pytest.raises(AdfgenError) as caught:
        _apply(tmp_path, "c.csv", text)
    message = caught.value.render()
    assert "every other line applies" not in message and "ls_missing" in message and "never changes" in message


# -- {Type}.{Name}@{Folder} (azure.datafactory.tools' README "Pattern (WildCard)"; its AdfObject.IsNameMatch) --------

def _in_folder(resource: Resource, folder: str | None) -> Resource:
    properties = dict(resource.properties) | ({"folder": {"name": folder}} if folder else {})
    return Resource(resource.kind, resource.name, properties)


FOLDERED = [_in_folder(r, {"pl_worker": "testFolder", "pl_refresh": "Copy/sub", "ds_rest": "testFolder2"}.get(r.name))
            for r in sample_resources()]


def _names(include=(), exclude=()):
    return sorted(f"{r.kind}.{r.name}" for r in select(FOLDERED, parse_selection(include, exclude)))


def test_a_folder_pattern_matches_the_objects_adf_folder():
    everything = _names()
    # the README's filter file line -*.*@testFolder: "all items located in testFolder" (and nothing else)
    assert set(everything) - set(_names(exclude=("*.*@testFolder",))) == {"pipeline.pl_worker"}
    assert _names(include=("*.*@test*",)) == ["dataset.ds_rest", "pipeline.pl_worker"]
    assert _names(include=("pipeline.*@copy/*",)) == ["pipeline.pl_refresh"]  # case-insensitive, as -like
    assert _names(include=("pipeline.*@",)) == ["pipeline.pl_controller"]  # an empty folder pattern: no folder
    assert _names(include=("pipeline.*",)) == ["pipeline.pl_controller", "pipeline.pl_refresh", "pipeline.pl_worker"]


def test_a_folder_include_that_matches_nothing_is_an_error():
    with pytest.raises(UsageError, match="matches no resource"):
        _names(include=("pipeline.*@nowhere",))


def test_a_live_resource_in_an_excluded_folder_is_not_pruned(arm, tmp_path, capsys):
    folder = _source(tmp_path)
    arm.put_resource(FACTORY, "pipelines", "pl_legacy", {"activities": [], "annotations": ["adfgen"],
                                                         "folder": {"name": "legacy"}})
    arm.put_resource(FACTORY, "pipelines", "pl_gone", {"activities": [], "annotations": ["adfgen"]})
    code, out, err = _run(capsys, "deploy", *_args(arm, folder, "--exclude", "*.*@legacy", "--prune"))
    assert code == 0, out + err
    pipelines = set(arm.names(FACTORY, "pipelines"))
    assert "pl_legacy" in pipelines and "pl_gone" not in pipelines  # the folder decided, not the name
