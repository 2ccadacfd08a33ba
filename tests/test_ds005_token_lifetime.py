"""DS005 judges a built factory by the access-token lifetime the build recorded, not by its own 30-minute guess."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from adfgen.build import build_factories, write_outputs
from adfgen.cli import main
from adfgen.core import token_lifetime

REPO = Path(__file__).resolve().parent.parent
HUBSPOT = REPO / "specs" / "catalog" / "hubspot.yaml"
PAGES = 400  # at about 15.4 s a page (15 s timeout + pacing): over 1.7 hours, past a 30-minute token


def _long_lived_build(tmp_path: Path) -> Path:
    """HubSpot's cursor spec with a Salesforce-like 2-hour token and a cap only such a token covers."""
    data = yaml.safe_load(HUBSPOT.read_text())
    data["apis"][0]["auth"]["access_token_lifetime"] = "2h"
    data["apis"][0]["pagination"]["max_requests"] = PAGES
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    write_outputs(build_factories([spec]), tmp_path / "out")
    (folder,) = (tmp_path / "out").iterdir()
    return folder


def _check(folder: Path, capsys, schema_dir: Path) -> tuple[int, list[dict]]:
    code = main(["check", str(folder), "--schema-dir", str(schema_dir), "-o", "json"])
    report = json.loads(capsys.readouterr().out)
    return code, [f for f in report["findings"] if f.get("severity") in ("error", "warning")]


def _set_annotation(folder: Path, value: str | None) -> None:
    """Replace (or with None remove) the lifetime annotation in every pipeline file, as a hand edit would."""
    for path in (folder / "pipeline").glob("*.json"):
        data = json.loads(path.read_text())
        kept = [a for a in data["properties"]["annotations"] if not str(a).startswith(token_lifetime.PREFIX)]
        data["properties"]["annotations"] = kept + ([value] if value is not None else [])
        path.write_text(json.dumps(data, indent=4))


def test_a_long_lived_token_build_checks_clean_schema_included(tmp_path, capsys, schema_dir):
    folder = _long_lived_build(tmp_path)
    worker = json.loads((folder / "pipeline" / "pl_hubspot_contacts.json").read_text())
    assert token_lifetime.recorded(worker["properties"]) == 7200
    code, findings = _check(folder, capsys, schema_dir)  # schema rules run: Microsoft's schema accepts the tag
    assert code == 0 and not findings, findings


def test_without_the_record_ds005_keeps_its_assumption_and_says_so(tmp_path, capsys, schema_dir):
    folder = _long_lived_build(tmp_path)
    _set_annotation(folder, None)
    _, findings = _check(folder, capsys, schema_dir)
    assert {f["code"] for f in findings} == {"DS005"} and len(findings) == 4  # the four endpoints' workers
    assert all("30-minute access token (assumed" in f["message"] for f in findings)


def test_a_recorded_lifetime_too_short_for_the_cap_is_still_reported(tmp_path, capsys, schema_dir):
    folder = _long_lived_build(tmp_path)
    _set_annotation(folder, token_lifetime.annotation(3600))  # 400 pages at 15.4 s outlive an hour
    _, findings = _check(folder, capsys, schema_dir)
    assert {f["code"] for f in findings} == {"DS005"} and len(findings) == 4
    assert all("3600 s access token the pipeline records" in f["message"] for f in findings)


def test_only_a_positive_whole_number_of_seconds_is_read():
    def read(*annotations):
        return token_lifetime.recorded({"annotations": list(annotations)})

    assert read("adfgen", token_lifetime.annotation(5400)) == 5400
    for junk in ("adfgen:access_token_lifetime=", "adfgen:access_token_lifetime=2h",
                 "adfgen:access_token_lifetime=0", "adfgen:access_token_lifetime=-5", "adfgen:access_token_lifetime=٣"):
        assert read(junk) is None, junk
    assert token_lifetime.recorded({"annotations": "adfgen:access_token_lifetime=60"}) is None
    assert token_lifetime.recorded(None) is None
