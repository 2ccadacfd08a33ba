"""Every rule's docstring examples are its test cases: the Bad example must trigger it, the Good one must not."""

from __future__ import annotations

import json

import pytest

from adfgen.check.rules import RULE_CLASSES, RULES, rule_examples
from adfgen.check.schema import load_schema_validator
from tests.check_support import SCHEMA_DIR, check_example

JSON_EXAMPLES = [(cls.code, label, example) for cls in RULE_CLASSES
                 for label, example in rule_examples(cls) if isinstance(example, dict)]


@pytest.fixture(scope="module")
def schema():
    return load_schema_validator(SCHEMA_DIR)


def test_every_rule_is_documented_with_examples():
    assert len(RULES) == len(RULE_CLASSES), "rule codes must be unique"
    for cls in RULE_CLASSES:
        labels = [label for label, _ in rule_examples(cls)]
        assert cls.code and cls.name and cls.message and cls.severity in ("error", "warning"), cls
        assert "bad" in labels and "good" in labels, f"{cls.code} needs a Bad: and a Good: example"
        assert "\n" not in cls.message


def test_examples_are_json_except_for_spec_rules():
    prose = {cls.code for cls in RULE_CLASSES for _, ex in rule_examples(cls) if not isinstance(ex, dict)}
    assert prose == {"SP001", "SP002", "SP003"}  # these take specs and out/, tested in test_check_project.py


@pytest.mark.parametrize("code,label,example", JSON_EXAMPLES,
                         ids=[f"{c}-{l}" for c, l, _ in JSON_EXAMPLES])
def test_rule_example(tmp_path, schema, code, label, example):
    findings = check_example(tmp_path, example, schema)
    crashes = [f for f in findings if "internal error" in f.message]
    assert not crashes, crashes
    hits = [f for f in findings if f.code == code]
    if label == "bad":
        assert hits, f"{code} did not fire on its Bad example; findings: {findings}"
    else:
        assert not hits, f"{code} fired on its Good example: {hits}"
        errors = [f for f in findings if f.severity == "error"]
        assert not errors, f"the Good example of {code} has other errors: {errors}"


def test_docs_are_generated_from_the_rules():
    from adfgen.check.docs import render_markdown
    from tests.check_support import REPO

    assert (REPO / "docs" / "check.md").read_text(encoding="utf-8") == render_markdown(), \
        "docs/check.md is stale: python -m adfgen.check.docs > docs/check.md"


# ---------------------------------------------------------------- issue 18: precision of single rules

from adfgen.check.exprs import null_breaking_use  # noqa: E402
from adfgen.check.rules.security_rules import credential_pairs  # noqa: E402

NULL_CASES = [
    "@concat('a', pipeline().parameters.z)", "a@{pipeline().parameters.z}b", "@pipeline().parameters.z",
    "@string(pipeline().parameters.z)", "@equals(pipeline().parameters.z, 'x')", "@empty(pipeline().parameters.z)",
    "@coalesce(pipeline().parameters.z, 'd')", "@toUpper(pipeline().parameters.z)", "@pipeline().parameters.z.foo",
    "@split(pipeline().parameters.z, ',')", "@int(pipeline().parameters.z)", "@length(pipeline().parameters.z)",
    "@formatDateTime(pipeline().parameters.z, 'yyyy')", "@replace(pipeline().parameters.z, 'a', 'b')",
    "@if(pipeline().parameters.z, 1, 2)", "@not(pipeline().parameters.z)", "@json(pipeline().parameters.z)",
    "@if(equals(pipeline().parameters.z, 'x'), 'a', 'b')", "@concat(pipeline().parameters.z, '/', 'x')",
    "@and(not(empty(pipeline().parameters.z)), contains('abc', replace(pipeline().parameters.z, 'a', 'b')))",
    "@if(empty(pipeline().parameters.z), 'x', toUpper(pipeline().parameters.z))",
]


@pytest.mark.dftf
@pytest.mark.parametrize("text", NULL_CASES)
def test_null_breaking_use_agrees_with_the_engine(dftf, text):
    """RF008 reports a pipeline call only where a null parameter fails: the engine says where it does."""
    from tests.engine_oracle import EngineOracle
    from adfgen.expressions.evaluator import Scope

    outcome, _ = EngineOracle().evaluate(text, Scope(parameters={"z": None}))
    assert (null_breaking_use(text, "z") is not None) == (outcome == "error"), outcome


def _child_using(expression: str, parent_passes: dict | None = None, state: str = "Active") -> dict:
    return {"pipeline/pl_child": {"parameters": {"Day": {"type": "String"}}, "variables": {"v": {"type": "String"}},
                                  "activities": [{"name": "Use", "type": "SetVariable", "state": state,
                                                  "typeProperties": {"variableName": "v", "value": {
                                                      "value": expression, "type": "Expression"}}}]},
            "pipeline/pl_parent": {"activities": [{"name": "Run", "type": "ExecutePipeline", "typeProperties": {
                "pipeline": {"referenceName": "pl_child", "type": "PipelineReference"},
                "parameters": parent_passes or {}, "waitOnCompletion": True}}]}}


