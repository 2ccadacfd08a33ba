"""`schedule.time_zone` takes the time zone IDs ADF's schedule triggers take, and refuses others naming the likely one."""

from __future__ import annotations

import json
import zoneinfo
from pathlib import Path

import pytest
import yaml

from adfgen.core import adf_docs, adf_time_zones
from adfgen.spec import load_spec_text
from tests.test_spec_errors import minimal_spec

REPO = Path(__file__).resolve().parent.parent
WHERE = "apis[0].schedule.time_zone"


def _problems(zone: str, key: str = "schedule") -> list:
    data = minimal_spec()
    data["apis"][0][key] = {"start_time": "2024-01-01T06:00:00" + ("Z" if zone == "UTC" else ""), "time_zone": zone}
    return load_spec_text(yaml.safe_dump(data, sort_keys=False), "s.yaml")[1]


def _shipped_zones() -> set[str]:
    """Every time_zone the shipped and catalog specs give (their schedules and keep-alives), and the default."""
    found = {"UTC"}
    for path in [REPO / "specs" / "xero.yaml", *sorted((REPO / "specs" / "catalog").glob("*.yaml"))]:
        for api in yaml.safe_load(path.read_text())["apis"]:
            found |= {api[k]["time_zone"] for k in ("schedule", "keep_alive") if "time_zone" in (api.get(k) or {})}
    return found


@pytest.mark.parametrize("zone", sorted(set(adf_time_zones.DOCUMENTED) | _shipped_zones()))
def test_documented_and_shipped_zones_load(zone):
    assert _problems(zone) == []


def test_every_zone_of_published_factories_is_accepted(corpus_dir):
    """Triggers in the check corpus are factories people deployed: their zones are ones ADF took (observed)."""
    used = set()
    for path in corpus_dir.rglob("*.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        except ValueError:
            continue
        recurrence = ((data.get("properties") or {}).get("typeProperties") or {}).get("recurrence") \
            if isinstance(data, dict) else None
        if isinstance(recurrence, dict) and isinstance(recurrence.get("timeZone"), str):
            used.add(recurrence["timeZone"])
    assert len(used) > 5  # the corpus holds triggers in several zones
    assert used <= adf_time_zones.ACCEPTED, used - adf_time_zones.ACCEPTED


@pytest.mark.parametrize("given, meant", [
    ("Europe/Paris", "'Romance Standard Time'"),  # an IANA name: the Windows ID whose main zone it is
    ("America/New_York", "'Eastern Standard Time'"),
    ("pacific standard time", "'Pacific Standard Time'"),  # the spelling ADF has
    ("W Europe Standard Time", "'W. Europe Standard Time'"),  # a typo: the closest first
    ("Etc/UTC", "'UTC'"),
])
def test_a_near_miss_is_refused_naming_the_likely_id(given, meant):
    (problem,) = _problems(given)
    assert problem.where == WHERE
    assert problem.message.startswith(f"unknown time zone {given!r}: did you mean {meant}")
    assert adf_time_zones.SOURCE in problem.message and "W. Europe Standard Time" in problem.message


def test_an_unknown_zone_is_refused_with_the_documented_choices_and_the_line():
    data = minimal_spec()
    data["apis"][0]["keep_alive"] = {"frequency": "Day", "interval": 7, "time_zone": "Mars/Olympus"}
    text = yaml.safe_dump(data, sort_keys=False)
    (problem,) = load_spec_text(text, "s.yaml")[1]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "Mars/Olympus" in row)
    assert (problem.file, problem.line, problem.where) == ("s.yaml", line, "apis[0].keep_alive.time_zone")
    assert "did you mean" not in problem.message
    assert all(zone in problem.message for zone in adf_time_zones.DOCUMENTED)
    assert adf_time_zones.WINDOWS_SOURCE in problem.message


def test_the_data_module_says_where_each_set_comes_from():
    assert adf_time_zones.SOURCE.startswith(adf_docs.LEARN) and adf_time_zones.DOCUMENTED_STATUS == adf_docs.DOCUMENTED
    assert adf_time_zones.WINDOWS_STATUS == adf_docs.ASSUMED and "cldr" in adf_time_zones.WINDOWS_SOURCE
    assert set(adf_time_zones.DOCUMENTED) <= adf_time_zones.ACCEPTED
    for iana in adf_time_zones.WINDOWS.values():  # each mapping names a real IANA zone (the tzdata oracle)
        zoneinfo.ZoneInfo(iana)
