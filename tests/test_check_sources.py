"""Finding and loading what `check` checks: nested Git folders, ARM exports, gallery templates, bad files."""

from __future__ import annotations

import json

from adfgen.check.engine import run_checks
from adfgen.check.schema import load_schema_validator
from adfgen.check.sources import arm_resource_name, discover
from tests.check_support import SCHEMA_DIR, write_factory

LS = {"type": "RestService", "typeProperties": {"url": "https://api.example.com", "authenticationType": "Anonymous"}}
DS = {"type": "RestResource", "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference"}}


def arm_template(resources, factory_name=True):
    params = {"factoryName": {"type": "string", "metadata": "Data Factory name"}} if factory_name else {}
    return {"$schema": "http://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "parameters": params,
            "variables": {"factoryId": "[concat('Microsoft.DataFactory/factories/', parameters('factoryName'))]"},
            "resources": resources}


def arm_resource(segment, name, properties):
    return {"name": f"[concat(parameters('factoryName'), '/{name}')]",
            "type": f"Microsoft.DataFactory/factories/{segment}", "apiVersion": "2018-06-01",
            "properties": properties, "dependsOn": []}


def test_arm_resource_names():
    assert arm_resource_name("[concat(parameters('factoryName'), '/pl_x')]") == "pl_x"
    assert arm_resource_name("[concat(parameters('factoryName'), '/it''s')]") == "it's"
    assert arm_resource_name("adf-dev/pl_x") == "pl_x"
    assert arm_resource_name("[parameters('name')]") is None


def test_nested_git_folders_and_arm_templates_are_all_found(tmp_path):
    write_factory(tmp_path / "repo" / "teamA" / "adf", {"linkedService/ls_rest": LS, "dataset/ds": DS})
    write_factory(tmp_path / "repo" / "teamB", {"pipeline/pl": {"activities": []}})
    export = arm_template([arm_resource("linkedServices", "ls_rest", LS), arm_resource("datasets", "ds", DS)])
    (tmp_path / "repo" / "teamB" / "ARMTemplateForFactory.json").write_text(json.dumps(export, indent=2))
    (tmp_path / "repo" / "teamB" / "ARMTemplateParametersForFactory.json").write_text('{"parameters": {}}')
    factories = discover(tmp_path / "repo")
    roots = sorted(f.root.replace("\\", "/").split("repo/")[-1] for f in factories)
    assert roots == ["teamA/adf", "teamB", "teamB/ARMTemplateForFactory.json"]
    arm = next(f for f in factories if f.root.endswith(".json"))
    assert arm.complete and {(e.kind, e.name) for e in arm.entries} == {("linkedService", "ls_rest"), ("dataset", "ds")}
    assert [e.line for e in arm.entries if e.name == "ds"][0] > 1
    assert not [f for f in run_checks(factories, load_schema_validator(SCHEMA_DIR)) if f.severity == "error"]


def test_arm_export_missing_reference_is_an_error_gallery_template_a_warning(tmp_path):
    pipeline = {"activities": [{"name": "Lookup", "type": "Lookup", "typeProperties": {
        "source": {"type": "RestSource"}, "dataset": {"referenceName": "ds_missing", "type": "DatasetReference"}}}]}
    export = arm_template([arm_resource("linkedServices", "ls_rest", LS), arm_resource("pipelines", "pl", pipeline)])
    gallery = arm_template([arm_resource("pipelines", "pl", pipeline)])
    (tmp_path / "export.json").write_text(json.dumps(export))
    (tmp_path / "gallery.json").write_text(json.dumps(gallery))
    schema = load_schema_validator(SCHEMA_DIR)
    [export_factory] = discover(tmp_path / "export.json")
    [gallery_factory] = discover(tmp_path / "gallery.json")
    assert [f.severity for f in run_checks([export_factory], schema) if f.code == "RF007"] == ["error"]
    assert [f.severity for f in run_checks([gallery_factory], schema) if f.code == "RF007"] == ["warning"]


def test_git_folder_references_are_warnings_unless_complete(tmp_path):
    folder = write_factory(tmp_path / "adf", {"dataset/ds": DS})
    schema = load_schema_validator(SCHEMA_DIR)
    assert [f.severity for f in run_checks(discover(folder), schema) if f.code == "RF007"] == ["warning"]
    assert [f.severity for f in run_checks(discover(folder, complete=True), schema) if f.code == "RF007"] == ["error"]


def test_arm_expressions_are_not_adf_expressions(tmp_path):
    pipeline = {"activities": [{"name": "Wait", "type": "Wait", "typeProperties": {
        "waitTimeInSeconds": "[parameters('seconds')]"}}], "concurrency": "[parameters('c')]"}
    (tmp_path / "t.json").write_text(json.dumps(arm_template([arm_resource("pipelines", "pl", pipeline)])))
    assert run_checks(discover(tmp_path / "t.json"), load_schema_validator(SCHEMA_DIR)) == []


def test_a_file_that_is_not_an_arm_template_is_reported(tmp_path):
    (tmp_path / "x.json").write_text('{"name": "pl", "properties": {}}')
    [factory] = discover(tmp_path / "x.json")
    assert factory.load_findings and "not an ARM template" in factory.load_findings[0].message


def test_global_parameters_are_checked_when_the_factory_declares_them(tmp_path):
    pipeline = {"activities": [{"name": "Wait", "type": "Wait", "typeProperties": {
        "waitTimeInSeconds": {"value": "@pipeline().globalParameters.Delay", "type": "Expression"}}}]}
    folder = write_factory(tmp_path / "adf", {"pipeline/pl": pipeline})
    schema = load_schema_validator(SCHEMA_DIR)
    assert not [f for f in run_checks(discover(folder), schema) if f.code == "RF003"]  # unknown: no factory file
    (folder / "factory").mkdir()
    (folder / "factory" / "adf.json").write_text(json.dumps({"name": "adf", "properties": {"globalParameters": {
        "Other": {"type": "int", "value": 1}}}}))
    assert [f.code for f in run_checks(discover(folder), schema) if f.code == "RF003"] == ["RF003"]
