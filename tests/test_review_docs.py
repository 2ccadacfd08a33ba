"""docs/review.md's CI examples (issue 17): valid YAML for their services, and their scripts run for real.

The scripts run in a git repository whose `origin/main` holds the shipped dev build and whose pull-request branch
turns a secure flag off; `adfgen` is this checkout's CLI, `gh` and `curl` are recorders of what would be posted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "review.md"


def yaml_blocks() -> list[dict]:
    """The ```yaml blocks of docs/review.md: the GitHub workflow, then the Azure pipeline.

    Read as YAML 1.2, as both services do (PyYAML's YAML 1.1 would read GitHub's `on:` key as True).
    """
    from ruamel.yaml import YAML

    blocks = re.findall(r"```yaml\n(.*?)\n```", DOC.read_text(), flags=re.S)
    return [json.loads(json.dumps(YAML(typ="safe", pure=True).load(block))) for block in blocks]


def vendored_schema(name: str) -> dict:
    """SchemaStore's schema as check-jsonschema vendors it (no download)."""
    import check_jsonschema

    return json.loads((Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / name).read_text())


@pytest.mark.parametrize("index, schema", [(0, "github-workflows.json"), (1, "azure-pipelines.json")])
def test_the_examples_are_valid_for_their_service(index, schema):
    import jsonschema

    document = yaml_blocks()[index]
    validator_class = jsonschema.validators.validator_for(vendored_schema(schema))
    errors = [e.message for e in validator_class(vendored_schema(schema)).iter_errors(document)]
    assert not errors


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture
def pull_request(tmp_path, schema_dir):
    """(repository, environment): origin/main holds out/ as shipped; HEAD turns a secure flag off."""
    origin, work, bin_dir = tmp_path / "origin.git", tmp_path / "work", tmp_path / "bin"
    work.mkdir()
    bin_dir.mkdir()
    shutil.copytree(REPO / "out" / "adf-xero-dev", work / "out" / "adf-xero-dev")
    _git(tmp_path, "init", "-q", "--bare", str(origin))
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", "out")
    _git(work, "commit", "-q", "-m", "base")
    _git(work, "remote", "add", "origin", str(origin))
    _git(work, "push", "-q", "origin", "main")
    _git(work, "fetch", "-q", "origin")
    _git(work, "checkout", "-q", "-b", "pr")
    path = work / "out" / "adf-xero-dev" / "pipeline" / "pl_xero_invoices.json"
    doc = json.loads(path.read_text())
    loop = next(a for a in doc["properties"]["activities"] if a["name"] == "Copy In Chunks")
    next(a for a in loop["typeProperties"]["activities"] if a["name"] == "Get Access Token")["policy"][
        "secureOutput"] = False
    path.write_text(json.dumps(doc, indent=2) + "\n")
    _git(work, "commit", "-q", "-am", "pr")
    _executable(bin_dir / "adfgen", f'#!/bin/sh\nexec "{sys.executable}" -m adfgen.cli "$@"\n')
    # recorders: arguments one per line, and the body/data file they were given
    _executable(bin_dir / "gh", '#!/bin/sh\nprintf "%s\\n" "$@" > "$RECORD/args"\n'
                                'while [ $# -gt 0 ]; do [ "$1" = --body-file ] && cp "$2" "$RECORD/body"; shift; done\n')
    _executable(bin_dir / "curl", '#!/bin/sh\nprintf "%s\\n" "$@" > "$RECORD/args"\n'
                                  'while [ $# -gt 0 ]; do [ "$1" = --data ] && cp "${2#@}" "$RECORD/body"; shift; done\n')
    record = tmp_path / "record"
    record.mkdir()
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path), "RECORD": str(record),
           "ADFGEN_SCHEMA_DIR": str(schema_dir), "PYTHONPATH": str(REPO)}
    return work, env, record


def _run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _check_report(work: Path, env: dict[str, str]) -> dict:
    result = subprocess.run([sys.executable, "-m", "adfgen.cli", "check", "out", "--output", "json"], cwd=work,
                            env=env, capture_output=True, text=True, timeout=300)
    return json.loads(result.stdout)


def _assert_comment(body: str, report: dict) -> None:
    assert body.startswith("## adfgen diff against `origin/main (")
    assert "- ⚠️ pipeline `pl_xero_invoices`: secureOutput turned off at `Copy In Chunks / Get Access Token`" in body
    summary = report["summary"]
    assert f"### adfgen check: {summary['errors']} error(s), {summary['warnings']} warning(s)" in body
    for finding in report["findings"]:  # every finding of the real run is listed
        assert f"`{finding['code']}` {finding['resource']}:" in body


def test_the_github_job_posts_the_diff_and_check_findings(pull_request):
    work, env, record = pull_request
    step = yaml_blocks()[0]["jobs"]["review"]["steps"][-1]
    assert set(step["env"]) == {"BASE_REF", "PR_NUMBER", "GH_TOKEN"}
    result = _run(step["run"], work, {**env, "BASE_REF": "main", "PR_NUMBER": "42", "GH_TOKEN": "t"})
    report = _check_report(work, env)
    assert result.returncode == (1 if report["summary"]["errors"] else 0), result.stderr
    assert (record / "args").read_text().splitlines() == ["pr", "comment", "42", "--body-file", "comment.md"]
    _assert_comment((record / "body").read_text(), report)


def test_the_azure_devops_step_posts_a_thread(pull_request):
    work, env, record = pull_request
    step = yaml_blocks()[1]["steps"][-1]
    assert step["env"] == {"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}
    predefined = {"SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/main", "SYSTEM_COLLECTIONURI": "https://dev.azure.com/org/",
                  "SYSTEM_TEAMPROJECT": "proj", "BUILD_REPOSITORY_ID": "repo-id", "SYSTEM_PULLREQUEST_PULLREQUESTID": "42",
                  "SYSTEM_ACCESSTOKEN": "t0ken"}
    result = _run(step["bash"], work, {**env, **predefined})
    report = _check_report(work, env)
    assert result.returncode == (1 if report["summary"]["errors"] else 0), result.stderr
    args = (record / "args").read_text().splitlines()
    assert args[-1] == "https://dev.azure.com/org/proj/_apis/git/repositories/repo-id/pullRequests/42/threads?api-version=7.1"
    assert "Authorization: Bearer t0ken" in args and "POST" in args
    thread = json.loads((record / "body").read_text())
    assert thread["status"] == 1 and thread["comments"][0]["parentCommentId"] == 0
    _assert_comment(thread["comments"][0]["content"], report)


def test_the_readme_shows_the_current_diagram_and_diff_summary():
    from tests.review_cases.regen import README, readme_block, readme_example

    block = readme_block(README.read_text(encoding="utf-8"))
    assert block, "README.md lost its review example markers"
    assert block == readme_example(), "the README's review example is stale: run python tests/review_cases/regen.py"
    assert "```mermaid\nflowchart TB" in block and "secureOutput turned off" in block
