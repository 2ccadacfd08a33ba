"""`adfgen run PIPELINE` in a project whose specs build several factories (Xero and the catalog) finds the one
holding PIPELINE, so that the README's `adfgen run pl_xero_controller ...` and `--env dev` examples work."""

from __future__ import annotations

from pathlib import Path

import pytest

from adfgen.cli import main
from adfgen.core.errors import UsageError
from adfgen.local.factory import folder_for_env, pick_factory
from tests.conftest import REPO


def _out(tmp_path: Path, layout: dict[str, list[str]]) -> Path:
    for factory, pipelines in layout.items():
        (tmp_path / factory / "pipeline").mkdir(parents=True)
        for name in pipelines:
            (tmp_path / factory / "pipeline" / f"{name}.json").write_text("{}")
    return tmp_path


def test_the_factory_holding_the_pipeline_is_chosen_in_any_case(tmp_path):
    out = _out(tmp_path, {"adf-a": ["pl_a_controller"], "adf-b": ["pl_b_controller"]})
    assert pick_factory(["adf-a", "adf-b"], "PL_B_CONTROLLER", out, "x") == "adf-b"
    assert pick_factory(["adf-a"], "anything", out, "x") == "adf-a"  # one factory: as before


@pytest.mark.parametrize("pipeline, message", [("pl_none", "none has a built pipeline pl_none"),
                                               ("pl_both", "pl_both is in adf-a, adf-b")])
def test_no_or_several_holders_are_usage_errors_naming_them(tmp_path, pipeline, message):
    out = _out(tmp_path, {"adf-a": ["pl_both"], "adf-b": ["pl_both"]})
    with pytest.raises(UsageError, match=message):
        pick_factory(["adf-a", "adf-b"], pipeline, out, "--env prod")


def test_the_readme_examples_resolve_in_the_repository(monkeypatch):
    monkeypatch.chdir(REPO)
    assert folder_for_env("dev", pipeline="pl_xero_controller") == Path("out") / "adf-xero-dev"
    assert folder_for_env("prod", pipeline="pl_graph_controller") == Path("out") / "adf-graph-prod"


def test_run_without_folder_names_the_factories_when_none_holds_the_pipeline(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["run", "pl_nope", "--vault", str(REPO / "missing.yaml")]) == 2  # the vault file is checked first
    assert main(["run", "pl_nope"]) == 2
    err = capsys.readouterr().err
    assert "adf-xero-dev" in err and "none has a built pipeline pl_nope" in err
