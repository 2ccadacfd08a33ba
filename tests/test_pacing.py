"""Pacing (issue 9): the generated requestInterval and the Wait before each Copy never let the lanes together exceed
the API's requests per rolling minute, lane switches and chunk boundaries included."""

from __future__ import annotations

import bisect
import itertools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adfgen.build import fragments as fx
from adfgen.build import build_factories
from adfgen.expressions.evaluator import Scope, evaluate

WINDOW = 60.0  # a spec's limit is per minute; the API may count it in any 60 s (the strictest reading)
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
SINCE = "if(empty(variables('LastCopyEnd')), pipeline().parameters.PacedFrom, variables('LastCopyEnd'))"


def iso(seconds: float) -> str:
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pace_wait(rpm: int, lanes: int, now: float, last_copy_end: float | None, paced_from: float | None) -> int:
    """Seconds the generated Pace Copy waits, evaluated by adfgen's evaluator at virtual time `now`."""
    scope = Scope(variables={"LastCopyEnd": "" if last_copy_end is None else iso(last_copy_end)},
                  parameters={"PacedFrom": "" if paced_from is None else iso(paced_from)},
                  clock=lambda: EPOCH + timedelta(seconds=now))
    value = evaluate("@" + fx.copy_start_wait(rpm, lanes, SINCE), scope)
    assert isinstance(value, int) and value >= 0  # Wait takes whole seconds (documented)
    return value


@dataclass
class Lane:
    """One lane's workers, each a list of Copies (pages per Copy), with the slack ADF may add anywhere."""

    workers: list[list[int]]
    gaps: list[float]       # time between a Copy's end (or a worker's start) and its Pace Copy evaluating; >= 0
    latencies: list[float]  # per request, >= 0


def simulate(rpm: int, lanes: list[Lane], interval: float, pace: bool = True) -> list[float]:
    """Send times of every request, ADF semantics at their tightest: requestInterval between a Copy's pages counted
    from the previous SEND (so latency does not add), no interval before a Copy's first request, only the Pace Copy
    Wait before it; the controller passes PacedFrom when a worker starts, after the lane's previous worker ended."""
    times: list[float] = []
    for index, lane in enumerate(lanes):
        clock = index * 0.013  # lanes start out of phase
        gaps, latencies = itertools.cycle(lane.gaps), itertools.cycle(lane.latencies)
        for worker in lane.workers:
            paced_from, last_copy_end = clock, None
            for pages in worker:
                clock += next(gaps)
                if pace:
                    clock += pace_wait(rpm, len(lanes), clock, last_copy_end, paced_from)
                sent = clock
                for page in range(pages):
                    if page:  # one request in flight: never before the previous reply
                        sent = max(sent + interval, clock)
                    times.append(sent)
                    clock = sent + next(latencies)  # the Copy cannot end before its last reply
                last_copy_end = clock
    return sorted(times)


def busiest_window(times: list[float], window: float = WINDOW) -> int:
    """The most requests in any half-open window of `window` seconds: (t - window, t]."""
    return max((i + 1 - bisect.bisect_right(times, t - window) for i, t in enumerate(times)), default=0)


copies = st.lists(st.integers(1, 15), min_size=1, max_size=4)
lane_strategy = st.builds(Lane, workers=st.lists(copies, min_size=1, max_size=4),
                          gaps=st.lists(st.sampled_from([0.0, 0.0, 0.001, 0.05, 0.4, 2.0]), min_size=1, max_size=5),
                          latencies=st.lists(st.sampled_from([0.0, 0.0, 0.002, 0.02, 0.3]), min_size=1, max_size=5))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rpm=st.integers(1, 1200), concurrent=st.integers(1, 50), roots=st.integers(1, 30),
       data=st.data())
def test_lanes_never_exceed_the_rate_limit_including_lane_switches_and_chunks(rpm, concurrent, roots, data):
    lanes = max(1, min(concurrent, roots, rpm))  # Api.lanes
    interval = fx.request_interval_millis(rpm, lanes) / 1000
    lane_list = data.draw(st.lists(lane_strategy, min_size=lanes, max_size=lanes))
    times = simulate(rpm, lane_list, interval)
    assert busiest_window(times) <= rpm
    assert lanes <= concurrent  # one request in flight per lane


def test_the_simulation_sees_bursts_when_copy_starts_are_not_paced():
    # the pre-issue-9 design: one-page Copies back to back in each lane burst past the limit
    lanes = [Lane(workers=[[1, 1]] * 10, gaps=[0.0], latencies=[0.01]) for _ in range(5)]
    interval = fx.request_interval_millis(60, 5) / 1000
    assert busiest_window(simulate(60, lanes, interval, pace=False)) > 60
    assert busiest_window(simulate(60, lanes, interval, pace=True)) <= 60


