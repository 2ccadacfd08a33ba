"""What a new user meets following the README (fresh-eyes QA): messages that name the value, the factory, the fix."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from adfgen.cli import main
from tests.test_init import fill

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_blank_skeleton_built_as_written_shows_its_todo_values(project, capsys):
    """The skeleton names every secret TODO; that placeholder is no secret, so other fields' TODOs stay readable."""
    assert main(["init", "--blank", "myapi"]) == 0
    capsys.readouterr()
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert "unknown auth flow 'TODO'; expected one of:" in err
    assert "<value " not in err


def test_a_real_secret_name_is_still_hidden_in_other_fields_messages(project, capsys):
    """The exemption is for the placeholder only: a secret name written into another field stays a fingerprint."""
    assert main(["init", "--blank", "myapi"]) == 0
    spec = project / "specs" / "myapi.yaml"
    text = spec.read_text().replace("client_secret: TODO", "client_secret: my-secret-name", 1)
    spec.write_text(text.replace("flow: TODO", "flow: my-secret-name", 1))
    capsys.readouterr()
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert "unknown auth flow '<value " in err and "my-secret-name" not in err


def test_plan_names_the_factory_whose_spec_sets_no_azure_target(project, capsys):
    """`adfgen plan --env prod` over several specs, one without factory.azure: the error names that factory, its
    spec and the way to leave it out (found following the README: the catalog specs set no target)."""
    specs = project / "specs"
    specs.mkdir()
    for spec in (REPO / "specs" / "xero.yaml", REPO / "specs" / "catalog" / "graph.yaml"):
        (specs / spec.name).write_text(spec.read_text())
    assert main(["build", "--env", "prod"]) == 0
    capsys.readouterr()
    assert main(["plan", "--env", "prod", "--arm-endpoint", "https://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "factory adf-graph-prod (specs/graph.yaml): missing --subscription, --resource-group" in err
    assert "factory.azure.subscription_id, factory.azure.resource_group" in err and "--factory NAME" in err


def test_the_readmes_bad_spec_example_is_what_the_build_prints(project, capsys):
    """The README shows one problem of `specs/xero.yaml` with `kind: pages`; the build must print that very line."""
    readme = (REPO / "README.md").read_text()
    shown = re.search(r"^specs/xero\.yaml:\d+: apis\[0\]\.pagination\.kind: .*$", readme, re.MULTILINE).group(0)
    (project / "specs").mkdir()
    spec = (REPO / "specs" / "xero.yaml").read_text()
    (project / "specs" / "xero.yaml").write_text(spec.replace("kind: page_number", "kind: pages", 1))
    assert main(["build"]) == 1
    assert shown in capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("typed, meant", [("pl_xero_controler", "pl_xero_controller"),
                                          ("PL_XERO_INVOICE", "pl_xero_invoices")])
def test_run_suggests_the_pipeline_a_typo_meant(monkeypatch, capsys, typed, meant):
    """`adfgen run` over the shipped specs (several factories) names the built pipeline closest to a typo."""
    monkeypatch.chdir(REPO)
    assert main(["run", typed]) == 2
    err = capsys.readouterr().err
    assert f"none has a built pipeline {typed} (did you mean {meant}?)" in err


def test_run_without_a_close_name_still_says_to_build(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["run", "pl_nothing_like_any"]) == 2
    assert "none has a built pipeline pl_nothing_like_any (run `adfgen build`?)" in capsys.readouterr().err


def test_the_build_benchmark_runs_now_that_builds_write_a_readme():
    """`python bench/build.py` (README, Benchmarks) at a tiny size: its baseline used to parse README.md as JSON."""
    result = subprocess.run([sys.executable, "bench/build.py", "--apis", "1", "--endpoints", "2", "--repeat", "1"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-1].startswith("build: ")


def test_a_todo_the_model_accepts_is_refused_at_its_line(project, capsys):
    """A blank skeleton filled but for the factory name and one secret name: both would build as 'TODO'."""
    assert main(["init", "--blank", "myapi"]) == 0
    spec = project / "specs" / "myapi.yaml"
    data = fill(yaml.safe_load(spec.read_text()))
    data["factory"]["name"] = data["apis"][0]["secrets"]["access_token"] = "TODO"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    capsys.readouterr()
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert "factory.name: still TODO, the placeholder `adfgen init` wrote: replace it with your own value" in err
    assert "apis[0].secrets.access_token: still TODO" in err and "name your Key Vault secret" in err
    assert not (project / "out").exists()


def test_a_todo_the_model_refuses_keeps_its_own_message_with_the_choices(project, capsys):
    assert main(["init", "--blank", "myapi"]) == 0
    capsys.readouterr()
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert "apis[0].auth.flow: unknown auth flow 'TODO'; expected one of:" in err
    assert "apis[0].auth.flow: still TODO" not in err


@pytest.mark.parametrize("text, line, message", [
    ('{\n  "name": "x",\n  "properties": {{ nope.x }}\n}\n', 3, "'nope' is undefined"),
    ('{\n  "name": "x",\n  "properties": {{ nope.x \n}\n', 4, "unexpected '}'")])
def test_a_broken_template_override_is_named_with_its_file_and_line(project, capsys, text, line, message):
    """`adfgen build --templates DIR` (README): a mistake in an override names the file and line, not only its name."""
    override = project / "tpl" / "pipeline" / "refresh.json.jinja"
    override.parent.mkdir(parents=True)
    override.write_text(text)
    assert main(["build", str(REPO / "specs" / "xero.yaml"), "--out", "out", "--templates", "tpl"]) == 1
    assert f"template tpl/pipeline/refresh.json.jinja:{line}: {message}" in capsys.readouterr().err


class _Refusing:
    """A Data Factory client whose create_run raises `error`."""

    def __init__(self, error):
        self.error = error

    def create_run(self, *args):
        raise self.error


def _start_refresh(error):
    from types import SimpleNamespace

    from adfgen.build import default_spec_paths
    from adfgen.oauth import refresh
    from adfgen.oauth.errors import AuthError
    from adfgen.oauth.target import load_target

    runs = _Refusing(error)
    clients = SimpleNamespace(datafactory=SimpleNamespace(pipelines=runs, pipeline_runs=runs))
    with pytest.raises(AuthError) as caught:
        refresh.via_factory(load_target("xero", "prod", default_spec_paths()), clients, "rg", timeout=1, poll=0,
                            sleep=lambda s: None)
    return str(caught.value)


def test_auth_refresh_signed_out_says_how_to_sign_in_not_whether_the_factory_is_deployed(monkeypatch):
    """`adfgen auth refresh xero --env prod` with no Azure login (README, First run): the credential is the problem."""
    from azure.core.exceptions import ClientAuthenticationError

    monkeypatch.chdir(REPO)
    said = _start_refresh(ClientAuthenticationError(
        "DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted credentials: ..."))
    assert "cannot get an Azure token" in said and "`az login`" in said
    assert "is the factory deployed" not in said and "credentials.;" not in said


def test_auth_refresh_of_a_missing_factory_still_asks_whether_it_is_deployed(monkeypatch):
    from azure.core.exceptions import ResourceNotFoundError

    monkeypatch.chdir(REPO)
    said = _start_refresh(ResourceNotFoundError("The Resource 'Microsoft.DataFactory/factories/x' was not found."))
    assert "is the factory deployed (`adfgen deploy`)? For a factory not deployed yet, use --direct" in said