@pytest.mark.parametrize("expression,reported", [
    ("@formatDateTime(pipeline().parameters.Day, 'yyyy')", True),
    ("@concat('day=', pipeline().parameters.Day)", False),  # concat turns null into ''
    ("@if(empty(pipeline().parameters.Day), 'today', formatDateTime(pipeline().parameters.Day, 'yyyy'))", False),
    ("@string(utcNow())", False),  # never used
])
def test_rf008_pipeline_calls_only_where_null_fails(tmp_path, schema, expression, reported):
    findings = [f for f in check_example(tmp_path, _child_using(expression), schema) if f.code == "RF008"]
    assert bool(findings) is reported, findings


def test_rf008_counts_an_explicit_null_for_a_dataset_parameter_as_given(tmp_path, schema):
    """Not judged (ADF documents nothing for an explicit null; see RF008's docstring); only an absent key is."""
    def example(parameters: dict) -> dict:
        return {"dataset/ds": {"type": "Json", "parameters": {"Day": {"type": "String"}},
                               "linkedServiceName": {"referenceName": "ls", "type": "LinkedServiceReference"},
                               "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw",
                                                               "fileName": "@dataset().Day"}}},
                "linkedService/ls": {"type": "AzureBlobFS", "typeProperties": {"url": "https://st.dfs.core.windows.net/"}},
                "pipeline/pl": {"activities": [{"name": "Look", "type": "Lookup", "typeProperties": {
                    "source": {"type": "JsonSource"},
                    "dataset": {"referenceName": "ds", "type": "DatasetReference", "parameters": parameters}}}]}}

    def rf008(parameters: dict) -> list:
        return [f for f in check_example(tmp_path / str(len(parameters)), example(parameters), schema)
                if f.code == "RF008"]
    assert len(rf008({})) == 1 and rf008({"Day": None}) == []


def test_rf008_ignores_a_use_in_an_inactive_activity(tmp_path, schema):
    example = _child_using("@formatDateTime(pipeline().parameters.Day, 'yyyy')", state="Inactive")
    assert not [f for f in check_example(tmp_path, example, schema) if f.code == "RF008"]


def test_an_inactive_activity_is_skipped_but_may_still_be_named(tmp_path, schema):
    """Documented (deactivate-activity): no validation, no run; an active activity may still depend on it."""
    example = {"pipeline/pl": {"variables": {"v": {"type": "String"}}, "activities": [
        {"name": "Old", "type": "SetVariable", "state": "Inactive", "onInactiveMarkAs": "Succeeded",
         "typeProperties": {"variableName": "nope", "value": {"value": "@activity('Gone').output", "type": "Expression"}}},
        {"name": "New", "type": "SetVariable", "dependsOn": [{"activity": "Old", "dependencyConditions": ["Succeeded"]}],
         "typeProperties": {"variableName": "v", "value": "x"}},
        {"name": "Copy", "type": "Copy", "state": "Inactive", "inputs": [{"referenceName": "ds_gone", "type": "DatasetReference"}],
         "outputs": [], "typeProperties": {"source": {"type": "JsonSource"}, "sink": {"type": "JsonSink"}}}]}}
    assert [f for f in check_example(tmp_path, example, schema)] == []


def test_rl002_needs_a_refresh_token_saved_back(tmp_path, schema):
    def pipeline(grant: str, save: bool) -> dict:
        activities = [{"name": "Token", "type": "WebActivity", "policy": {"secureInput": True, "secureOutput": True},
                       "typeProperties": {"method": "POST", "url": "https://id.example.com/oauth/token",
                                          "body": f"grant_type={grant}&client_id=x"}}]
        if save:
            activities.append({"name": "Keep", "type": "SqlServerStoredProcedure",
                               "dependsOn": [{"activity": "Token", "dependencyConditions": ["Succeeded"]}],
                               "policy": {"secureInput": True},
                               "typeProperties": {"storedProcedureName": "save_token", "storedProcedureParameters": {
                                   "t": {"value": {"value": "@activity('Token').output.refresh_token",
                                                   "type": "Expression"}, "type": "String"}}}})
        return {"pipeline/pl": {"activities": activities}}

    codes = {(grant, save): [f.code for f in check_example(tmp_path / f"{grant}{save}", pipeline(grant, save), schema)]
             for grant in ("refresh_token", "client_credentials") for save in (True, False)}
    assert "RL002" in codes[("refresh_token", True)]
    assert all("RL002" not in found for key, found in codes.items() if key != ("refresh_token", True))


