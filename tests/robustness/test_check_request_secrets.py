"""SE006 in every REST request part (issue 14, secrets: check flags what build refuses): a literal under a credential
name in a Copy source's headers or body, a REST dataset's relative URL, a REST linked service's URL or auth headers;
before, only Web activities were read so, and the message never shows the value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.robustness.support import run_cli
from tests.robustness.test_secrets import echoed

LOW = "hunter2-Prod"  # a short password: only the credential name beside it tells


def _copy(source: dict) -> tuple[str, dict]:
    return "pipeline", {"name": "pl_c", "properties": {"activities": [{"name": "C", "type": "Copy", "typeProperties": {
        "source": {"type": "RestSource", **source}, "sink": {"type": "JsonSink"}}}]}}


def _rest_service(props: dict) -> tuple[str, dict]:
    return "linkedService", {"name": "ls_r", "properties": {"type": "RestService", "typeProperties": {
        "url": "https://api.example.com/", "authenticationType": "Anonymous", **props}}}


PLACES = {
    "Copy additionalHeaders": lambda v: _copy({"additionalHeaders": {"X-Api-Key": v}}),
    "Copy requestBody (JSON)": lambda v: _copy({"requestMethod": "POST", "requestBody": json.dumps({"password": v})}),
    "Copy requestBody (form)": lambda v: _copy({"requestMethod": "POST", "requestBody": f"a=1&client_secret={v}"}),
    "REST dataset relativeUrl": lambda v: ("dataset", {"name": "ds_r", "properties": {"type": "RestResource",
        "linkedServiceName": {"referenceName": "ls_r", "type": "LinkedServiceReference"},
        "typeProperties": {"relativeUrl": f"items?apikey={v}"}}}),
    "REST linked service url": lambda v: _rest_service({"url": f"https://api.example.com/?api_key={v}"}),
    "REST linked service authHeaders": lambda v: _rest_service({"authHeaders": {"Ocp-Apim-Subscription-Key": v}}),
}


def check(tmp_path: Path, kind: str, doc: dict) -> list[dict]:
    (tmp_path / kind).mkdir()
    (tmp_path / kind / f"{doc['name']}.json").write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run_cli(["check", str(tmp_path), "--no-schema", "--partial", "-o", "json"])
    assert not echoed(LOW, out + err)
    return [f for f in json.loads(out)["findings"] if f["code"] == "SE006"]


@pytest.mark.parametrize("place", list(PLACES))
def test_a_literal_credential_in_a_rest_request_part_is_flagged_without_its_value(tmp_path, place):
    found = check(tmp_path, *PLACES[place](LOW))
    assert len(found) == 1 and "fingerprint" in found[0]["message"], found


@pytest.mark.parametrize("value", ["@pipeline().parameters.key", "[parameters('apiKey')]", "{apiKey}", "********"])
@pytest.mark.parametrize("place", ["Copy additionalHeaders", "REST dataset relativeUrl"])
def test_expressions_and_placeholders_in_those_parts_are_not_flagged(tmp_path, place, value):
    assert check(tmp_path, *PLACES[place](value)) == []
