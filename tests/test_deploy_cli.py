"""`adfgen plan` / `adfgen deploy` end to end: the shipped Xero build to the local ARM endpoint, exit codes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adfgen.build.writer import stale_files
from adfgen.cli import main
from tests.peers.arm_server import ArmServer
from tests.peers.fixtures import FACTORY, RG, SUB, TOKEN, managed, sample_resources

REPO = Path(__file__).resolve().parent.parent
XERO = REPO / "specs" / "xero.yaml"
XERO_SUB, XERO_RG, XERO_FACTORY, XERO_VAULT = "00000000-0000-0000-0000-000000000000", "rg-xero-dev", "adf-xero-dev", "kv-xero-dev"


@pytest.fixture
def arm(monkeypatch):
    with ArmServer(lro_polls=None, token=TOKEN) as server:
        monkeypatch.setenv("ADFGEN_ARM_TOKEN", TOKEN)
        monkeypatch.setenv("ADFGEN_ARM_ENDPOINT", server.url)
        yield server


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Run the real CLI entry point; return (exit code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert TOKEN not in out + err
    return code, out, err


def xero_args(arm, out_dir: Path, *extra: str) -> list[str]:
    return [str(XERO), "--out", str(out_dir), "--ca-bundle", arm.ca_path, *extra]


# every resource of the committed dev build (the Git layout's JSON files; the arm/ folder is the same resources)
XERO_RESOURCES = sum(1 for path in (REPO / "out" / "adf-xero-dev").glob("*/*.json") if path.parent.name != "arm")


def test_xero_build_plan_deploy_plan(arm, tmp_path, capsys):
    arm.add_factory(XERO_SUB, XERO_RG, XERO_FACTORY)
    arm.add_vault(XERO_SUB, XERO_RG, XERO_VAULT, rbac=True)
    out_dir = tmp_path / "out"

    code, _, err = run(capsys, "plan", *xero_args(arm, out_dir))
    assert code == 1 and "stale" in err and "adfgen build" in err and "--build" in err

    code, out, _ = run(capsys, "deploy", *xero_args(arm, out_dir, "--build", "--output", "json"))
    assert code == 0, out
    (doc,) = json.loads(out)["factories"]
    assert doc["ok"] and doc["plan"]["counts"] == {"create": XERO_RESOURCES}
    assert [g["status"] for g in doc["grants"]] == ["granted"]
    assert arm.count("PUT", "/factories/") == XERO_RESOURCES
    assert set(arm.names(XERO_FACTORY, "triggers")) == {"tr_xero_keepalive", "tr_xero_schedule"}
    assert {arm.resource(XERO_FACTORY, "triggers", t)["properties"]["runtimeState"]
            for t in ("tr_xero_keepalive", "tr_xero_schedule")} == {"Started"}

    arm.clear_log()
    code, out, _ = run(capsys, "plan", *xero_args(arm, out_dir))
    assert code == 0 and f"unchanged {XERO_RESOURCES}" in out
    assert arm.count("PUT") == 0

    code, out, _ = run(capsys, "deploy", *xero_args(arm, out_dir))
    assert code == 0 and arm.count("PUT", "/factories/") == 0
    assert "key vault: role Key Vault Secrets Officer" in out and "already present" in out


def test_a_stale_build_is_refused_naming_the_files(arm, tmp_path, capsys):
    out_dir = tmp_path / "out"
    assert main(["build", str(XERO), "--out", str(out_dir)]) == 0
    capsys.readouterr()
    pipeline = out_dir / XERO_FACTORY / "pipeline" / "pl_xero_refresh.json"
    pipeline.write_text(pipeline.read_text().replace("adfgen", "hand-edited", 1))
    (out_dir / XERO_FACTORY / "pipeline" / "pl_extra.json").write_text("{}")

    code, _, err = run(capsys, "deploy", *xero_args(arm, out_dir))

    assert code == 1
    assert "pipeline/pl_xero_refresh.json (differs)" in err and "pipeline/pl_extra.json (not in the build)" in err
    assert arm.log == []  # nothing reached ARM


def test_stale_files_lists_missing_differing_and_extra(tmp_path):
    (tmp_path / "pipeline").mkdir()
    (tmp_path / "pipeline" / "a.json").write_bytes(b"old")
    (tmp_path / "pipeline" / "extra.json").write_bytes(b"x")
    expected = {"pipeline/a.json": b"new", "pipeline/b.json": b"b"}

    assert stale_files(expected, tmp_path) == [("pipeline/a.json", "differs"), ("pipeline/b.json", "missing"),
                                               ("pipeline/extra.json", "extra")]
    assert stale_files({"pipeline/a.json": b"old", "pipeline/extra.json": b"x"}, tmp_path) == []


def write_source(folder: Path, resources) -> Path:
    for r in resources:
        path = folder / r.kind / f"{r.name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(r.to_git()))
    return folder


def source_args(arm, folder: Path, *extra: str) -> list[str]:
    return ["--source", str(folder), "--subscription", SUB, "--resource-group", RG, "--factory", FACTORY,
            "--ca-bundle", arm.ca_path, "--skip-grants", *extra]


def test_plan_exit_codes_and_json(arm, tmp_path, capsys):
    arm.add_factory(SUB, RG, FACTORY)
    folder = write_source(tmp_path / "src", sample_resources())
    arm.put_resource(FACTORY, "pipelines", "pl_handmade", {"activities": []})

    code, out, _ = run(capsys, "plan", *source_args(arm, folder)[:-1], "--output", "json")
    assert code == 3
    (doc,) = json.loads(out)["factories"]
    assert doc["changes"] and doc["counts"] == {"create": 7, "unmanaged": 1}
    assert {"kind": "pipeline", "name": "pl_handmade", "action": "unmanaged", "managed": False} in doc["resources"]

    code, out, _ = run(capsys, "deploy", *source_args(arm, folder), "--dry-run")
    assert code == 3 and arm.count("PUT") == 0

    code, out, _ = run(capsys, "deploy", *source_args(arm, folder))
    assert code == 0 and "applied put 7, start 1" in out

    code, out, _ = run(capsys, "plan", *source_args(arm, folder)[:-1])
    assert code == 0 and "unchanged 7, unmanaged 1" in out and "pl_handmade  (not written by adfgen: untouched)" in out


def test_plan_shows_a_diff_for_an_update(arm, tmp_path, capsys):
    arm.add_factory(SUB, RG, FACTORY)
    folder = write_source(tmp_path / "src", sample_resources())
    assert run(capsys, "deploy", *source_args(arm, folder))[0] == 0
    pipeline = folder / "pipeline" / "pl_worker.json"
    doc = json.loads(pipeline.read_text())
    doc["properties"]["description"] = "reviewed change"
    pipeline.write_text(json.dumps(doc))

    code, out, _ = run(capsys, "plan", *source_args(arm, folder)[:-1])

    assert code == 3
    assert "update" in out and '+  "description": "reviewed change"' in out and "--- live/pipeline/pl_worker" in out


def test_a_schema_invalid_body_is_a_clear_error_with_exit_1(arm, tmp_path, capsys):
    arm.add_factory(SUB, RG, FACTORY)
    bad = [r if r.name != "pl_refresh" else type(r)(r.kind, r.name, managed({"concurrency": 0, "activities": []}))
           for r in sample_resources()]
    folder = write_source(tmp_path / "src", bad)

    code, out, _ = run(capsys, "deploy", *source_args(arm, folder))

    assert code == 1
    assert "FAILED      put pipeline pl_refresh: HTTP 400 BadRequest:" in out
    assert "concurrency" in out and "less than the minimum of 1" in out
    assert "not applied put trigger tr_daily" in out and "run deploy again" in out


def test_a_missing_factory_is_a_clear_error(arm, tmp_path, capsys):
    folder = write_source(tmp_path / "src", sample_resources())

    code, _, err = run(capsys, "plan", *source_args(arm, folder)[:-1])

    assert code == 1 and f"reading factory '{FACTORY}'" in err and "HTTP 404" in err and "does the factory exist" in err


def test_a_wrong_token_is_a_clear_error(arm, tmp_path, capsys, monkeypatch):
    arm.add_factory(SUB, RG, FACTORY)
    monkeypatch.setenv("ADFGEN_ARM_TOKEN", "wrong")
    folder = write_source(tmp_path / "src", sample_resources())

    code, _, err = run(capsys, "plan", *source_args(arm, folder)[:-1])

    assert code == 1 and "HTTP 401 AuthenticationFailed" in err


def test_missing_coordinates_are_a_usage_error(arm, tmp_path, capsys):
    folder = write_source(tmp_path / "src", sample_resources())

    code, _, err = run(capsys, "plan", "--source", str(folder), "--factory", FACTORY)

    assert code == 2 and "missing --subscription, --resource-group" in err


def test_deploy_grants_an_access_policy_vault(arm, tmp_path, capsys):
    arm.add_factory(SUB, RG, FACTORY)
    arm.add_vault(SUB, RG, "kv-policies", rbac=False)
    folder = write_source(tmp_path / "src", sample_resources())
    args = source_args(arm, folder)[:-1] + ["--vault-name", "kv-policies"]

    code, out, _ = run(capsys, "deploy", *args)

    assert code == 0 and "access policy secrets get/list/set" in out and ": granted" in out
    (policy,) = arm.state.vaults["kv-policies"]["properties"]["accessPolicies"]
    assert policy["permissions"] == {"secrets": ["get", "list", "set"]}


def test_build_never_imports_the_azure_sdk(tmp_path):
    import subprocess
    import sys

    code = (f"import sys; from adfgen.cli import main; main(['build', {str(XERO)!r}, '--out', {str(tmp_path / 'o')!r}]); "
            "print(sorted(m for m in sys.modules if m.startswith('azure')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr



def test_build_dry_run_plans_the_build_in_memory_and_writes_nothing(arm, tmp_path, capsys):
    arm.add_factory(XERO_SUB, XERO_RG, XERO_FACTORY)
    out_dir = tmp_path / "out"

    code, out, _ = run(capsys, "deploy", *xero_args(arm, out_dir, "--build", "--dry-run"))

    assert code == 3 and f"create {XERO_RESOURCES}" in out
    assert not out_dir.exists() and arm.count("PUT") == 0


def test_xero_deploy_grants_key_vault_access_before_starting_triggers(arm, tmp_path, capsys):
    arm.add_factory(XERO_SUB, XERO_RG, XERO_FACTORY)
    arm.add_vault(XERO_SUB, XERO_RG, XERO_VAULT, rbac=True)

    code, out, _ = run(capsys, "deploy", *xero_args(arm, tmp_path / "out", "--build"))

    assert code == 0, out
    calls = [(e.method, e.path) for e in arm.log if e.method in ("PUT", "POST")]
    grant = next(i for i, (m, p) in enumerate(calls) if m == "PUT" and "/roleAssignments/" in p)
    starts = [i for i, (m, p) in enumerate(calls) if m == "POST" and p.endswith("/start")]
    puts = [i for i, (m, p) in enumerate(calls) if m == "PUT" and "/factories/" in p]
    assert len(starts) == 2 and max(puts) < grant < min(starts)


def test_xero_least_privilege_names_the_broader_vault_role_and_how_to_remove_it(arm, tmp_path, capsys):
    arm.add_factory(XERO_SUB, XERO_RG, XERO_FACTORY)
    arm.add_vault(XERO_SUB, XERO_RG, XERO_VAULT, rbac=True)
    assert run(capsys, "deploy", *xero_args(arm, tmp_path / "out", "--build"))[0] == 0
    (vault_wide,) = arm.state.role_assignments.values()

    code, out, _ = run(capsys, "deploy", *xero_args(arm, tmp_path / "out", "--least-privilege"))

    assert code == 0, out
    assert ("!!! key vault: the factory also holds Key Vault Secrets Officer on the whole vault; remove it with: "
            f"az role assignment delete --ids {vault_wide['id']}") in out
    roles = sorted((a["properties"]["scope"].rsplit("/", 1)[-1], a["properties"]["roleDefinitionId"][-36:])
                   for a in arm.state.role_assignments.values())
    officer, user = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", "4633458b-17de-408a-b874-0445c86b69e6"
    assert roles == [(XERO_VAULT, officer), ("xero-access-token", officer), ("xero-client-id", user),
                     ("xero-client-secret", user), ("xero-refresh-token", officer), ("xero-tenant-id", user)]


def test_plan_flags_and_deploy_refuses_a_takeover_unless_adopt(arm, tmp_path, capsys):
    arm.add_factory(SUB, RG, FACTORY)
    arm.put_resource(FACTORY, "pipelines", "pl_worker", {"activities": [], "annotations": ["team-x"]})
    folder = write_source(tmp_path / "src", sample_resources())

    code, out, _ = run(capsys, "plan", *source_args(arm, folder)[:-1])
    assert code == 3 and "update (takes over an unmanaged resource) pipeline       pl_worker" in out
    assert "deploy needs --adopt" in out

    code, out, _ = run(capsys, "plan", *source_args(arm, folder)[:-1], "--output", "json")
    (doc,) = json.loads(out)["factories"]
    (row,) = [r for r in doc["resources"] if r["name"] == "pl_worker"]
    assert row["action"] == "update" and row["takesOver"] is True
    assert not any(r.get("takesOver") for r in doc["resources"] if r["name"] != "pl_worker")

    code, _, err = run(capsys, "deploy", *source_args(arm, folder))
    assert code == 1 and "pipeline pl_worker" in err and "--adopt" in err and "did not write" in err
    assert arm.count("PUT") == 0

    code, out, _ = run(capsys, "deploy", *source_args(arm, folder), "--adopt")
    assert code == 0, out
    assert arm.resource(FACTORY, "pipelines", "pl_worker")["properties"]["annotations"] == ["adfgen"]


def test_deploy_source_without_a_vault_or_skip_grants_is_refused_before_any_put(arm, tmp_path, capsys):
    arm.add_factory(SUB, RG, FACTORY)
    folder = write_source(tmp_path / "src", sample_resources())
    without_skip = [a for a in source_args(arm, folder) if a != "--skip-grants"]

    code, _, err = run(capsys, "deploy", *without_skip)

    assert code == 2 and "--vault-name" in err and "--skip-grants" in err and "Nothing was deployed" in err
    assert arm.count("PUT") == 0
    # either option lets it through; --dry-run grants nothing, so it needs neither
    assert run(capsys, "deploy", *without_skip, "--dry-run")[0] == 3
    assert run(capsys, "deploy", *without_skip, "--skip-grants")[0] == 0


@pytest.mark.parametrize("rbac, said", [
    (True, "--least-privilege needs the secret names the factory uses, and there are none"),
    (False, "uses access policies, which apply to the whole vault")])
def test_a_grant_deploy_cannot_make_is_refused_before_any_put(arm, tmp_path, capsys, rbac, said):
    arm.add_factory(SUB, RG, FACTORY)
    arm.add_vault(SUB, RG, "kv-src", rbac=rbac)
    folder = write_source(tmp_path / "src", sample_resources())  # sample pipelines name no Key Vault secret
    args = [a for a in source_args(arm, folder) if a != "--skip-grants"] + ["--vault-name", "kv-src"]

    code, out, err = run(capsys, "deploy", *args, "--least-privilege")

    assert code != 0 and said in out + err
    assert arm.count("PUT") == 0  # nothing published that the grant would then leave without secret access
    assert run(capsys, "deploy", *args)[0] == 0  # the vault-wide grant needs no names


@pytest.mark.parametrize("unowned, wording", [(1, "in 1 source file; commit it so"),
                                              (2, "in 2 source files; commit them so")])
def test_the_ownership_notice_counts_in_english(arm, tmp_path, capsys, unowned, wording):
    arm.add_factory(SUB, RG, FACTORY)
    resources = sample_resources()
    folder = write_source(tmp_path / "src", resources)
    for r in resources[:unowned]:  # hand-written files: no annotation yet, deploy records it (docs/deploy.md)
        path = folder / r.kind / f"{r.name}.json"
        doc = json.loads(path.read_text())
        doc["properties"].pop("annotations", None)
        path.write_text(json.dumps(doc))

    code, _, err = run(capsys, "deploy", *source_args(arm, folder), "--adopt")

    assert code == 0, err
    assert wording in err and "1 source files" not in err
