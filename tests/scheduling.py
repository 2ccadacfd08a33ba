"""How pytest-xdist's workers share the suite: which tests form one work unit, and which units start first."""

from __future__ import annotations

import os
from collections import defaultdict

import pytest

# Files whose tests are long and independent (a subprocess, a whole sync or a browser each, fixtures per test): each
# test is its own work unit, so the workers share the file instead of one worker running all of it.
SPLIT_FILES = {"tests/test_deploy_signals.py", "tests/test_data_safety_e2e.py", "tests/test_review_mermaid.py"}

# Tests of different files that share a session fixture too costly to build on several workers: one unit each.
SHARED = {
    "big synthetic build": {  # conftest's big_synthetic_build
        "tests/test_build_output.py::test_a_factory_beyond_arm_limits_gets_linked_templates",
        "tests/test_review_diagram.py::test_a_factory_beyond_mermaids_limits_is_drawn_by_folder",
    },
}

# Seconds a unit takes (`--junitxml` of the full suite, 4 workers on 2 busy cores, 2026-12-04), for the units long
# enough to matter. Only the order they give matters: the longest units go first, so that no long one starts late and
# leaves the other workers idle at the end. A test of a split file counts SPLIT_TEST_SECONDS; any other DEFAULT_SECONDS.
SECONDS: dict[str, float] = {
    "tests/test_fresh_clone.py": 120,
    "tests/test_data_safety_e2e.py::test_a_two_minute_token_and_500_pages_land_every_record": 46,
    "tests/test_evaluator_properties_dates.py": 29,
    "tests/test_check_positions.py": 26,
    "tests/test_pipelines_dftf.py": 19,
    "tests/test_controller_groups.py": 17,
    "tests/test_run_engine_rest.py": 16,
    "tests/test_auth_login.py": 15,
    "tests/test_data_safety_e2e.py::test_the_old_design_fails_with_401_when_paging_outlives_the_token": 14,
    "tests/robustness/test_secrets.py": 13,
    "tests/test_run_engine_web.py": 13,
    "tests/test_catalog_e2e.py": 12,
    "tests/test_data_safety_e2e.py::test_a_fan_out_over_12000_parents_reaches_every_parent_once": 11,
    "tests/test_auth_refresh.py": 11,
    "tests/test_review_mermaid.py::test_mermaid_parses_every_diagram_and_shows_names_exactly": 10,
    "tests/test_evaluator_cases.py": 10,
    "tests/test_refresh_http.py": 9,
    "tests/test_arm_parameters.py": 9,
    "big synthetic build": 9,
    "tests/test_run_e2e.py": 9,
    "tests/test_data_safety_e2e.py::test_each_worker_keeps_its_own_watermark_and_a_failed_one_keeps_the_old": 8,
    "tests/robustness/test_deploy_ownership.py": 8,
    "tests/test_run_e2e_xero_peer.py": 7,
    "tests/test_check_precision.py": 7,
    "tests/test_evaluator_differential.py": 7,
    "tests/test_evaluator_properties_conversions.py": 6,
}
SPLIT_TEST_SECONDS = 2.5
DEFAULT_SECONDS = 0.05


def unit_of(item: pytest.Item) -> str:
    """The work unit a test belongs to: its file, a SHARED group, or the test itself in a split file."""
    for name, members in SHARED.items():
        if item.nodeid in members:
            return name
    path = item.nodeid.split("::", 1)[0]
    return item.nodeid if path in SPLIT_FILES else path


def schedule(items: list[pytest.Item]) -> None:
    """Group the tests into work units (xdist_group marks, read by `--dist loadgroup`) and put the longest units first.

    Tests keep their order inside a unit; pyproject passes `--no-loadscope-reorder` so that xdist keeps this order
    instead of its own (most tests first)."""
    units: dict[str, list[pytest.Item]] = defaultdict(list)
    for item in items:
        units[unit_of(item)].append(item)

    def seconds(name: str) -> float:
        if name in SECONDS:
            return SECONDS[name]
        return (SPLIT_TEST_SECONDS if "::" in name else DEFAULT_SECONDS) * len(units[name])

    ordered = sorted(units, key=lambda name: -seconds(name))  # stable: equal units keep collection order
    items[:] = [item for name in ordered for item in units[name]]
    for name in ordered:
        if "::" not in name:  # a test of a split file needs no mark: xdist makes an unmarked test a unit of its own
            for item in units[name]:
                item.add_marker(pytest.mark.xdist_group(name))


# The suite waits more than it computes (subprocesses, local servers, compressed clocks, a browser): with one worker per
# core the cores sat half idle (2 cores, one session: fast set `-n 2` 148 s wall for 140 s of CPU, `-n 3` 104 s, `-n 4`
# 95 s for 152 s of CPU). `-n auto` takes half as many again as there are cores, not twice as many: with 4 workers (and 4
# more in the fresh clone's inner run) a test on a 2000x compressed clock (test_run_engine_control's Until timeout)
# slipped once, and most of the gain is had at 3.
def auto_workers() -> int:
    """How many workers `-n auto` starts: one and a half for each core this process may use (at least one more)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(cores + 1, cores * 3 // 2)
