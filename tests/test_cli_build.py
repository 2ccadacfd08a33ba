"""`adfgen build` outside a project: no silent sample build; the shipped sample only by its name."""

from __future__ import annotations

import pytest

from adfgen.cli import main


def test_build_without_a_specs_folder_says_how_to_start_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert "no spec found" in err and "adfgen init --list" in err and "adfgen build xero" in err
    assert list(tmp_path.iterdir()) == []


def test_the_shipped_sample_builds_by_its_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["build", "xero", "--out", "o"]) == 0
    assert (tmp_path / "o" / "adf-xero-dev" / "arm" / "ARMTemplateForFactory.json").is_file()


@pytest.mark.parametrize("name", ["nope", "specs/nope.yaml"])
def test_an_unknown_name_or_missing_file_fails(tmp_path, monkeypatch, capsys, name):
    monkeypatch.chdir(tmp_path)
    assert main(["build", name]) != 0
    assert "nope" in capsys.readouterr().err
