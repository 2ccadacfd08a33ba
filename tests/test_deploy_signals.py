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


def _wait_for(arm, process: subprocess.Popen, method: str, suffix: str) -> None:
    deadline = time.monotonic() + 30
    while not any(m == method and p.endswith(suffix) for m, p in list(arm.arrivals)):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"deploy never sent {method} ...{suffix}"
        time.sleep(0.01)


def _storm(process: subprocess.Popen, first: signal.Signals) -> tuple[str, str]:
    """Send `first`, then SIGTERM and SIGINT in turn every 20 ms until the process exits (GitHub Actions, impatient)."""
    process.send_signal(first)
    others = [signal.SIGTERM, signal.SIGINT]
    sent = 1
    while process.poll() is None:
        time.sleep(0.02)
        try:
            process.send_signal(others[sent % 2])
        except ProcessLookupError:
            break
        sent += 1
    assert sent >= 3, "the storm must deliver at least a third signal"
    return process.communicate(timeout=60)


@pytest.mark.parametrize("first, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_any_number_of_signals_ends_with_the_first_ones_code_after_restoring_the_trigger(arm, tmp_path, first, code):
    process = start_deploy(arm, tmp_path)
    wait_for_first_put(arm, process)

    out, err = _storm(process, first)

    assert process.returncode == code, err  # never -2 / -15 (killed by a later signal)
    assert "Traceback" not in out + err and "aborted" not in err
    assert f"INTERRUPTED by {first.name}" in err
    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"] == "Started"


def test_signals_while_the_trigger_restarts_and_the_report_prints_do_not_change_the_exit(arm, tmp_path):
    process = start_deploy(arm, tmp_path)
    wait_for_first_put(arm, process)
    process.send_signal(signal.SIGTERM)
    _wait_for(arm, process, "POST", "/start")  # the restart is under way (the server holds it 0.3 s)

    out, err = _storm(process, signal.SIGINT)

    assert process.returncode == 143, err
    assert "INTERRUPTED by SIGTERM" in err and "Traceback" not in out + err
    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"] == "Started"


def test_a_signal_while_reading_the_factory_stops_before_any_change(arm, tmp_path):
    process = start_deploy(arm, tmp_path)
    _wait_for(arm, process, "GET", "/triggers")  # listing the live factory (0.3 s a call)

    out, err = _storm(process, signal.SIGTERM)

    assert process.returncode == 143, err
    assert "INTERRUPTED by SIGTERM while planning: nothing was published" in err and "Traceback" not in err
    assert arm.count("PUT") == 0 and arm.count("POST") == 0


@pytest.mark.parametrize("delay", [0.0, 0.4, 0.9, 1.5, 2.2, 3.0, 4.5])
def test_a_signal_at_any_moment_exits_143_or_completes(arm, tmp_path, delay):
    """Wherever SIGTERM lands once deploy runs (planning, stopping, publishing, restarting, printing, or after the
    end), the process exits 143 with the trigger running, or it had finished (0) before the signal came.

    Measured from deploy's first call: before it Python is still starting, and the default action applies
    (documented in docs/deploy.md; nothing has changed then)."""
    process = start_deploy(arm, tmp_path)
    _wait_for(arm, process, "GET", "")
    try:
        process.wait(timeout=delay)  # a deploy that ends sooner gets no signal: no need to sit out the rest
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)

    assert process.returncode in (0, 143), err
    assert "Traceback" not in out + err
    assert (process.returncode == 143) == ("INTERRUPTED by SIGTERM" in err)
    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"] == "Started"
