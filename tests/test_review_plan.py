"""`adfgen plan --output markdown` (issue 17): the live diff in the diff's layout, against the local ARM peer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from adfgen.cli import main
from tests.peers.fixtures import RG, SUB, TOKEN, cli_arm_peer

REPO = Path(__file__).resolve().parent.parent
FACTORY = "adf-xero-dev"


@pytest.fixture
def arm(monkeypatch):
    with cli_arm_peer(monkeypatch, FACTORY) as server:
        yield server


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and TOKEN not in out + err
    return code, out, err


def test_plan_markdown_shows_updates_in_review_terms_security_first(arm, tmp_path, capsys):
    folder = tmp_path / FACTORY
    shutil.copytree(REPO / "out" / FACTORY, folder)
    args = ["--source", str(folder), "--subscription", SUB, "--resource-group", RG, "--factory", FACTORY,
            "--ca-bundle", arm.ca_path]
    assert run(capsys, "deploy", *args, "--skip-grants")[0] == 0
    code, out, _ = run(capsys, "plan", *args, "--output", "markdown")
    assert code == 0 and out.startswith(f"### plan for factory `{FACTORY}`: unchanged ") and "| action |" not in out

    path = folder / "pipeline" / "pl_xero_invoices.json"
    doc = json.loads(path.read_text())
    loop = next(a for a in doc["properties"]["activities"] if a["name"] == "Copy In Chunks")
    token = next(a for a in loop["typeProperties"]["activities"] if a["name"] == "Get Access Token")
    token["policy"]["secureOutput"] = False
    token["policy"]["retry"] = 4
    path.write_text(json.dumps(doc, indent=2))
    code, out, _ = run(capsys, "plan", *args, "--output", "markdown")
    assert code == 3
    assert "| update | pipeline | `pl_xero_invoices` |  |" in out
    section = out.split("**pipeline `pl_xero_invoices`**", 1)[1]
    bullets = [line for line in section.splitlines() if line.startswith("- ")]
    assert bullets[0] == "- ⚠️ pipeline `pl_xero_invoices`: secureOutput turned off at " \
                         "`Copy In Chunks / Get Access Token`: `true` → `false`"
    assert bullets[1] == "- policy retry changed at `Copy In Chunks / Get Access Token`: `3` → `4`"
    assert "<details><summary>JSON diff (live → source)</summary>" in section and '"secureOutput": false' in section

    puts = arm.count("PUT")
    code, _, err = run(capsys, "deploy", *args, "--skip-grants", "--output", "markdown")
    assert code == 2 and "--output markdown shows a plan" in err and arm.count("PUT") == puts
    code, out, _ = run(capsys, "deploy", *args, "--skip-grants", "--dry-run", "--output", "markdown")
    assert code == 3 and "secureOutput turned off" in out
