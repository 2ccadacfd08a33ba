"""Every command taking SPEC reads a bare name as `adfgen build NAME` does: the shipped sample of that name."""

from __future__ import annotations

import pytest

from adfgen.cli import main


@pytest.mark.parametrize("args", [["plan", "xero"], ["deploy", "xero", "--dry-run"], ["deploy", "xero"]])
def test_plan_and_deploy_read_the_shipped_sample_by_name(tmp_path, monkeypatch, capsys, args):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ADFGEN_ARM_ENDPOINT", raising=False)
    code = main([*args, "--out", "o"])
    err = capsys.readouterr().err
    # the spec was read and built in memory: the refusal is about the unbuilt out/, before any Azure call
    assert code == 1 and "cannot read spec" not in err
    assert "o/adf-xero-dev is stale against the specs" in err and "Traceback" not in err


def test_check_reads_the_shipped_sample_by_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["check", "xero", "--no-schema"]) == 0
    out, err = capsys.readouterr()
    assert "xero.yaml" in out and "3 factory folders checked" in out, out + err  # base config, test and prod


@pytest.mark.parametrize("command", [["build"], ["plan"], ["deploy", "--dry-run"], ["check"]])
def test_an_unknown_name_lists_the_samples_in_every_command(tmp_path, monkeypatch, capsys, command):
    monkeypatch.chdir(tmp_path)
    assert main([*command, "nope"]) == 2
    assert "no spec file 'nope' and no shipped sample of that name (samples: xero" in capsys.readouterr().err
