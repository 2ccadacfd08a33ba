"""A folder with no specs/: no command falls back to the shipped samples (only `adfgen build NAME` names one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adfgen.build import default_spec_paths
from adfgen.cli import main
from adfgen.core.errors import AdfgenError


@pytest.mark.parametrize("args", [["check"], ["plan", "--env", "prod"], ["deploy", "--env", "prod", "--dry-run"],
                                  ["deploy", "--env", "prod"], ["run", "pl_xero_controller"],
                                  ["auth", "status", "xero"]])
def test_no_command_acts_on_the_shipped_sample_in_an_empty_folder(tmp_path, monkeypatch, capsys, args):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ADFGEN_ARM_ENDPOINT", raising=False)  # no Azure call may be reached at all
    code = main(args)
    out, err = capsys.readouterr()
    assert code in (1, 2), out + err
    assert "no spec found" in err and "adfgen init" in err
    # before, check linted the shipped samples and deploy/plan went on to publish them (adf-xero-prod, adf-graph-prod...)
    assert "adf-" not in out + err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_the_library_default_is_the_project_folder_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AdfgenError, match="no spec found"):
        default_spec_paths()
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "mine.yaml").write_text("version: 1\n")
    assert default_spec_paths() == [Path("specs") / "mine.yaml"]
