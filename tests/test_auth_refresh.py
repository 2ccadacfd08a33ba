"""`adfgen auth refresh` and `auth status` against real peers: a vault file under a lock, Key Vault with --direct
(save first, a 0600 rescue file when saving fails), the factory path's error, and status exit codes."""

from __future__ import annotations

import json
import re
import stat
import time

import pytest
import yaml

from tests.auth_world import AuthWorld, vault_value

DAY = 86400


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = AuthWorld(tmp_path_factory.mktemp("auth-refresh"))
    yield world
    world.stop()


@pytest.fixture()
def env(world, monkeypatch):
    world.fresh(monkeypatch)
    monkeypatch.setattr("adfgen.oauth.refresh.SAVE_BACKOFF", 0.01)
    return world


@pytest.fixture()
def vault(env, capfd, tmp_path):
    """A vault file seeded by `auth login --vault`."""
    path = tmp_path / "secrets.yaml"
    code, _, err = env.run(capfd, "auth", "login", "xero", "--vault", str(path), "--port", "0")
    assert code == 0, err
    return path


def kv_login(world, capfd):
    code, _, err = world.run(capfd, "auth", "login", "xero", "--env", "test", "--port", "0")
    assert code == 0, err
    world.kv.requests.clear()


def refused(world, refresh_token):
    token = world.oauth.find(refresh_token)
    return token is not None and token.rotated_at is not None


# -- refresh ------------------------------------------------------------------------------------------------------
def test_refresh_with_a_vault_file_rotates_like_the_pipeline(env, vault, capfd):
    before = vault_value(vault, "xero-refresh-token")["value"]
    code, out, err = env.run(capfd, "auth", "refresh", "xero", "--vault", str(vault), "--output", "json")
    assert code == 0, err
    after = vault_value(vault, "xero-refresh-token")
    assert after["value"] != before and refused(env, before)
    assert env.oauth.find(after["value"]).rotated_at is None
    assert [v["value"] for v in after["versions"]] == [before]  # the old version is kept, as Key Vault does
    access = vault_value(vault, "xero-access-token")
    assert access["value"] == env.oauth.find(after["value"]).access_token and access["exp"] > time.time() + 1700
    assert json.loads(out)["rotated"] is True


def test_refresh_waits_for_the_vault_lock_and_gives_up_clearly(env, vault, capfd):
    from filelock import FileLock

    before = vault.read_bytes()
    requests_before = len(env.oauth.requests)
    with FileLock(str(vault) + ".lock"):
        code, _, err = env.run(capfd, "auth", "refresh", "xero", "--vault", str(vault), "--timeout", "1")
    assert code == 1 and "another refresh holds" in err
    assert vault.read_bytes() == before and len(env.oauth.requests) == requests_before


def test_refresh_error_answered_with_200_saves_nothing(env, vault, capfd):
    before = vault.read_bytes()
    env.oauth.answer_next_token(200, {"error": "invalid_grant", "error_description": "token expired"})
    code, _, err = env.run(capfd, "auth", "refresh", "xero", "--vault", str(vault))
    assert code == 1 and "invalid_grant" in err and "token expired" in err
    assert vault.read_bytes() == before


def test_refresh_reply_without_a_new_refresh_token_saves_nothing(env, vault, capfd):
    before = vault.read_bytes()
    env.oauth.answer_next_token(200, {"access_token": "access-only-reply", "token_type": "Bearer"})
    env.codes.add("access-only-reply")
    code, _, err = env.run(capfd, "auth", "refresh", "xero", "--vault", str(vault))
    assert code == 1 and "without refresh_token" in err
    assert vault.read_bytes() == before


