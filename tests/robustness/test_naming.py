"""Names (issue 14, item 3): ADF's naming rules at build time, as errors in check; ARM literals well quoted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.robustness.strategies import XERO_TEXT, specs_with_naming
from tests.robustness.support import run_cli, spec_error_faults
from tests.robustness.support_output import output_faults

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])
AZURE = "  azure:\n    subscription_id"


def build(tmp_path: Path, text: str) -> tuple[int, str, Path]:
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    code, _, stderr = run_cli(["build", str(spec), "--out", str(tmp_path / "out")])
    return code, stderr, tmp_path / "out"


@pytest.mark.parametrize("setting, expected", [
    ('naming:\n    pipeline: "pl\'{name}"', "factory.naming.pipeline: must give valid pipeline names"),
    ('naming:\n    trigger: "tr_{name}\\n"', "factory.naming.trigger: must not contain control characters"),
    ('naming:\n    linked_service: "ls-{name}"', "dashes are not allowed in linkedService names"),
    ('naming:\n    dataset: "ds-{name}"', "dashes are not allowed in dataset names"),
    ('naming:\n    pipeline: "1{name}"', "must start with a letter"),
    ('naming:\n    pipeline: "_{name}"', "must start with a letter"),
    ('naming:\n    pipeline: "pl#{name}"', "must not contain #"),
    ("integration_runtime: ir--x", "factory.integration_runtime: an integration runtime name has only letters"),
], ids=["quote", "newline", "dash in linked service", "dash in dataset", "digit first", "underscore first", "hash",
        "integration runtime"])
def test_names_breaking_the_rules_are_spec_errors(tmp_path, setting, expected):
    code, stderr, out = build(tmp_path, XERO_TEXT.replace(AZURE, f"  {setting}\n{AZURE}", 1))
    assert spec_error_faults(code, stderr) == [] and expected in stderr, stderr
    assert not out.exists()


def test_dashes_stay_allowed_where_the_rules_allow_them(tmp_path):
    text = XERO_TEXT.replace(AZURE, '  naming:\n    pipeline: "pl-{name}"\n    trigger: "tr-{name}"\n' + AZURE, 1)
    code, stderr, out = build(tmp_path, text)
    assert code == 0, stderr
    assert output_faults(out / "adf-xero-dev") == []


def _git_folder(tmp_path: Path, kind: str, name: str, properties: dict) -> Path:
    (tmp_path / "adf" / kind).mkdir(parents=True)
    (tmp_path / "adf" / kind / f"{name}.json").write_text(json.dumps({"name": name, "properties": properties}))
    return tmp_path / "adf"


REST = {"type": "RestService", "typeProperties": {"url": "https://x", "authenticationType": "Anonymous"}}


@pytest.mark.parametrize("kind, name, properties, severity", [
    ("linkedService", "ls-api", REST, "error"),
    ("pipeline", "pl'x", {"activities": []}, "error"),
    ("pipeline", "01-copy", {"activities": []}, "warning"),
    ("pipeline", "@item()", {"activities": []}, "error"),
])
def test_check_reports_naming_rule_violations(tmp_path, kind, name, properties, severity):
    code, out, _ = run_cli(["check", str(_git_folder(tmp_path, kind, name, properties)), "--no-schema", "-o", "json"])
    found = [f for f in json.loads(out)["findings"] if f["code"] == "RF011"]
    assert [f["severity"] for f in found] == [severity]
    assert code == (1 if severity == "error" else 0)


def test_check_refuses_an_arm_name_whose_quote_is_not_doubled(tmp_path):
    template = {"resources": [{"type": "Microsoft.DataFactory/factories/pipelines", "apiVersion": "2018-06-01",
                               "name": "[concat(parameters('factoryName'), '/pl'xero_refresh')]",
                               "properties": {"activities": []}}], "parameters": {}}
    path = tmp_path / "ARMTemplateForFactory.json"
    path.write_text(json.dumps(template))
    code, out, _ = run_cli(["check", str(path), "--no-schema"])
    assert code == 1 and "cannot read a resource name" in out


@FAST
@given(text=specs_with_naming())
def test_any_naming_builds_valid_names_or_is_refused(tmp_path_factory, text):
    code, stderr, out = build(tmp_path_factory.mktemp("n"), text)
    if code != 0:
        assert spec_error_faults(code, stderr) == [], stderr
        assert not out.exists()
        return
    assert output_faults(out / "adf-xero-dev") == []
    check_code, check_out, _ = run_cli(["check", str(out / "adf-xero-dev"), "--no-schema", "-o", "json"])
    assert not [f for f in json.loads(check_out)["findings"] if f["code"] in ("RF011", "SC001")]