def test_se005_follows_the_parameter_into_a_child_pipeline(tmp_path, schema):
    header = {"Authorization": {"value": "@concat('Bearer ', pipeline().parameters.Key)", "type": "Expression"}}
    example = {
        "pipeline/pl_child": {"parameters": {"Key": {"type": "String"}}, "activities": [
            {"name": "Call", "type": "WebActivity", "policy": {"secureInput": True},
             "typeProperties": {"method": "GET", "url": "https://api.example.com", "headers": header}}]},
        "pipeline/pl_parent": {"parameters": {"Token": {"type": "String"}, "KeyName": {"type": "String"}}, "activities": [
            {"name": "Run", "type": "ExecutePipeline", "typeProperties": {
                "pipeline": {"referenceName": "pl_child", "type": "PipelineReference"}, "waitOnCompletion": True,
                "parameters": {"Key": {"value": "@pipeline().parameters.Token", "type": "Expression"}}}},
            {"name": "Read", "type": "WebActivity", "policy": {"secureOutput": True}, "typeProperties": {
                "method": "GET", "authentication": {"type": "MSI", "resource": "https://vault.azure.net"},
                "url": {"value": "@concat('https://kv1.vault.azure.net/secrets/', pipeline().parameters.KeyName, "
                                 "'?api-version=7.4')", "type": "Expression"}}}]}}
    found = {(f.resource, f.path) for f in check_example(tmp_path, example, schema) if f.code == "SE005"}
    assert found == {("pipeline pl_child", "parameters.Key"), ("pipeline pl_parent", "parameters.Token")}


def test_secrets_are_traced_through_variables_and_reply_fields(tmp_path, schema):
    aws = {"name": "Creds", "type": "WebActivity", "policy": {"secureOutput": True},
           "typeProperties": {"method": "GET", "url": "https://creds.example.com/aws"}}
    keep = {"name": "Keep", "type": "SetVariable", "dependsOn": [{"activity": "Creds", "dependencyConditions": ["Succeeded"]}],
            "typeProperties": {"variableName": "k", "value": {"value": "@activity('Creds').output['secret-access-key']",
                                                              "type": "Expression"}}}
    use = {"name": "Use", "type": "WebActivity", "dependsOn": [{"activity": "Keep", "dependencyConditions": ["Succeeded"]}],
           "typeProperties": {"method": "GET", "url": {"value": "@concat('https://x.example.com/?k=', variables('k'))",
                                                       "type": "Expression"}}}
    findings = check_example(tmp_path, {"pipeline/pl": {"variables": {"k": {"type": "String"}},
                                                        "activities": [aws, keep, use]}}, schema)
    assert {(f.code, f.severity) for f in findings if f.code.startswith("SE")} == {("SE004", "error"), ("SE003", "error")}


@pytest.mark.parametrize("text,key", [
    ("grant_type=password&scope=apiKey%3D4167ad79-29de-4e28-85ed-0f1cd4026dfa", "apiKey"),
    ('{"username": "svc", "password": "Tr0ub4dor-and-3"}', "password"),
    ("client_id=app&client_secret=Qz8xY2VmLTk0bW5v", "client_secret"),
])
def test_credential_pairs_find_literals_after_credential_keys(text, key):
    assert [k for k, _, _ in credential_pairs(text)] == [key]


@pytest.mark.parametrize("text", [
    "grant_type=client_credentials&scope=https://graph.microsoft.com/.default",
    '{"password": "@{pipeline().parameters.P}"}', "token_type=Bearer", '{"apiKey": "<your key>"}',
])
def test_credential_pairs_skip_expressions_placeholders_and_names(text):
    assert credential_pairs(text) == []


def test_literal_secret_messages_show_a_fingerprint_never_the_value(tmp_path, schema):
    secret = "4167ad79-29de-4e28-85ed-0f1cd4026dfa"
    example = {"pipeline/pl": {"activities": [{"name": "Login", "type": "WebActivity", "policy": {
        "secureInput": True, "secureOutput": True}, "typeProperties": {
        "method": "POST", "url": "https://api.example.com/login", "body": f"user=svc&apiKey={secret}"}}]}}
    findings = [f for f in check_example(tmp_path, example, schema) if f.code == "SE006"]
    assert findings and all(secret not in f.message and "fingerprint" in f.message for f in findings)


def test_data_flow_references_in_an_arm_template(tmp_path, schema):
    from adfgen.check.engine import run_checks
    from adfgen.check.sources import discover

    flow = {"name": "[concat(parameters('factoryName'), '/df_x')]", "type": "Microsoft.DataFactory/factories/dataflows",
            "apiVersion": "2018-06-01", "properties": {"type": "MappingDataFlow", "typeProperties": {
                "sources": [{"name": "In", "dataset": {"referenceName": "ds_missing", "type": "DatasetReference"}}],
                "sinks": [], "transformations": [], "scriptLines": []}}}
    pipeline = {"name": "[concat(parameters('factoryName'), '/pl')]", "type": "Microsoft.DataFactory/factories/pipelines",
                "apiVersion": "2018-06-01", "properties": {"activities": [{"name": "Run", "type": "ExecuteDataFlow",
                                                                          "typeProperties": {"dataflow": {
                                                                              "referenceName": "df_other",
                                                                              "type": "DataFlowReference"}}}]}}
    template = tmp_path / "ARMTemplateForFactory.json"
    template.write_text(json.dumps({"parameters": {"factoryName": {"type": "string"}}, "resources": [flow, pipeline]}),
                        encoding="utf-8")
    findings = run_checks(discover(template), schema)
    assert {(f.code, "ds_missing" in f.message or "df_other" in f.message) for f in findings
            if f.code in ("RF007", "RF012")} == {("RF007", True), ("RF012", True)}
