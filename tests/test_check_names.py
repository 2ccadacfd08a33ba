"""Names match case-insensitively everywhere, as in ADF (review point 5), and --list-rules tells mixed severities."""

from __future__ import annotations

import inspect

import pytest

from adfgen.check.rules import RULE_CLASSES
from adfgen.check.schema import load_schema_validator
from adfgen.cli import main
from tests.check_support import SCHEMA_DIR, check_example

WAIT = {"type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}}
KV = {"type": "WebActivity", "policy": {"secureOutput": True},
      "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/api-key?api-version=7.4",
                         "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}}


def dep(name):
    return [{"activity": name, "dependencyConditions": ["Succeeded"]}]


def expr(text):
    return {"value": text, "type": "Expression"}


@pytest.fixture(scope="module")
def schema():
    return load_schema_validator(SCHEMA_DIR)


def codes(tmp_path, schema, example):
    return sorted(f.code for f in check_example(tmp_path, example, schema))


def test_depends_on_and_activity_references_ignore_case(tmp_path, schema):
    example = {"pipeline/pl": {"variables": {"V": {"type": "String"}}, "parameters": {"P1": {"type": "String"}},
                               "activities": [
        {"name": "A", **WAIT},
        {"name": "Use", "type": "SetVariable", "dependsOn": dep("a"), "typeProperties": {
            "variableName": "v", "value": expr("@concat(string(activity('a').output), pipeline().parameters.p1)")}}]}}
    assert codes(tmp_path, schema, example) == []


def test_a_cycle_through_differently_cased_names_is_found(tmp_path, schema):
    example = {"pipeline/pl": {"activities": [{"name": "A", "dependsOn": dep("b"), **WAIT},
                                              {"name": "B", "dependsOn": dep("a"), **WAIT}]}}
    findings = check_example(tmp_path, example, schema)
    assert [(f.code, f.message) for f in findings] == [("RF009", "dependsOn cycle: A -> B -> A")]


def test_activity_not_upstream_still_found_with_other_case(tmp_path, schema):
    example = {"pipeline/pl": {"variables": {"v": {"type": "String"}}, "activities": [
        {"name": "Read", **WAIT}, {"name": "Other", **WAIT},
        {"name": "Use", "type": "SetVariable", "dependsOn": dep("OTHER"), "typeProperties": {
            "variableName": "v", "value": expr("@string(activity('read').output)")}}]}}
    assert codes(tmp_path, schema, example) == ["RF002"]


def test_secrets_are_traced_whatever_the_case(tmp_path, schema):
    """A Key Vault read used as activity('get key') must not escape the security rules."""
    example = {"pipeline/pl": {"variables": {"token": {"type": "String"}}, "activities": [
        {"name": "Get Key", **KV},
        {"name": "Keep", "type": "SetVariable", "policy": {"secureInput": True, "secureOutput": True},
         "dependsOn": dep("get key"),
         "typeProperties": {"variableName": "token", "value": expr("@activity('get key').output.value")}},
        {"name": "Call", "type": "WebActivity", "dependsOn": dep("GET KEY"), "typeProperties": {
            "method": "GET", "url": "https://api.example.com/x",
            "headers": {"x-api-key": expr("@activity('GET KEY').output.value")}}}]}}
    assert codes(tmp_path, schema, example) == ["SE003", "SE004"]


def test_refresh_saved_first_is_seen_through_other_case(tmp_path, schema):
    kv_put = {"type": "WebActivity", "policy": {"retry": 3, "secureInput": True, "secureOutput": True},
              "typeProperties": {"method": "PUT", "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}}

    def save(name, secret, field, after):
        body = dict(kv_put["typeProperties"], url=f"https://kv1.vault.azure.net/secrets/{secret}?api-version=7.4",
                    body=expr('{"value": "@{activity(\'refresh\').output.' + field + '}"}'))
        return {**kv_put, "name": name, "dependsOn": dep(after), "typeProperties": body}

    example = {"pipeline/pl": {"concurrency": 1, "activities": [
        {"name": "Refresh", "type": "WebActivity", "policy": {"secureInput": True, "secureOutput": True},
         "typeProperties": {"method": "POST", "url": "https://identity.example.com/connect/token",
                            "body": "grant_type=refresh_token&refresh_token=x"}},
        save("Save Refresh", "refresh-token", "refresh_token", "REFRESH"),
        save("Save Access", "access-token", "access_token", "save refresh")]}}
    # RL003 only: this example has no keep-alive trigger and no reply check (DS001, DS002 are other rules)
    assert [c for c in codes(tmp_path, schema, example) if not c.startswith("DS")] == []


def test_rl002_leaves_grants_without_a_rotating_token_alone(tmp_path, schema, capsys):
    """Issue 18: a client-credentials (or password) grant has no refresh token to race on, so RL002 is silent."""
    example = {"pipeline/pl": {"activities": [
        {"name": "Token", "type": "WebActivity", "policy": {"secureInput": True, "secureOutput": True},
         "typeProperties": {"method": "POST", "url": "https://identity.example.com/connect/token",
                            "body": "grant_type=client_credentials"}}]}}
    findings = check_example(tmp_path, example, schema)
    assert [(f.code, f.severity) for f in findings] == []
    assert main(["check", "--list-rules"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("RL002"))
    assert "error" in line and "refresh token" in line


@pytest.mark.parametrize("cls", RULE_CLASSES, ids=lambda cls: cls.code)
def test_a_rule_that_reports_another_severity_says_so(cls):
    other = "WARNING" if cls.severity == "error" else "ERROR"
    source = inspect.getsource(cls).replace(f"severity = {other}", "")
    if other in source:
        assert other.lower() in cls.severity_note, f"{cls.code} can report {other.lower()}s: set severity_note"


def test_microsofts_engine_resolves_references_ignoring_case(dftf):
    """The ground truth for the rule above: DFTF's .NET engine (no lower-casing on its Python side)."""
    from data_factory_testing_framework.models import DataFactoryElement
    from data_factory_testing_framework.state import (
        DependencyCondition,
        PipelineRunState,
        PipelineRunVariable,
        RunParameter,
        RunParameterType,
    )

    state = PipelineRunState(parameters=[RunParameter(RunParameterType.Pipeline, "P1", "p")],
                             variables=[PipelineRunVariable("V1", "v")])
    state.add_activity_result("Get Key", DependencyCondition.SUCCEEDED, {"value": "k"})
    found = [DataFactoryElement(text).evaluate(state) for text in (
        "@pipeline().parameters.p1", "@variables('v1')", "@activity('GET KEY').output.value")]
    assert found == ["p", "v", "k"]