def test_refresh_without_a_login_says_to_log_in(env, capfd, tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("{}\n")
    code, _, err = env.run(capfd, "auth", "refresh", "xero", "--vault", str(empty))
    assert code == 1 and "adfgen auth login" in err


def test_direct_refresh_against_key_vault_saves_the_refresh_token_first(env, capfd):
    kv_login(env, capfd)
    before = env.kv_value("xero-refresh-token")
    code, _, err = env.run(capfd, "auth", "refresh", "xero", "--env", "test", "--direct")
    assert code == 0, err
    assert env.kv_writes() == ["/secrets/xero-refresh-token", "/secrets/xero-access-token"]
    after = env.kv_value("xero-refresh-token")
    assert refused(env, before) and env.oauth.find(after).rotated_at is None
    assert env.kv.latest("xero-access-token")["attributes"]["exp"] > time.time() + 1700


def test_direct_refresh_that_cannot_save_writes_a_private_rescue_file(env, capfd):
    kv_login(env, capfd)
    before = env.kv_value("xero-refresh-token")
    env.kv.forbid.add("PUT")
    code, _, err = env.run(capfd, "auth", "refresh", "xero", "--env", "test", "--direct")
    assert code == 1 and "403 Forbidden" in err and "grace period" in err
    assert len(env.kv_writes()) == 5  # five attempts, as the pipeline's save
    path = next(word for word in err.split() if "/rescue/" in word)
    rescue = env.tmp / "rescue" / path.rsplit("/", 1)[1]
    assert stat.S_IMODE(rescue.stat().st_mode) == 0o600
    saved = rescue.read_text()
    assert refused(env, before) and env.oauth.find(saved).rotated_at is None  # the live, rotated token
    assert env.kv_value("xero-refresh-token") == before  # Key Vault was not changed, the access token not written


def test_refresh_through_the_factory_names_the_pipeline_when_it_cannot_start(env, capfd, monkeypatch):
    """The factory does not exist on the ARM peer (404): the error is clean and points at --direct. Successful and
    failed factory runs are covered by the createRun tests below."""
    from tests.peers.arm_server import ArmServer

    with ArmServer(lro_polls=None) as arm:
        monkeypatch.setenv("ADFGEN_ARM_ENDPOINT", arm.url)
        code, _, err = env.run(capfd, "auth", "refresh", "xero", "--env", "test", "--ca-bundle", arm.ca_path)
        assert any("createrun" in entry.path.lower() for entry in arm.log)
    assert code == 1 and "cannot start pl_xero_refresh in adf-xero-test" in err and "--direct" in err
    assert env.kv_writes() == []


# -- status -------------------------------------------------------------------------------------------------------
def rewrite(path, name, **fields):
    data = yaml.safe_load(path.read_text())
    entry = data[name] if isinstance(data[name], dict) else {"value": data[name]}
    entry.update(fields)
    data[name] = entry
    path.write_text(yaml.safe_dump(data))


def status(env, capfd, *extra):
    return env.run(capfd, "auth", "status", "xero", *extra)


def test_status_of_a_fresh_login_is_healthy(env, vault, capfd):
    code, out, err = status(env, capfd, "--vault", str(vault), "--output", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["verdict"] == "ok" and all(s["present"] for s in report["secrets"])
    assert 1700 < report["access_token_expires_in"] <= 1800
    assert report["refresh_token_lifetime"] == 60 * DAY and report["refresh_token_age"] < 60


def test_status_near_expiry_exits_3(env, vault, capfd):
    rewrite(vault, "xero-refresh-token", created=int(time.time()) - 50 * DAY, updated=int(time.time()) - 50 * DAY)
    code, out, err = status(env, capfd, "--vault", str(vault))
    assert code == 3 and "expires unused in" in err and "keep-alive" in err
    assert "near_expiry" in out


def test_status_warn_within_moves_the_threshold(env, vault, capfd):
    rewrite(vault, "xero-refresh-token", updated=int(time.time()) - 44 * DAY)
    assert status(env, capfd, "--vault", str(vault))[0] == 0  # 16 days left: beyond the default 15
    assert status(env, capfd, "--vault", str(vault), "--warn-within", "20d")[0] == 3


def test_status_beyond_the_lifetime_exits_4(env, vault, capfd):
    rewrite(vault, "xero-refresh-token", updated=int(time.time()) - 61 * DAY)
    code, _, err = status(env, capfd, "--vault", str(vault))
    assert code == 4 and "adfgen auth login" in err


def test_status_with_the_refresh_token_missing_exits_4(env, capfd, tmp_path):
    path = tmp_path / "partial.yaml"
    path.write_text(yaml.safe_dump({"xero-client-id": "id", "xero-client-secret": "s", "xero-tenant-id": "t"}))
    code, out, err = status(env, capfd, "--vault", str(path), "--output", "json")
    assert code == 4 and "xero-refresh-token" in err
    assert json.loads(out)["verdict"] == "gone"


def test_status_reads_key_vault(env, capfd):
    kv_login(env, capfd)
    code, out, err = status(env, capfd, "--env", "test", "--output", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["store"].startswith("Key Vault https://127.0.0.1")
    assert {s["name"] for s in report["secrets"] if s["present"]} == {
        "xero-client-id", "xero-client-secret", "xero-refresh-token", "xero-access-token", "xero-tenant-id"}


def test_status_with_key_vault_forbidden_is_an_error(env, capfd):
    env.kv.forbid.add("GET")
    code, _, err = status(env, capfd, "--env", "test")
    assert code == 1 and "403 Forbidden" in err


# -- refresh through the factory, against the ARM peer's pipeline runs ------------------------------------------
FACTORY_SUB, FACTORY_RG, FACTORY_NAME = "00000000-0000-0000-0000-000000000000", "rg-xero-test", "adf-xero-test"


@pytest.fixture()
def arm(env, monkeypatch):
    """The ARM peer holding the spec's test factory (empty), the CLI pointed at it with tiny polling intervals."""
    from tests.auth_world import KV_TOKEN
    from tests.peers.arm_server import ArmServer

    with ArmServer(lro_polls=None, token=KV_TOKEN) as server:  # the CLI's ADFGEN_ARM_TOKEN must reach ARM too
        server.add_factory(FACTORY_SUB, FACTORY_RG, FACTORY_NAME)
        monkeypatch.setenv("ADFGEN_ARM_ENDPOINT", server.url)
        monkeypatch.setattr("adfgen.oauth.refresh.FACTORY_POLL", 0.01)
        yield server


def refresh_pipeline():
    """The refresh pipeline's name as adfgen derives it for the spec's test environment."""
    from adfgen.oauth.target import load_target

    return load_target("xero", "test").refresh_pipeline


def deploy_refresh_pipeline(arm):
    arm.put_resource(FACTORY_NAME, "pipelines", refresh_pipeline(),
                     {"concurrency": 1, "activities": [{"name": "Wait", "type": "Wait",
                                                         "typeProperties": {"waitTimeInSeconds": 1}}]})


def factory_refresh(env, arm, capfd, *extra):
    return env.run(capfd, "auth", "refresh", "xero", "--env", "test", "--ca-bundle", arm.ca_path, *extra)


def test_refresh_through_the_factory_waits_for_the_run_to_succeed(env, arm, capfd):
    deploy_refresh_pipeline(arm)
    arm.script_runs(FACTORY_NAME, refresh_pipeline(), polls=3, status="Succeeded")
    code, out, err = factory_refresh(env, arm, capfd, "--output", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["how"] == "factory" and report["rotated"] is True  # the shipped Xero spec rotates refresh tokens
    run = arm.run(report["run_id"])
    assert run is not None and run["pipelineName"] == refresh_pipeline() and run["status"] == "Succeeded"
    assert arm.count("POST", r"/createrun$") == 1
    assert arm.count("GET", rf"/pipelineruns/{report['run_id']}$") == 4  # three InProgress reads, then the outcome
    assert env.kv_writes() == []  # the factory refreshes; this machine writes nothing


def test_refresh_through_the_factory_prints_the_run_and_its_status(env, arm, capfd):
    deploy_refresh_pipeline(arm)
    code, out, err = factory_refresh(env, arm, capfd)
    assert code == 0, err
    run_id = re.search(r"run (\S+): Succeeded", out).group(1)
    assert out.startswith(refresh_pipeline()) and arm.run(run_id)["status"] == "Succeeded"


def test_refresh_through_the_factory_reports_a_failed_run_and_its_message(env, arm, capfd):
    deploy_refresh_pipeline(arm)
    message = "Operation on target Refresh Token failed: invalid_grant: refresh token expired"
    arm.script_runs(FACTORY_NAME, refresh_pipeline(), polls=1, status="Failed", message=message)
    code, out, err = factory_refresh(env, arm, capfd)  # env.run also fails on any client secret or token printed
    assert code == 1 and message in err and "failed" in err
    run_id = next(iter(arm.state.runs))
    assert run_id in err and arm.run(run_id)["status"] == "Failed"
    assert "Traceback" not in err and out == ""
    from tests.auth_world import KV_TOKEN

    assert KV_TOKEN not in out + err  # the bearer the CLI sent to ARM


def test_refresh_through_the_factory_without_the_refresh_pipeline_says_so(env, arm, capfd):
    """The factory exists but was deployed without (or before) the refresh pipeline: createRun answers 404."""
    code, out, err = factory_refresh(env, arm, capfd)
    assert code == 1 and f"cannot start {refresh_pipeline()} in {FACTORY_NAME}" in err
    assert "404" in err and "adfgen deploy" in err and "--direct" in err
    assert arm.state.runs == {} and arm.count("GET", r"/pipelineruns/") == 0
    assert "Traceback" not in err and env.kv_writes() == []


def test_refresh_through_the_factory_gives_up_on_a_run_still_in_progress(env, arm, capfd, monkeypatch):
    deploy_refresh_pipeline(arm)
    arm.script_runs(FACTORY_NAME, refresh_pipeline(), polls=10_000)
    monkeypatch.setattr("adfgen.oauth.refresh.FACTORY_POLL", 0.1)  # about ten reads within the 1 s timeout
    code, _, err = factory_refresh(env, arm, capfd, "--timeout", "1")
    assert code == 1 and "is still InProgress after 1 s" in err and "Monitor" in err
    assert 2 <= arm.count("GET", r"/pipelineruns/") <= 30
