"""RF011 and triggers: the naming-rules table has no trigger row, so a trigger's digit or '_' first is no finding.

Source: https://learn.microsoft.com/azure/data-factory/naming-rules (rows for linked services, datasets, pipelines,
data flows, integration runtimes; none for triggers); ADF has accepted `00_Load_SiteMaster_DAC` (observed,
../shared/corpus/adf-public/Gkalidass27__EDMEAzureDataFactory/trigger/).
"""

from __future__ import annotations

import json

import pytest

from tests.robustness.support import run_cli

TRIGGER = {"type": "ScheduleTrigger", "pipelines": [],
           "typeProperties": {"recurrence": {"frequency": "Day", "interval": 1, "startTime": "2024-01-01T00:00:00Z"}}}


def _rf011(tmp_path, kind: str, name: str, properties: dict) -> list[str]:
    folder = tmp_path / "adf" / kind
    folder.mkdir(parents=True)
    (folder / f"{name}.json").write_text(json.dumps({"name": name, "properties": properties}))
    _, out, _ = run_cli(["check", str(tmp_path / "adf"), "--no-schema", "-o", "json"])
    return [f["severity"] for f in json.loads(out)["findings"] if f["code"] == "RF011"]


@pytest.mark.parametrize("name", ["00_Load_Daily", "_H_Trigger", "12 Hour Updates"])
def test_a_trigger_may_start_with_a_digit_or_underscore(tmp_path, name):
    assert _rf011(tmp_path, "trigger", name, TRIGGER) == []


def test_a_pipeline_starting_with_a_digit_is_still_a_warning(tmp_path):
    assert _rf011(tmp_path, "pipeline", "01_copy", {"activities": []}) == ["warning"]


def test_a_trigger_breaking_another_rule_is_still_reported(tmp_path):
    assert _rf011(tmp_path, "trigger", "tr:daily", TRIGGER) == ["error"]
