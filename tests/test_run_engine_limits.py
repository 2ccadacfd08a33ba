"""Every documented limit the runtime enforces, each against its table entry (value and source)."""

from __future__ import annotations

import pytest

from adfgen.core import adf_limits as limits
from adfgen.local import evidence
from tests.test_run_engine_support import act, ok, records, run, write_factory


def container(kind: str, name: str, inner: list) -> dict:
    if kind == "ForEach":
        return act(name, "ForEach", {"items": "@range(0, 1)", "activities": inner})
    if kind == "Until":
        return act(name, "Until", {"expression": "@bool(1)", "activities": inner})
    if kind == "IfCondition":
        return act(name, "IfCondition", {"expression": "@bool(1)", "ifTrueActivities": inner})
    return act(name, "Switch", {"on": "x", "cases": [{"value": "x", "activities": inner}]})


def test_every_limit_has_a_source():
    for limit in limits.LIMITS:
        assert limit.status in (evidence.DOCUMENTED, evidence.OBSERVED, evidence.ASSUMED)
        assert limit.source.startswith("https://") or limit.status == evidence.ASSUMED


def test_activities_per_pipeline(tmp_path):
    most = limits.value("pipeline.activities")
    root = write_factory(tmp_path, {"at": [ok(f"A{i}") for i in range(most)],
                                    "over": [container("ForEach", "Loop", [ok(f"A{i}") for i in range(most)])]})
    assert run(root, "at")[1].status == "Succeeded"
    _, result = run(root, "over")  # the inner activities count too
    assert result.status == "Failed" and f"{most + 1} activities" in result.error["message"]
    assert limits.BY_KEY["pipeline.activities"].source in result.error["message"]


def test_parameters_per_pipeline(tmp_path):
    params = {f"p{i}": {"type": "String", "defaultValue": ""} for i in range(limits.value("pipeline.parameters") + 1)}
    root = write_factory(tmp_path, {"p": {"parameters": params, "activities": [ok("A")]}})
    _, result = run(root)
    assert result.status == "Failed" and "parameters" in result.error["message"]


def test_expression_length(tmp_path):
    long = "@concat('" + "x" * limits.value("expression.length") + "', '')"
    root = write_factory(tmp_path, {"p": {"variables": {"v": {"type": "String"}},
                                          "activities": [act("S", "SetVariable", {"variableName": "v", "value": long})]}})
    _, result = run(root)
    assert result.status == "Failed"
    assert f"{len(long)} characters" in result.error["message"]


@pytest.mark.parametrize("outer, inner, allowed", [
    ("ForEach", "IfCondition", True), ("Until", "Switch", True), ("IfCondition", "ForEach", True),
    ("IfCondition", "IfCondition", False), ("Switch", "IfCondition", False), ("IfCondition", "Switch", False),
    ("ForEach", "ForEach", False), ("ForEach", "Until", False), ("Until", "ForEach", False)])
def test_nesting_rules(tmp_path, outer, inner, allowed):
    root = write_factory(tmp_path, {"p": [container(outer, "Outer", [container(inner, "Inner", [ok("Leaf")])])]})
    _, result = run(root)
    assert (result.status == "Succeeded") is allowed, result.error
    if not allowed:
        assert limits.BY_KEY["nesting.if_in_if"].source in result.error["message"]


def test_loop_inside_a_branch_inside_a_loop_is_refused(tmp_path):
    deep = container("ForEach", "Outer", [container("IfCondition", "Mid", [container("Until", "Inner", [ok("Leaf")])])])
    _, result = run(write_factory(tmp_path, {"p": [deep]}))
    assert result.status == "Failed" and "'Inner'" in result.error["message"]


def test_validation_cannot_be_nested(tmp_path):
    nested = container("IfCondition", "If", [act("V", "Validation", {})])
    _, result = run(write_factory(tmp_path, {"p": [nested]}))
    assert "Validation activity cannot be nested" in result.error["message"]


@pytest.mark.parametrize("batch, allowed", [(50, True), (51, False), (0, False)])
def test_foreach_batch_count(tmp_path, batch, allowed):
    loop = act("Loop", "ForEach", {"items": "@range(0, 3)", "batchCount": batch, "activities": [ok("A")]})
    _, result = run(write_factory(tmp_path, {"p": [loop]}))
    assert (result.status == "Succeeded") is allowed


def test_foreach_items(tmp_path):
    most = limits.value("foreach.items")
    items = {"items": {"type": "Array", "defaultValue": list(range(most + 1))}}
    over = act("Over", "ForEach", {"items": "@pipeline().parameters.items", "activities": []})
    at = act("At", "ForEach", {"items": "@take(pipeline().parameters.items, %d)" % most, "activities": []})
    root = write_factory(tmp_path, {"over": {"parameters": items, "activities": [over]},
                                    "at": {"parameters": items, "activities": [at]}})
    _, result = run(root, "over")
    assert records(result, "Over")[0].error["errorCode"] == "ForEachTooManyItems"
    assert run(root, "at")[1].status == "Succeeded"


def test_switch_cases(tmp_path):
    cases = [{"value": str(i), "activities": []} for i in range(limits.value("switch.cases") + 1)]
    _, result = run(write_factory(tmp_path, {"p": [act("S", "Switch", {"on": "1", "cases": cases})]}))
    assert "cases" in result.error["message"]


@pytest.mark.parametrize("interval, allowed", [(30, True), (29, False), (86400, True), (86401, False)])
def test_retry_interval_range(tmp_path, interval, allowed):
    activity = ok("A", policy={"retry": 1, "retryIntervalInSeconds": interval})
    _, result = run(write_factory(tmp_path, {"p": [activity]}))
    assert (result.status == "Succeeded") is allowed


def test_activity_input_payload(tmp_path):
    big = "x" * (limits.value("activity.payload") + 10)
    root = write_factory(tmp_path, {"p": [act("Web", "WebActivity", {"method": "POST", "url": "http://127.0.0.1:9/",
                                                                      "body": big})]})
    _, result = run(root)
    assert records(result, "Web")[0].error["errorCode"] == "PayloadTooLarge"


@pytest.mark.parametrize("timeout, allowed", [("7.00:00:00", True), ("7.00:00:01", False), ("soon", False)])
def test_policy_timeout_at_most_seven_days(tmp_path, timeout, allowed):
    _, result = run(write_factory(tmp_path, {"p": [ok("A", policy={"timeout": timeout})]}))
    assert (result.status == "Succeeded") is allowed