@pytest.mark.parametrize("rpm, lanes", [(60, 7), (100, 3), (61, 5), (7, 7), (1000, 50)])
def test_uneven_shares_stay_under_the_limit_with_lanes_in_phase(rpm, lanes):
    # lanes in phase, long copies: the old 60 s x lanes / rpm spacing let each lane fit ceil(rpm / lanes) calls
    interval = fx.request_interval_millis(rpm, lanes) / 1000
    times = sorted(k * interval for _ in range(lanes) for k in range(3 * rpm))
    assert busiest_window(times) <= rpm


def test_headroom_is_small():
    # pacing stays within a few percent of the limit when the lanes share it evenly
    assert 60 * 1000 / fx.request_interval_millis(60, 1) >= 0.97 * 60
    assert 5 * 60 * 1000 / fx.request_interval_millis(60, 5) >= 0.97 * 60


def test_more_lanes_than_calls_is_refused():
    with pytest.raises(ValueError):
        fx.request_interval_millis(3, 5)


def _spec(tmp_path, rpm: int, concurrent: int, endpoints: int):
    spec = {
        "version": 1,
        "factory": {"name": "adf-pacing", "key_vault_url": "https://kv-pacing.vault.azure.net/",
                    "sinks": {"lake": {"type": "adls_gen2", "account_url": "https://stp.dfs.core.windows.net/",
                                       "container": "raw", "format": "json", "folder": "{api}/{endpoint}"}}},
        "apis": [{
            "name": "p", "base_url": "https://api.example.com/v1",
            "auth": {"flow": "client_credentials", "token_url": "https://id.example.com/token",
                     "access_token_lifetime": "30m"},
            "secrets": {"client_id": "p-id", "client_secret": "p-secret", "access_token": "p-access"},
            "rate_limit": {"requests_per_minute": rpm, "concurrent_requests": concurrent},
            "pagination": {"kind": "page_number", "param": "page", "start": 1, "max_requests": 100},
            "endpoints": [{"name": f"e{i}", "path": f"things{i}", "records_path": "$.items"}
                          for i in range(endpoints)],
        }],
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


@pytest.mark.parametrize("rpm, concurrent, endpoints, slots", [(60, 5, 12, True), (600, 3, 2, False),
                                                                (4, 10, 6, True), (60, 5, 30, False)])
def test_generated_pipelines_pace_every_copy_start(tmp_path, rpm, concurrent, endpoints, slots):
    (build,) = build_factories([_spec(tmp_path, rpm, concurrent, endpoints)])
    docs = {name.rsplit("/", 1)[-1][:-5]: json.loads(data) for name, data in build.files.items()
            if name.startswith("pipeline/")}
    lanes = min(concurrent, endpoints, rpm)
    runs = [a for a in docs["pl_p_controller"]["properties"]["activities"] if a["name"].startswith("Run ")]
    assert len(runs) == endpoints
    heads = [a for a in runs if a["dependsOn"][0]["activity"] == "Refresh Token"]
    utc_now = {"value": "@utcNow()", "type": "Expression"}
    if slots:
        # every run starts at once in the slot pipeline, whose concurrency lets `lanes` run and queues the rest;
        # the slots are lanes whose runs never overlap, so the virtual-lane simulation above covers them
        assert len(heads) == endpoints and "pl_p_slot" in docs
        assert docs["pl_p_slot"]["properties"]["concurrency"] == lanes
        (switch,) = docs["pl_p_slot"]["properties"]["activities"]
        calls = [case["activities"][0] for case in switch["typeProperties"]["cases"]]
        called = [c["typeProperties"]["pipeline"]["referenceName"] for c in calls]
        assert called == [f"pl_p_e{i}" for i in range(endpoints)]
    else:
        assert len(heads) == lanes and "pl_p_slot" not in docs
        calls = runs
    assert all(c["typeProperties"]["parameters"]["PacedFrom"] == utc_now for c in calls)
    workers = [d for n, d in docs.items() if n.startswith("pl_p_e")]
    assert len(workers) == endpoints
    for worker in workers:
        loop = next(a for a in worker["properties"]["activities"] if a["type"] == "Until")
        inner = {a["name"]: a for a in loop["typeProperties"]["activities"]}
        copy = inner["Copy Chunk"]
        assert copy["dependsOn"] == [{"activity": "Pace Copy", "dependencyConditions": ["Succeeded"]}]
        assert copy["typeProperties"]["source"]["requestInterval"] == fx.request_interval(rpm, lanes)
        wait = inner["Pace Copy"]["typeProperties"]["waitTimeInSeconds"]
        assert wait == fx.expression(fx.copy_start_wait(rpm, lanes, SINCE))
        noted = inner["Note Copy End"]
        assert noted["dependsOn"] == [{"activity": "Copy Chunk", "dependencyConditions": ["Succeeded", "Failed"]}]
        assert noted["typeProperties"]["variableName"] == "LastCopyEnd"
