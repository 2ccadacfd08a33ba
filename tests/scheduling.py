"""How pytest-xdist's workers share the suite: which tests form one work unit, and which units start first."""

from __future__ import annotations

import os
from collections import defaultdict

import pytest

# Work units are files (`--dist loadfile`): module fixtures (a whole sync's world, a first run that a second run
# reads) are built once and their tests run in order on one worker. Observed: `--dist loadgroup` with xdist_group
# marks per file silently stopped grouping under pytest 9.2 (pytest-dev/pytest-xdist#1386, open), which split
# tests/test_catalog_e2e.py's first and second runs across workers; loadfile needs no marks.

# Seconds a file takes (`--junitxml` of the full suite, 4 workers on 2 busy cores, 2026-12-04), for the files long
# enough to matter. Only the order they give matters: the longest files go first, so that no long one starts late and
# leaves the other workers idle at the end. Any other file counts DEFAULT_SECONDS a test.
SECONDS: dict[str, float] = {
    "tests/test_fresh_clone.py": 120,
    "tests/test_data_safety_e2e.py": 100,
    "tests/test_deploy_signals.py": 36,
    "tests/test_review_mermaid.py": 30,
    "tests/test_evaluator_properties_dates.py": 29,
    "tests/test_check_positions.py": 26,
    "tests/test_pipelines_dftf.py": 19,
    "tests/test_controller_groups.py": 17,
    "tests/test_run_engine_rest.py": 16,
    "tests/test_auth_login.py": 15,
    "tests/robustness/test_secrets.py": 13,
    "tests/test_run_engine_web.py": 13,
    "tests/test_catalog_e2e.py": 12,
    "tests/test_auth_refresh.py": 11,
    "tests/test_evaluator_cases.py": 10,
    "tests/test_refresh_http.py": 9,
    "tests/test_arm_parameters.py": 9,
    "tests/test_run_e2e.py": 9,
    "tests/robustness/test_deploy_ownership.py": 8,
    "tests/test_run_e2e_xero_peer.py": 7,
    "tests/test_check_precision.py": 7,
    "tests/test_evaluator_differential.py": 7,
    "tests/test_evaluator_properties_conversions.py": 6,
}
DEFAULT_SECONDS = 0.05


def unit_of(item: pytest.Item) -> str:
    """The work unit a test belongs to: its file."""
    return item.nodeid.split("::", 1)[0]


def schedule(items: list[pytest.Item]) -> None:
    """Put the longest files first, each file's tests in their own order; pyproject passes `--no-loadscope-reorder`
    so that xdist keeps this order instead of its own (most tests first)."""
    units: dict[str, list[pytest.Item]] = defaultdict(list)
    for item in items:
        units[unit_of(item)].append(item)

    def seconds(name: str) -> float:
        return SECONDS.get(name, DEFAULT_SECONDS * len(units[name]))

    ordered = sorted(units, key=lambda name: -seconds(name))  # stable: equal units keep collection order
    items[:] = [item for name in ordered for item in units[name]]


# The suite waits more than it computes (subprocesses, local servers, compressed clocks, a browser): with one worker per
# core the cores sat half idle (2 cores, one session: fast set `-n 2` 148 s wall for 140 s of CPU, `-n 3` 104 s, `-n 4`
# 95 s for 152 s of CPU). `-n auto` takes half as many again as there are cores, not twice as many: with 4 workers (and 4
# more in the fresh clone's inner run) a test on a 2000x compressed clock (test_run_engine_control's Until timeout)
# slipped once, and most of the gain is had at 3.
def auto_workers() -> int:
    """How many workers `-n auto` starts: one and a half for each core this process may use (at least one more)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(cores + 1, cores * 3 // 2)
