"""`adfgen build --source`: ADF's ARM export of an existing Git folder, honouring its
arm-template-parameters-definition.json (the definition below is Microsoft's documented example, adapted).

Oracle: resolving the template's `[parameters('x')]` references as ARM does, with the parameters file's values
(and the source's own values where the definition keeps no default), gives back every source resource exactly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from adfgen.cli import main

SOURCE = {
    "linkedService/ls_blob": {"type": "AzureBlobStorage", "typeProperties": {
        "connectionString": "DefaultEndpointsProtocol=https;AccountName=stdev"}},
    "linkedService/ls_kv": {"type": "AzureKeyVault", "typeProperties": {"baseUrl": "https://kv-dev.vault.azure.net/"}},
    "dataset/ds_csv": {"type": "DelimitedText", "linkedServiceName": {"referenceName": "ls_blob", "type": "LinkedServiceReference"},
                       "typeProperties": {"location": {"type": "AzureBlobStorageLocation", "folderPath": "in/dev",
                                                       "container": "raw"}}},
    "pipeline/pl_wait": {"activities": [
        {"name": "Wait", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 5}},
        {"name": "Call", "type": "WebActivity", "typeProperties": {"method": "GET", "url": "https://x.example/[v1]",
                                                                    "headers": {"Accept": "application/json"}}}]},
    "trigger/tr_daily": {"type": "ScheduleTrigger", "pipelines": [
        {"pipelineReference": {"referenceName": "pl_wait", "type": "PipelineReference"}}],
        "typeProperties": {"recurrence": {"frequency": "Day", "interval": 1, "startTime": "2026-01-01T06:00:00Z"}}},
}
DEFINITION = {
    "Microsoft.DataFactory/factories/pipelines": {
        "properties": {"activities": [{"typeProperties": {"waitTimeInSeconds": "-::int", "headers": "=::object"}}]}},
    "Microsoft.DataFactory/factories/triggers": {
        "properties": {"typeProperties": {"recurrence": {"*": "=", "interval": "=:triggerSuffix:int", "frequency": "=:-freq"}}}},
    "Microsoft.DataFactory/factories/linkedServices": {
        "*": {"properties": {"typeProperties": {"baseUrl": "="}}},
        "AzureBlobStorage": {"properties": {"typeProperties": {"connectionString": "|:-connectionString:secureString"}}}},
    "Microsoft.DataFactory/factories/datasets": {"*": {"properties": {"typeProperties": {"location": {"folderPath": "="}}}}},
}


def _source(tmp_path: Path, definition: dict | None = DEFINITION) -> Path:
    root = tmp_path / "adf"
    for key, properties in SOURCE.items():
        kind, name = key.split("/")
        (root / kind).mkdir(parents=True, exist_ok=True)
        (root / kind / f"{name}.json").write_text(json.dumps({"name": name, "properties": properties}))
    (root / "factory").mkdir()
    (root / "factory" / "adf-demo.json").write_text(json.dumps({"name": "adf-demo", "location": "westeurope"}))
    if definition is not None:
        (root / "arm-template-parameters-definition.json").write_text(json.dumps(definition))
    return root


def _resolve(node, values):
    """What ARM deploys: `[parameters('x')]` replaced by the value, `[[` unescaped to `[`."""
    if isinstance(node, dict):
        return {k: _resolve(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, values) for v in node]
    if isinstance(node, str):
        match = re.fullmatch(r"\[parameters\('([^']+)'\)\]", node)
        if match:
            return values[match.group(1)]
        return node[1:] if node.startswith("[[") else node
    return node


def _build(tmp_path, capsys, *extra):
    code = main(["build", "--source", str(_source(tmp_path, *extra)), "--out", str(tmp_path / "publish"), "-o", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    folder = tmp_path / "publish" / "adf-demo"
    template = json.loads((folder / "ARMTemplateForFactory.json").read_text())
    values = json.loads((folder / "ARMTemplateParametersForFactory.json").read_text())["parameters"]
    return json.loads(out), template, {n: v["value"] for n, v in values.items()}


def test_the_definition_chooses_the_parameters_with_their_names_types_and_defaults(tmp_path, capsys):
    report, template, _ = _build(tmp_path, capsys)
    params = template["parameters"]
    assert params["pl_wait_properties_activities_0_typeProperties_waitTimeInSeconds"] == {"type": "int"}  # `-`
    assert params["pl_wait_properties_activities_1_typeProperties_headers"] == {
        "type": "object", "defaultValue": {"Accept": "application/json"}}
    assert params["ls_blob_connectionString"] == {"type": "secureString"}  # `|`, shortened name
    assert params["ls_kv_properties_typeProperties_baseUrl"]["defaultValue"] == "https://kv-dev.vault.azure.net/"
    assert params["triggerSuffix"] == {"type": "int", "defaultValue": 1}
    assert params["tr_daily_freq"] == {"type": "string", "defaultValue": "Day"}
    assert params["tr_daily_properties_typeProperties_recurrence_startTime"]["defaultValue"] == "2026-01-01T06:00:00Z"
    assert params["ds_csv_properties_typeProperties_location_folderPath"]["defaultValue"] == "in/dev"
    assert "ls_blob_properties_typeProperties_baseUrl" not in params  # the type's own entry wins over *
    assert report["parameters"] == len(params) and report["definition"] is True


def test_resolving_the_template_gives_back_the_source(tmp_path, capsys):
    _, template, values = _build(tmp_path, capsys)
    # the values the definition keeps no default for are supplied at deployment; here: the source's own
    values.update({"pl_wait_properties_activities_0_typeProperties_waitTimeInSeconds": 5,
                   "ls_blob_connectionString": SOURCE["linkedService/ls_blob"]["typeProperties"]["connectionString"]})
    deployed = {}
    for resource in template["resources"]:
        name = re.search(r"'/(.+)'\)\]$", resource["name"]).group(1)
        deployed[name] = _resolve(resource["properties"], values)
    for key, properties in SOURCE.items():
        name = key.split("/")[1]
        expected = dict(properties, runtimeState="Stopped") if key.startswith("trigger/") else properties
        assert deployed[name] == expected, name


def test_without_a_definition_only_the_factory_name_is_a_parameter(tmp_path, capsys):
    report, template, _ = _build(tmp_path, capsys, None)
    assert list(template["parameters"]) == ["factoryName"] and report["definition"] is False


@pytest.mark.parametrize("bad, message", [
    ({"Microsoft.DataFactory/factories/pipelines": {"properties": {"concurrency": "?"}}}, "action must be"),
    ({"Microsoft.DataFactory/factories/pipelines": {"properties": {"activities": [{"name": "=::widget"}]}}}, "type 'widget'"),
])
def test_a_malformed_definition_is_refused(tmp_path, capsys, bad, message):
    code = main(["build", "--source", str(_source(tmp_path, bad)), "--out", str(tmp_path / "publish")])
    assert code == 1 and message in capsys.readouterr().err


def test_the_factory_name_and_a_clean_target_are_required(tmp_path, capsys):
    root = _source(tmp_path)
    (root / "factory" / "adf-demo.json").unlink()
    assert main(["build", "--source", str(root), "--out", str(tmp_path / "publish")]) == 2
    assert "--factory NAME" in capsys.readouterr().err
    (tmp_path / "publish" / "adf-demo" / "pipeline").mkdir(parents=True)
    assert main(["build", "--source", str(root), "--factory", "adf-demo", "--out", str(tmp_path / "publish")]) == 2
    assert "holds other files" in capsys.readouterr().err
