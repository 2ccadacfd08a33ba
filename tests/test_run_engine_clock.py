"""The runtime's clock and timespans, --env folder lookup, and the Web activity's asynchronous pattern."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from adfgen.core.errors import UsageError
from adfgen.local.clock import Clock, parse_timespan
from adfgen.local.factory import folder_for_env, load_factory
from tests.test_run_engine_support import Server, act, json_reply, records, run, write_factory

REPO = Path(__file__).resolve().parents[1]


def test_clock_compresses_waits_and_advances_virtual_time():
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    clock = Clock(100, start)
    before = time.monotonic()
    clock.sleep(30)
    assert time.monotonic() - before < 1.0
    assert 30 <= clock.monotonic() < 60
    assert clock.now().tzinfo is not None and 30 <= (clock.now() - start).total_seconds() < 60


def test_expressions_read_the_runtime_clock(tmp_path):
    root = write_factory(tmp_path, {"p": {"variables": {"t": {"type": "String"}}, "activities": [
        act("W", "Wait", {"waitTimeInSeconds": 7200}),
        act("S", "SetVariable", {"variableName": "t", "value": "@utcNow()"}, {"W": ["Succeeded"]})]}})
    runtime, result = run(root, scale=20000)
    moment = datetime.fromisoformat(result.variables["t"].rstrip("Z")[:26]).replace(tzinfo=timezone.utc)
    trigger = datetime.fromisoformat(result.system["TriggerTime"].rstrip("Z")[:26]).replace(tzinfo=timezone.utc)
    assert 7200 <= (moment - trigger).total_seconds() < 7200 * 3  # two hours passed on the run's clock, not ~0


@pytest.mark.parametrize("text, seconds", [("00:01:40", 100), ("0.00:05:00", 300), ("1.02:00:00", 93600),
                                           ("00.00:00:00.010", 0.01), ("00:00:01.5", 1.5), (30, 30)])
def test_timespans(text, seconds):
    assert parse_timespan(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["5 minutes", "1:2", "", True])
def test_bad_timespans(text):
    with pytest.raises(ValueError):
        parse_timespan(text)


def test_env_finds_out_factory_of_that_environment(monkeypatch):
    monkeypatch.chdir(REPO)
    # the shipped specs build several factories (Xero and the catalog): the pipeline names the one
    assert folder_for_env("prod", pipeline="pl_xero_controller") == Path("out") / "adf-xero-prod"
    assert folder_for_env("dev", pipeline="PL_XERO_CONTROLLER") == Path("out") / "adf-xero-dev"  # base, named *-dev
    with pytest.raises(UsageError, match="builds several factories .*adf-xero-prod.*; pass --folder"):
        folder_for_env("prod")
    with pytest.raises(UsageError, match="no spec defines this environment"):
        folder_for_env("nowhere")
    factory = load_factory(folder_for_env("prod", pipeline="pl_xero_controller"))
    assert factory.find("pipeline", "PL_XERO_CONTROLLER")[0] == "pl_xero_controller"


def test_web_follows_202_location_until_done(tmp_path):
    polls = []

    def route(method, path, headers, body):
        if path == "/start":
            return 202, {"Location": f"{server.url}/status", "Retry-After": "10"}, b""
        polls.append(path)
        if len(polls) < 3:
            return 202, {"Location": f"{server.url}/status", "Retry-After": "10"}, b""
        return json_reply({"state": "done"})

    with Server(route) as server:
        root = write_factory(tmp_path, {"p": [act("Web", "WebActivity", {"method": "POST", "url": f"{server.url}/start", "body": "{}"})],
                                        "q": [act("Web", "WebActivity", {"method": "POST", "url": f"{server.url}/start", "body": "{}",
                                                                         "turnOffAsync": True})]})
        _, result = run(root, "p", scale=1000)
        record = records(result, "Web")[0]
        assert record.output["state"] == "done" and len(polls) == 3
        assert record.duration >= 30  # three Retry-After waits of 10 s
        _, result = run(root, "q")
        assert set(records(result, "Web")[0].output) == {"ADFWebActivityResponseHeaders"}
