"""The plan's classification and normalisation, as tables (no network)."""

from __future__ import annotations

import pytest

from adfgen.azure.deploy import references, request_body
from adfgen.azure.diff import (
    CREATE,
    DELETE,
    ORPHAN,
    UNCHANGED,
    UNMANAGED,
    UPDATE,
    LiveResource,
    compute_plan,
)
from adfgen.azure.normalize import normalise
from adfgen.core.resources import Resource

TRIGGER = {"type": "ScheduleTrigger", "annotations": ["adfgen"],
           "typeProperties": {"recurrence": {"frequency": "Day", "interval": 1}}}


@pytest.mark.parametrize("live, source, equal", [
    ({"activities": [], "annotations": []}, {"activities": []}, True),  # empty defaults ADF adds
    ({"a": 1, "lastPublishTime": "2024-01-01"}, {"a": 1}, True),  # server bookkeeping
    ({"runtimeState": "Started", "a": 1}, {"a": 1}, True),  # read-only trigger state
    ({"b": 2, "a": 1}, {"a": 1, "b": 2}, True),  # key order is not significant
    ({"x": [1, 2]}, {"x": [2, 1]}, False),  # list order is
    ({"x": [{}, 1]}, {"x": [1]}, False),  # list items are positional, never dropped
    ({"p": {"q": None}}, {}, True),
    ({"a": 0}, {}, False),
    ({"a": ""}, {}, False),
])
def test_normalise(live, source, equal):
    assert (normalise(live) == normalise(source)) is equal


def plan_for(source_props, live_props, live_state=None, **kwargs):
    source = [Resource("trigger", "tr", source_props)] if source_props is not None else []
    live = []
    if live_props is not None:
        live = [LiveResource("trigger", "tr", {**live_props, **({"runtimeState": live_state} if live_state else {})})]
    (item,) = compute_plan(source, live, **kwargs).items
    return item


@pytest.mark.parametrize("source, live, state, kwargs, expected", [
    # (action, trigger change, stop first, start after)
    (TRIGGER, None, None, {}, (CREATE, "start", False, True)),
    (TRIGGER, None, None, {"start_triggers": False}, (CREATE, None, False, False)),
    (TRIGGER, TRIGGER, "Started", {}, (UNCHANGED, None, False, False)),
    (TRIGGER, TRIGGER, "Stopped", {}, (UNCHANGED, "start", False, True)),
    (TRIGGER, TRIGGER, "Stopped", {"start_triggers": False}, (UNCHANGED, None, False, False)),
    ({**TRIGGER, "description": "v2"}, TRIGGER, "Started", {}, (UPDATE, None, True, True)),
    ({**TRIGGER, "description": "v2"}, TRIGGER, "Started", {"start_triggers": False}, (UPDATE, None, True, True)),
    ({**TRIGGER, "description": "v2"}, TRIGGER, "Stopped", {"start_triggers": False}, (UPDATE, None, False, False)),
    ({**TRIGGER, "runtimeState": "Stopped"}, TRIGGER, "Started", {}, (UNCHANGED, "stop", True, False)),
    (None, TRIGGER, "Started", {"prune": True}, (DELETE, None, True, False)),
    (None, TRIGGER, "Started", {}, (ORPHAN, None, False, False)),
    (None, {**TRIGGER, "annotations": []}, "Started", {"prune": True}, (UNMANAGED, None, False, False)),
])
def test_trigger_plan(source, live, state, kwargs, expected):
    item = plan_for(source, live, state, **kwargs)
    assert (item.action, item.trigger_change, item.stop_first, item.start_after) == expected


def test_names_match_case_insensitively_and_keep_the_live_spelling():
    source = [Resource("pipeline", "PL_A", {"activities": []})]
    live = [LiveResource("pipeline", "pl_a", {"activities": []})]
    (item,) = compute_plan(source, live).items
    assert (item.action, item.name) == (UNCHANGED, "pl_a")


def test_references_and_request_body():
    props = {"activities": [{"typeProperties": {"pipeline": {"referenceName": "pl_b", "type": "PipelineReference"},
                                                "dataset": {"referenceName": "ds", "type": "DatasetReference"}}}],
             "runtimeState": "Started"}
    assert references(props) == {("pipeline", "pl_b"), ("dataset", "ds")}
    body = request_body(Resource("pipeline", "p", props))
    assert "runtimeState" not in body["properties"] and isinstance(body, dict) and set(body) == {"properties"}
