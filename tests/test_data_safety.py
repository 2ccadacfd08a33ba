"""Data safety at build time: trigger states, the check rules that catch unsafe hand-written patterns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from adfgen.build import build_factories, write_outputs
from adfgen.check.rules import RULES

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "specs" / "xero.yaml"


def build_with(tmp_path: Path, edit) -> tuple[object, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    """Build the shipped Xero spec after `edit(spec_dict)`; returns the build and its written folder."""
    spec = yaml.safe_load(SPEC.read_text())
    edit(spec)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    (build,) = build_factories([path])
    write_outputs([build], tmp_path / "out")
    return build, tmp_path / "out" / build.name


def check_folder(folder: Path) -> list:
    """`adfgen check` findings for one Git folder (schema rules skipped)."""
    from adfgen.check.engine import run_checks
    from adfgen.check.sources import load_git_factory

    return run_checks([load_git_factory(folder, complete=True)], None)


def trigger_states(folder: Path) -> tuple[dict, dict]:
    """runtimeState per trigger in the Git layout and in the ARM template."""
    git = {p.stem: json.loads(p.read_text())["properties"].get("runtimeState")
           for p in (folder / "trigger").glob("*.json")}
    arm = json.loads((folder / "arm" / "ARMTemplateForFactory.json").read_text())
    in_arm = {r["name"].split("/")[-1].rstrip("')]"): r["properties"]["runtimeState"]
              for r in arm["resources"] if r["type"].endswith("/triggers")}
    return git, in_arm


def test_the_keep_alive_is_started_in_git_and_arm_and_the_schedule_follows_the_spec(tmp_path):
    _, folder = build_with(tmp_path, lambda s: None)
    git, arm = trigger_states(folder)
    assert git == {"tr_xero_keepalive": "Started", "tr_xero_schedule": None}  # unset: adfgen deploy decides
    assert arm == {"tr_xero_keepalive": "Started", "tr_xero_schedule": "Stopped"}


def test_a_spec_can_start_the_schedule_too(tmp_path):
    _, folder = build_with(tmp_path, lambda s: s["apis"][0]["schedule"].update(started=True))
    git, arm = trigger_states(folder)
    assert git["tr_xero_schedule"] == arm["tr_xero_schedule"] == "Started"


def test_a_stopped_keep_alive_is_reported_by_check(tmp_path):
    def stop_keep_alive(spec):
        spec["apis"][0]["keep_alive"] = {"frequency": "Day", "interval": 7, "started": False}

    _, folder = build_with(tmp_path, stop_keep_alive)
    assert trigger_states(folder)[1]["tr_xero_keepalive"] == "Stopped"
    findings = check_folder(folder)
    assert [f.code for f in findings if f.code.startswith("DS")] == ["DS001"]


def test_the_shipped_factory_has_no_data_safety_findings():
    findings = check_folder(REPO / "out" / "adf-xero-dev")
    assert [f for f in findings if f.code.startswith("DS")] == []


@pytest.mark.parametrize("code", ["DS001", "DS002", "DS003", "DS004", "DS005"])
def test_rule_is_registered_and_documented(code):
    assert code in RULES
    assert f"[{code}](#{code.lower()})" in (REPO / "docs" / "check.md").read_text()


def test_pagination_adf_cannot_resume_is_refused_when_one_token_cannot_cover_it(tmp_path):
    """A cursor needs the previous reply: one Copy pages it all, so the build refuses a cap the token cannot cover."""
    from adfgen.core.errors import AdfgenError

    def cursor(spec, max_requests):
        api = spec["apis"][0]
        api["pagination"] = {"kind": "cursor", "param": "after", "cursor_path": "$.next", "max_requests": max_requests}
        api["endpoints"] = [e for e in api["endpoints"] if e["name"] == "invoices"]

    # one endpoint, one lane: 1.02 s pacing (60 a minute, 2% headroom; whole seconds: 2) + 30 s timeout a page;
    # 30-minute token less 5 min: 46 pages
    with pytest.raises(AdfgenError) as refused:
        build_with(tmp_path / "a", lambda s: cursor(s, 47))
    problems = [p.message for p in refused.value.problems]
    assert len(problems) == 1 and "at most 46 pages" in problems[0] and "max_requests is 47" in problems[0]
    build, folder = build_with(tmp_path / "b", lambda s: cursor(s, 46))
    worker = json.loads((folder / "pipeline" / "pl_xero_invoices.json").read_text())
    loop = next(a for a in worker["properties"]["activities"] if a["type"] == "Until")
    refresh = next(a for a in loop["typeProperties"]["activities"] if a["name"] == "Refresh If Near Expiry")
    # refreshed first unless the token lasts for every page: margin 300 s + 46 pages x 32 s
    assert refresh["typeProperties"]["expression"]["value"].endswith(f", {300 + 46 * 32}))")
