"""`adfgen diagram` / `adfgen diff` end to end, and the build's README.md not tripping check, deploy or cleanup."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from adfgen.build import build_factories, write_outputs
from adfgen.build.writer import read_tree, stale_files
from adfgen.cli import main
from adfgen.core.resources import KINDS
from adfgen.review import README_NAME

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "specs" / "xero.yaml"
CASE = REPO / "tests" / "review_cases" / "activity_renamed"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A git repository whose committed out/ holds the case's `before` factory."""
    shutil.copytree(CASE / "before", tmp_path / "out" / "adf-x")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "out")
    git(tmp_path, "commit", "-q", "-m", "before")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_diff_against_a_ref_compares_the_committed_out_with_the_working_tree(repo, capsys):
    assert run(capsys, "diff", "main")[0] == 0
    shutil.rmtree(repo / "out" / "adf-x")
    shutil.copytree(CASE / "after", repo / "out" / "adf-x")
    (repo / "out" / "adf-x" / README_NAME).write_text("not a resource")
    code, out, _ = run(capsys, "diff", "main", "--output", "json")
    assert code == 3
    doc = json.loads(out)
    assert doc["base"].startswith("main (") and [f["factory"] for f in doc["factories"]] == ["adf-x"]
    assert [c["summary"] for c in doc["factories"][0]["changes"]] == [
        "activity 'Pace Copy' renamed to 'Wait For Rate Limit'"]
    code, out, _ = run(capsys, "diff", "HEAD", "--out", str(repo / "out"), "--output", "markdown")
    assert code == 3 and out.startswith("## adfgen diff against `HEAD (") and "renamed to" in out


def test_diff_errors_are_one_clear_line(repo, capsys, tmp_path_factory):
    code, _, err = run(capsys, "diff", "no-such-branch")
    assert code == 1 and err.strip() == "unknown git ref 'no-such-branch' (try a branch, tag or commit: `git branch -a`)"
    code, _, err = run(capsys, "diff", "--", "--output=x")
    assert code == 1 and "unknown git ref '--output=x'" in err
    elsewhere = tmp_path_factory.mktemp("plain")
    code, _, err = run(capsys, "diff", "main", "--out", str(elsewhere))
    assert code == 1 and "is not inside a git repository" in err and "adfgen diff A B" in err
    code, _, err = run(capsys, "diff", "a", "b", "c")
    assert code == 2 and "two folders" in err
    code, _, err = run(capsys, "diff", str(elsewhere / "missing"), str(elsewhere))
    assert code == 1 and "no such folder" in err


def test_diff_of_two_folders_exits_like_plan(capsys):
    assert run(capsys, "diff", str(CASE / "before"), str(CASE / "before"))[0] == 0
    code, out, _ = run(capsys, "diff", str(CASE / "before"), str(CASE / "after"))
    assert code == 3 and "renamed to 'Wait For Rate Limit'" in out


def test_diagram_of_a_folder_a_file_and_for_azure_devops(capsys, tmp_path):
    code, out, _ = run(capsys, "diagram", str(REPO / "out" / "adf-xero-dev"))
    assert code == 0 and out == (REPO / "out" / "adf-xero-dev" / README_NAME).read_text(encoding="utf-8")
    code, out, _ = run(capsys, "diagram", str(REPO / "out" / "adf-xero-dev" / "pipeline" / "pl_xero_slot.json"),
                       "--flavor", "azure-devops")
    assert code == 0 and out.startswith("# pl\\_xero\\_slot") and "::: mermaid\nflowchart TB" in out
    assert "```" not in out
    code, out, _ = run(capsys, "diagram", str(REPO / "out"))
    assert code == 0 and out.count("## Factory") == len([p for p in (REPO / "out").iterdir() if p.is_dir()])
    (tmp_path / "pipeline").mkdir()
    (tmp_path / "pipeline" / "broken.json").write_text("{")
    code, out, err = run(capsys, "diagram", str(tmp_path))
    assert code == 0 and "warning: could not read pipeline/broken.json" in err
    assert run(capsys, "diagram", str(tmp_path / "nothing"))[0] == 1
    assert run(capsys, "diagram", str(tmp_path / "pipeline"))[0] == 2  # holds no kind folder


# ---------------------------------------------------------------- the README beside the JSON


def test_the_readme_sits_at_the_factory_root_where_adf_reads_no_resources():
    """ADF Studio's Git integration reads resources from the kind folders (pipeline/, dataset/, ...) and
    publish_config.json at the root (docs: articles/data-factory/source-control.md); a README.md at the root is
    read by neither [assumed: not observed in a live factory]."""
    (build,) = build_factories([SPEC])
    assert README_NAME in build.files and "/" not in README_NAME and not README_NAME.endswith(".json")
    other = {path.split("/", 1)[0] for path in build.files if "/" in path}
    assert other <= set(KINDS) | {"arm"}


def test_check_reports_the_same_with_and_without_the_readme(tmp_path, capsys):
    folder = tmp_path / "adf-xero-dev"
    shutil.copytree(REPO / "out" / "adf-xero-dev", folder)
    assert (folder / README_NAME).is_file()
    with_readme = run(capsys, "check", str(folder), "--no-schema", "--output", "json")
    (folder / README_NAME).unlink()
    assert run(capsys, "check", str(folder), "--no-schema", "--output", "json") == with_readme
    assert "README" not in with_readme[1]


def test_rebuilds_own_the_readme_like_every_other_file(tmp_path):
    out = tmp_path / "out"
    builds = build_factories([SPEC])
    write_outputs(builds, out)
    folder = out / builds[0].name
    assert (folder / README_NAME).read_bytes() == builds[0].files[README_NAME]
    assert stale_files(builds[0].files, folder) == []
    (folder / README_NAME).write_text("edited by hand")
    assert stale_files(builds[0].files, folder) == [(README_NAME, "differs")]
    assert write_outputs(builds, out) == [(builds[0].name, True)]
    assert read_tree(folder) == builds[0].files


def test_deploy_source_and_prune_ignore_the_readme(tmp_path, capsys, monkeypatch):
    from tests.peers.arm_server import ArmServer
    from tests.peers.fixtures import RG, SUB, TOKEN

    folder = tmp_path / "adf-xero-dev"
    shutil.copytree(REPO / "out" / "adf-xero-dev", folder)
    resources = sum(1 for p in folder.glob("*/*.json") if p.parent.name in KINDS)
    with ArmServer(lro_polls=None, token=TOKEN) as arm:
        monkeypatch.setenv("ADFGEN_ARM_TOKEN", TOKEN)
        monkeypatch.setenv("ADFGEN_ARM_ENDPOINT", arm.url)
        arm.add_factory(SUB, RG, "adf-xero-dev")
        args = ["--source", str(folder), "--subscription", SUB, "--resource-group", RG, "--factory", "adf-xero-dev",
                "--ca-bundle", arm.ca_path, "--skip-grants", "--prune"]
        code, out, _ = run(capsys, "deploy", *args, "--output", "json")
        assert code == 0 and json.loads(out)["factories"][0]["plan"]["counts"] == {"create": resources}
        code, out, _ = run(capsys, "plan", *args[:-2], "--prune", "--output", "json")
        assert code == 0 and json.loads(out)["factories"][0]["counts"] == {"unchanged": resources}
