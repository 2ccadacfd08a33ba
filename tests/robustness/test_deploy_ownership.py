"""Deploy ownership (issue 14, item 4): --prune deletes only what carries the exact "adfgen" annotation element."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adfgen.azure.diff import DELETE, ORPHAN, UNMANAGED, LiveResource, compute_plan
from adfgen.core.resources import Resource
from tests.robustness.strategies import json_values

KINDS = ["linkedService", "dataset", "pipeline", "trigger"]


def _action(annotations, prune: bool = True) -> str:
    live = LiveResource("pipeline", "pl_live", {"activities": [], "annotations": annotations})
    plan = compute_plan([], [live], prune=prune)
    (item,) = plan.items
    return item.action


@pytest.mark.parametrize("annotations", [
    "adfgen", "managed by adfgen", "not-adfgen", ["adfgen-old"], ["ADFGEN"], [" adfgen"], [["adfgen"]],
    [{"adfgen": True}], {"adfgen": "adfgen"}, ["adfgen:ignore=SE003"], None, [],
], ids=repr)
def test_prune_never_deletes_what_is_not_exactly_annotated(annotations):
    assert _action(annotations) == UNMANAGED


@pytest.mark.parametrize("annotations", [["adfgen"], ["team-x", "adfgen"], ["adfgen", "adfgen:ignore=SE003"]])
def test_prune_deletes_what_carries_the_exact_element(annotations):
    assert _action(annotations) == DELETE
    assert _action(annotations, prune=False) == ORPHAN


def test_a_string_annotation_is_not_taken_over_silently():
    """An update of a live resource whose annotation is a string naming adfgen still counts as a take-over."""
    live = LiveResource("pipeline", "pl_x", {"activities": [], "annotations": "adfgen"})
    source = Resource("pipeline", "pl_x", {"activities": [{"name": "w", "type": "Wait"}], "annotations": ["adfgen"]})
    (item,) = compute_plan([source], [live]).items
    assert item.takes_over


_annotation = st.one_of(st.sampled_from(["adfgen", "Adfgen", "adfgen ", "xadfgen", "adfgen:ignore=RF011"]),
                        json_values)


@settings(max_examples=200, deadline=None)
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=6),
       annotations=st.lists(st.one_of(_annotation, st.lists(_annotation, max_size=4)), min_size=6, max_size=6))
def test_prune_deletes_exactly_the_owned(kinds, annotations):
    live = [LiveResource(kind, f"r{i}", {"annotations": value}) for i, (kind, value) in
            enumerate(zip(kinds, annotations))]
    plan = compute_plan([], live, prune=True)
    for item in plan.items:
        value = next(r.properties["annotations"] for r in live if r.name == item.name)
        owned = type(value) is list and any(type(v) is str and v == "adfgen" for v in value)
        assert (item.action == DELETE) == owned and (item.action == UNMANAGED) == (not owned)
