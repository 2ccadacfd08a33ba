"""`adfgen check` on adfgen's own output: the shipped specs build clean, and breaking the build is caught.

Each mutation below breaks one property the design promises (secureOutput, concurrency 1, save order, ...)
in the real generated factory; the matching rule must fire, and only on the mutated build.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from adfgen.check.engine import run_checks
from adfgen.check.model import Entry, Factory
from adfgen.check.schema import load_schema_validator
from adfgen.cli import main
from adfgen.core.resources import Resource
from tests.check_support import REPO, SCHEMA_DIR

build = pytest.importorskip("adfgen.build")
# the project these tests check is the Xero sample alone (the catalog, specs/catalog, has its own tests)
XERO_SPEC = REPO / "specs" / "xero.yaml"


@pytest.fixture(scope="module")
def xero():
    return build.build_factories([XERO_SPEC])[0]


def check(xero, mutate=None):
    resources = {r.name: copy.deepcopy(r.properties) for r in xero.resources}
    if mutate:
        mutate(resources)
    factory = Factory(xero.name, xero.name, complete=True, concurrency_limits=dict(xero.concurrency_limits))
    factory.entries = [Entry(Resource(r.kind, r.name, resources[r.name]), r.git_path, 1) for r in xero.resources]
    return run_checks([factory], load_schema_validator(SCHEMA_DIR))


def activity(resources, pipeline, name):
    def find(items):
        for item in items:
            if item.get("name") == name:
                return item
            props = item.get("typeProperties", {})
            for key in ("activities", "ifTrueActivities", "ifFalseActivities"):  # Until and ForEach: activities
                found = find(props.get(key, []))
                if found:
                    return found
        return None
    found = find(resources[pipeline]["activities"])
    assert found is not None, (pipeline, name)
    return found


def test_shipped_specs_build_clean(xero):
    assert check(xero) == []


def _set(pipeline, name, path, value):
    def mutate(resources):
        node = activity(resources, pipeline, name)
        *parents, last = path
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return mutate


def _refresh_saves_access_first(resources):
    activity(resources, "pl_xero_refresh", "Save Access Token")["dependsOn"] = [
        {"activity": "Request Token", "dependencyConditions": ["Succeeded"]}]


def _unbounded_foreach(resources):
    foreach = activity(resources, "pl_xero_project_tasks_file", "For Each projects")
    foreach["typeProperties"].update(isSequential=False, batchCount=10)


def _strip_api_version(resources):
    url = activity(resources, "pl_xero_refresh", "Get Client Id")["typeProperties"]["url"]
    url["value"] = url["value"].split("?")[0] + "')"


MUTATIONS = {
    "SE001": _set("pl_xero_refresh", "Request Token", ["policy", "secureOutput"], False),
    "SE002": _set("pl_xero_refresh", "Request Token", ["policy", "secureInput"], False),
    "SE003": _set("pl_xero_invoices", "Copy Chunk", ["policy", "secureInput"], False),
    "RL002": lambda resources: resources["pl_xero_refresh"].pop("concurrency"),
    "RL003": _refresh_saves_access_first,
    "RL004": _set("pl_xero_refresh", "Save Refresh Token", ["policy", "retry"], 0),
    "RL005": _unbounded_foreach,
    "SE007": _strip_api_version,
    "RF002": lambda resources: activity(resources, "pl_xero_invoices", "Copy Chunk").update(dependsOn=[]),
}


@pytest.mark.parametrize("code", sorted(MUTATIONS))
def test_breaking_the_build_is_caught(xero, code):
    findings = check(xero, MUTATIONS[code])
    assert code in {f.code for f in findings if f.severity == "error"}, findings


def every_environment():
    paths = [XERO_SPEC]
    return build.build_factories(paths) + [b for env in ("prod", "test") for b in build.build_factories(paths, env)]


def test_check_without_path_builds_the_specs(tmp_path, monkeypatch, capsys, xero):
    (tmp_path / "specs").mkdir()
    shutil.copy(XERO_SPEC, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--schema-dir", str(SCHEMA_DIR), "-o", "json", "--ignore", "SP003"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0  # out/ is missing: a warning, not an error
    assert {f["code"] for f in doc["findings"]} == {"SP002"}
    builds = every_environment()
    assert doc["summary"]["resources"] == sum(len(b.resources) for b in builds)  # base config and both environments
    build.write_outputs(builds, tmp_path / "out")
    assert main(["check", "--schema-dir", str(SCHEMA_DIR), "-o", "json", "--ignore", "SP003"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    stale = tmp_path / "out" / xero.name / "pipeline" / "pl_xero_refresh.json"
    stale.write_text(stale.read_text().replace('"retry": 5', '"retry": 4'), encoding="utf-8")
    main(["check", "--schema-dir", str(SCHEMA_DIR), "-o", "json", "--ignore", "SP003"])
    stale_findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["code"], f["file"].endswith("pl_xero_refresh.json")) for f in stale_findings] == [("SP002", True)]


def test_spec_errors_become_findings(tmp_path, monkeypatch, capsys):
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "bad.yaml").write_text("version: 1\nfactory: 5\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--schema-dir", str(SCHEMA_DIR), "-o", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert doc["findings"] and {f["code"] for f in doc["findings"]} == {"SP001"}
    assert all(f["file"].endswith("bad.yaml") or f["file"] == "specs" for f in doc["findings"])


# ---------------------------------------------------------------- environments (review point 1)

def _copy_specs(tmp_path, monkeypatch):
    (tmp_path / "specs").mkdir()
    shutil.copy(XERO_SPEC, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)


def _check_json(capsys, *args):
    # the shipped spec carries one run-time warning (SP003, tested on its own); these tests are about out/
    code = main(["check", "--schema-dir", str(SCHEMA_DIR), "-o", "json", "--ignore", "SP003", *args])
    return code, json.loads(capsys.readouterr().out)


def test_build_warnings_become_sp003_findings(tmp_path, monkeypatch, capsys):
    _copy_specs(tmp_path, monkeypatch)
    build.write_outputs(every_environment(), tmp_path / "out")
    code = main(["check", "--schema-dir", str(SCHEMA_DIR), "-o", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert code == 0  # a warning
    assert [(f["code"], f["file"], f["path"]) for f in findings] == [("SP003", "specs/xero.yaml", "apis[0]")]
    assert "rest.rule_expressions" in findings[0]["message"]  # the chunked copies' assumption


def test_every_environment_is_built_and_compared_with_out(tmp_path, monkeypatch, capsys):
    _copy_specs(tmp_path, monkeypatch)
    builds = every_environment()
    assert sorted(b.name for b in builds) == ["adf-xero-dev", "adf-xero-prod", "adf-xero-test"]
    build.write_outputs([b for b in builds if b.name != "adf-xero-test"], tmp_path / "out")
    code, doc = _check_json(capsys)
    assert code == 0 and doc["summary"]["factories"] == 3
    assert [(f["code"], f["file"]) for f in doc["findings"]] == [("SP002", str(Path("out") / "adf-xero-test"))]
    build.write_outputs(builds, tmp_path / "out")
    stale = tmp_path / "out" / "adf-xero-prod" / "pipeline" / "pl_xero_refresh.json"
    stale.write_text(stale.read_text().replace('"retry": 5', '"retry": 4'), encoding="utf-8")
    code, doc = _check_json(capsys)
    assert [(f["code"], f["file"]) for f in doc["findings"]] == [("SP002", str(stale.relative_to(tmp_path)))]


def test_env_option_checks_one_environment(tmp_path, monkeypatch, capsys):
    _copy_specs(tmp_path, monkeypatch)
    builds = every_environment()
    build.write_outputs(builds, tmp_path / "out")
    code, doc = _check_json(capsys, "--env", "prod")
    prod = next(b for b in builds if b.name == "adf-xero-prod")
    assert code == 0 and doc["findings"] == []
    assert doc["summary"]["factories"] == 1 and doc["summary"]["resources"] == len(prod.resources)
    stale = tmp_path / "out" / "adf-xero-test" / "pipeline" / "pl_xero_refresh.json"
    stale.write_text("{}", encoding="utf-8")
    assert _check_json(capsys, "--env", "prod")[1]["findings"] == []  # the test folder is not looked at
    assert main(["check", "--no-schema", "--env", "staging"]) == 2
    err = capsys.readouterr().err
    assert "--env staging" in err and "expected one of: prod, test" in err


def test_env_option_on_adf_json_is_a_usage_error(tmp_path, capsys):
    from tests.check_support import write_factory

    folder = write_factory(tmp_path / "adf", {"pipeline/pl": {"activities": []}})
    assert main(["check", "--no-schema", "--env", "prod", str(folder)]) == 2
    assert "environments apply to specs" in capsys.readouterr().err


def test_an_environment_with_the_base_factory_name_is_a_spec_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    spec = (REPO / "specs" / "xero.yaml").read_text(encoding="utf-8")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "xero.yaml").write_text(spec.replace("      name: adf-xero-test\n", ""), encoding="utf-8")
    code, doc = _check_json(capsys)
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert code == 1 and [f["code"] for f in errors] == ["SP001"]
    assert "environment 'test' builds factory 'adf-xero-dev'" in errors[0]["message"]
    assert doc["summary"]["factories"] == 2  # dev (base) and prod
