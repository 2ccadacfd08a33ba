"""How pytest-xdist's workers share the suite: which tests form one work unit, and which units start first."""

from __future__ import annotations

from collections import defaultdict

import pytest

# Files whose tests are long and independent (a subprocess, a whole sync or a browser each, fixtures per test): each
# test is its own work unit, so both workers share the file instead of one worker running all of it.
SPLIT_FILES = {"tests/test_deploy_signals.py", "tests/test_data_safety_e2e.py", "tests/test_review_mermaid.py"}

# Tests of different files that share a session fixture too costly to build on both workers: one unit each.
SHARED = {
    "big synthetic build": {  # conftest's big_synthetic_build
        "tests/test_build_output.py::test_a_factory_beyond_arm_limits_gets_linked_templates",
        "tests/test_review_diagram.py::test_a_factory_beyond_mermaids_limits_is_drawn_by_folder",
    },
}

# Seconds a unit takes (`--durations=0` of the full suite on 2 busy cores, 2026-12-04), for the units long enough to
# matter. Only the order they give matters: the longest units go first, so that no long one starts late and leaves the
# other worker idle at the end. A test of a split file counts SPLIT_TEST_SECONDS; any other test DEFAULT_SECONDS.
SECONDS: dict[str, float] = {
    "tests/test_fresh_clone.py": 225,
    "tests/test_data_safety_e2e.py::test_a_two_minute_token_and_500_pages_land_every_record": 50,
    "tests/test_review_mermaid.py::test_mermaid_parses_every_diagram_and_shows_names_exactly": 37,
    "tests/test_auth_login.py": 32,
    "tests/test_data_safety_e2e.py::test_a_fan_out_over_12000_parents_reaches_every_parent_once": 29,
    "tests/test_review_mermaid.py::test_mermaid_renders_the_committed_diagrams_to_svg": 29,
    "tests/test_pipelines_dftf.py": 25,
    "tests/test_check_positions.py": 24,
    "tests/test_evaluator_cases.py": 24,
    "tests/test_evaluator_properties_dates.py": 23,
    "tests/robustness/test_secrets.py": 22,
    "big synthetic build": 20,
    "tests/test_check_precision.py": 17,
    "tests/test_controller_groups.py": 17,
    "tests/test_run_engine_rest.py": 16,
    "tests/test_data_safety_e2e.py::test_the_old_design_fails_with_401_when_paging_outlives_the_token": 15,
    "tests/test_catalog_e2e.py": 15,
    "tests/test_evaluator_properties_conversions.py": 14,
    "tests/test_auth_refresh.py": 14,
    "tests/test_refresh_http.py": 14,
    "tests/test_run_engine_web.py": 13,
    "tests/robustness/test_deploy_ownership.py": 12,
    "tests/test_check_rules.py": 12,
    "tests/test_arm_parameters.py": 11,
    "tests/test_run_e2e.py": 11,
    "tests/robustness/test_new_fields.py": 10,
}
SPLIT_TEST_SECONDS = 4.0
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
