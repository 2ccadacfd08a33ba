"""A deploy interrupted by SIGTERM (a cancelled CI job) or Ctrl-C restarts the triggers it stopped and says so."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adfgen.azure.deploy import deploy
from tests.peers.arm_server import ArmServer
from tests.peers.fixtures import FACTORY, RG, SUB, TOKEN, make_clients, replace, sample_resources, target

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture
def arm():
    with ArmServer(lro_polls=None, token=TOKEN) as server:
        server.add_factory(SUB, RG, FACTORY)
        assert deploy(make_clients(server), target(), sample_resources()).ok  # tr_daily is Started
        yield server


def start_deploy(arm, tmp_path: Path) -> subprocess.Popen:
    """`adfgen deploy` in a subprocess, publishing 3 changed pipelines and the changed trigger one call at a time."""
    changed = sample_resources()
    for name in ("pl_refresh", "pl_worker", "pl_controller", "tr_daily"):
        changed = replace(changed, name, description="v2")
    for r in changed:
        path = tmp_path / "src" / r.kind / f"{r.name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(r.to_git()))
    arm.clear_log()
    arm.latency = 0.3
    env = {**os.environ, "ADFGEN_ARM_TOKEN": TOKEN, "ADFGEN_ARM_ENDPOINT": arm.url}
    return subprocess.Popen(
        [sys.executable, "-m", "adfgen.cli", "deploy", "--source", str(tmp_path / "src"), "--subscription", SUB,
         "--resource-group", RG, "--factory", FACTORY, "--ca-bundle", arm.ca_path, "--skip-grants",
         "--parallelism", "1"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_first_put(arm, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while arm.count("PUT") == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "deploy never reached its PUTs"
        time.sleep(0.02)


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupted_deploy_restarts_the_trigger_it_stopped_and_prints_the_partial_report(arm, tmp_path, signum,
                                                                                             code):
    process = start_deploy(arm, tmp_path)
    wait_for_first_put(arm, process)  # the trigger is stopped now, the pipelines are being published

    process.send_signal(signum)
    out, err = process.communicate(timeout=60)

    assert process.returncode == code, err
    assert "Traceback" not in out + err and TOKEN not in out + err
    name = signal.Signals(signum).name
    assert re.search(rf"deploy to factory {FACTORY} INTERRUPTED by {name}: applied put [12], start 1, stop 1;", err)
    assert "not applied put trigger tr_daily" in err and "not applied put pipeline pl_controller" in err
    assert "TRIGGERS LEFT STOPPED" not in err
    live = arm.resource(FACTORY, "triggers", "tr_daily")["properties"]
    assert live["runtimeState"] == "Started" and "description" not in live  # restarted, previous definition
    assert arm.count("PUT", "/triggers/") == 0 and arm.count("POST", "/start$") == 1


def test_further_signals_do_not_abort_the_restart(arm, tmp_path):
    process = start_deploy(arm, tmp_path)
    wait_for_first_put(arm, process)

    process.send_signal(signal.SIGINT)  # what a cancelled GitHub Actions job sends first, SIGTERM seconds later
    deadline = time.monotonic() + 30
    while not any(m == "POST" and p.endswith("/start") for m, p in list(arm.arrivals)):
        assert time.monotonic() < deadline and process.poll() is None, "the restart never began"
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)  # while the server holds the restart call (0.3 s latency)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 130, err
    assert "INTERRUPTED by SIGINT" in err
    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"] == "Started"


def test_the_previous_signal_handlers_are_restored(arm):
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)

    deploy(make_clients(arm), target(), replace(sample_resources(), "tr_daily", description="v2"))

    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
