"""ForEach, If Condition, Switch, Until, Wait, Filter, Fail, Set/Append Variable, Execute Pipeline, return values."""

from __future__ import annotations

import time

from tests.test_run_engine_support import Server, act, fail, json_reply, ok, records, run, status, write_factory


def _set(name: str, variable: str, value: str, depends: dict | None = None) -> dict:
    return act(name, "SetVariable", {"variableName": variable, "value": value}, depends)


def test_foreach_runs_iterations_concurrently_up_to_batch_count(tmp_path):
    def route(method, path, headers, body):
        time.sleep(0.15)
        return json_reply({"ok": True})

    with Server(route) as server:
        call = act("Call", "WebActivity", {"method": "GET", "url": f"{server.url}/item/@{{item()}}"})
        root = write_factory(tmp_path, {"p": [act("Loop", "ForEach", {"items": "@range(0, 12)", "batchCount": 4,
                                                                     "activities": [call]})]})
        _, result = run(root)
        assert result.status == "Succeeded"
        assert server.peak == 4
        assert sorted(p for _, p, _, _ in server.requests) == sorted(f"/item/{i}" for i in range(12))


def test_foreach_is_sequential_when_asked(tmp_path):
    def route(method, path, headers, body):
        time.sleep(0.05)
        return json_reply({})

    with Server(route) as server:
        call = act("Call", "WebActivity", {"method": "GET", "url": f"{server.url}/@{{item()}}"})
        root = write_factory(tmp_path, {"p": [act("Loop", "ForEach", {"items": "@range(0, 5)", "isSequential": True,
                                                                     "activities": [call]})]})
        _, result = run(root)
        assert server.peak == 1
        assert [p for _, p, _, _ in server.requests] == [f"/{i}" for i in range(5)]


def test_foreach_item_scope_and_failed_iterations(tmp_path):
    inner = act("Check", "IfCondition", {"expression": "@equals(mod(item(), 3), 0)",
                                         "ifTrueActivities": [fail("Boom", message="@{item()}")]})
    append = act("Add", "AppendVariable", {"variableName": "seen", "value": "@item()"})
    root = write_factory(tmp_path, {"p": {"variables": {"seen": {"type": "Array"}}, "activities": [
        act("Loop", "ForEach", {"items": "@range(1, 7)", "batchCount": 3, "activities": [append, inner]})]}})
    runtime, result = run(root)
    assert sorted(result.variables["seen"]) == [1, 2, 3, 4, 5, 6, 7]  # range(1, 7): every iteration ran
    assert status(result, "Loop") == "Failed"
    assert result.status == "Failed"
    assert len([r for r in records(result, "Boom") if r.status == "Failed"]) == 2
    assert "foreach.failure" in runtime.relied.keys()


def test_foreach_items_must_be_an_array(tmp_path):
    root = write_factory(tmp_path, {"p": [act("Loop", "ForEach", {"items": "@string('x')", "activities": []})]})
    _, result = run(root)
    assert records(result, "Loop")[0].error["errorCode"] == "InvalidTemplate"


def test_if_condition_runs_one_branch_and_exposes_inner_outputs(tmp_path):
    root = write_factory(tmp_path, {"p": {"parameters": {"go": {"type": "Bool"}}, "variables": {"v": {"type": "String"}},
        "activities": [act("If", "IfCondition", {"expression": "@pipeline().parameters.go",
                                                 "ifTrueActivities": [_set("Yes", "v", "yes")],
                                                 "ifFalseActivities": [_set("No", "v", "no")]}),
                       _set("After", "v", "@concat(variables('v'), '-', activity('If').status)", {"If": ["Succeeded"]})]}})
    _, result = run(root, parameters={"go": True})
    assert result.variables["v"] == "yes-Succeeded"
    assert not records(result, "No")
    _, result = run(root, parameters={"go": False})
    assert result.variables["v"] == "no-Succeeded"


def test_if_condition_needs_a_boolean_and_fails_with_its_branch(tmp_path):
    root = write_factory(tmp_path, {"p": [act("If", "IfCondition", {"expression": "@string('true')", "ifTrueActivities": []})],
                                    "q": [act("If", "IfCondition", {"expression": "@bool(1)", "ifTrueActivities": [fail("Inner")]})]})
    _, result = run(root, "p")
    assert records(result, "If")[0].error["errorCode"] == "InvalidTemplate"
    _, result = run(root, "q")
    error = records(result, "If")[0].error
    assert error["message"].startswith("Activity failed because an inner activity failed; Inner activity name: Inner")


def test_switch_runs_the_matching_case_or_the_default(tmp_path):
    cases = [{"value": "a", "activities": [_set("A", "v", "case a")]},
             {"value": "1", "activities": [_set("One", "v", "case 1")]}]
    root = write_factory(tmp_path, {"p": {"parameters": {"on": {"type": "String"}}, "variables": {"v": {"type": "String"}},
        "activities": [act("S", "Switch", {"on": "@pipeline().parameters.on", "cases": cases,
                                           "defaultActivities": [_set("D", "v", "default")]})]}})
    assert run(root, parameters={"on": "a"})[1].variables["v"] == "case a"
    assert run(root, parameters={"on": "1"})[1].variables["v"] == "case 1"
    runtime, result = run(root, parameters={"on": "A"})
    assert result.variables["v"] == "default"  # case-sensitive, an assumption the run reports
    assert "switch.case_sensitive" in [b.key for b in runtime.relied.assumed()]


def test_until_loops_until_the_expression_holds(tmp_path):
    root = write_factory(tmp_path, {"p": {"variables": {"n": {"type": "Array"}}, "activities": [
        act("U", "Until", {"expression": "@greaterOrEquals(length(variables('n')), 4)",
                           "activities": [act("Add", "AppendVariable", {"variableName": "n", "value": 1})]})]}})
    _, result = run(root)
    assert result.variables["n"] == [1, 1, 1, 1]
    assert result.status == "Succeeded"


def test_until_times_out(tmp_path):
    root = write_factory(tmp_path, {"p": [act("U", "Until", {"expression": "@equals(1, 2)", "timeout": "0.00:10:00",
                                                              "activities": [act("W", "Wait", {"waitTimeInSeconds": 120})]})]})
    _, result = run(root, scale=300)  # 2 s of real time: at 2000x, 1 ms of load was 2 virtual seconds and cost a wait
    record = records(result, "U")[0]
    assert record.status == "Failed" and record.error["errorCode"] == "UntilTimedOut"
    assert 5 <= len(records(result, "W")) <= 6  # 10 minutes of 2-minute waits
    assert 600 <= record.duration < 800


def test_until_continues_after_an_inner_failure(tmp_path):
    body = [act("Add", "AppendVariable", {"variableName": "n", "value": 1}),
            act("Maybe", "IfCondition", {"expression": "@less(length(variables('n')), 2)", "ifTrueActivities": [fail("Oops")]},
                {"Add": ["Succeeded"]})]
    root = write_factory(tmp_path, {"p": {"variables": {"n": {"type": "Array"}}, "activities": [
        act("U", "Until", {"expression": "@equals(length(variables('n')), 3)", "activities": body})]}})
    runtime, result = run(root)
    assert result.variables["n"] == [1, 1, 1]  # the failure in the first iteration did not stop the loop
    assert result.status == "Succeeded"
    assert "until.continue" in runtime.relied.keys()


def test_wait_uses_the_clock(tmp_path):
    root = write_factory(tmp_path, {"p": [act("W", "Wait", {"waitTimeInSeconds": 300})]})
    started = time.monotonic()
    _, result = run(root, scale=200)  # 1.5 s real; the bound's 30 virtual seconds are 150 ms of load at this scale
    assert time.monotonic() - started < 5
    assert 300 <= records(result, "W")[0].duration < 330


def test_filter_output(tmp_path):
    root = write_factory(tmp_path, {"p": {"variables": {"v": {"type": "Array"}}, "activities": [
        act("F", "Filter", {"items": "@range(0, 10)", "condition": "@equals(mod(item(), 2), 0)"}),
        _set("S", "v", "@activity('F').output.value", {"F": ["Succeeded"]})]}})
    _, result = run(root)
    assert result.variables["v"] == [0, 2, 4, 6, 8]
    assert records(result, "F")[0].output == {"ItemsCount": 10, "FilteredItemsCount": 5, "Value": [0, 2, 4, 6, 8]}


def test_fail_message_and_code_are_evaluated(tmp_path):
    root = write_factory(tmp_path, {"p": [act("F", "Fail", {"message": "@concat('bad ', string(add(1, 1)))",
                                                            "errorCode": "@string(500)"})]})
    _, result = run(root)
    error = records(result, "F")[0].error
    assert (error["message"], error["errorCode"]) == ("bad 2", "500")


def test_set_variable_checks_types(tmp_path):
    root = write_factory(tmp_path, {"p": {"variables": {"s": {"type": "String"}, "b": {"type": "Boolean"}},
        "activities": [_set("S", "s", "@add(1, 2)"), _set("B", "b", "@equals(1, 1)")]}})
    _, result = run(root)
    assert status(result, "S") == "Failed"
    assert "of type 'String' cannot be initialized or updated with value of type 'Integer'" in records(result, "S")[0].error["message"]
    assert status(result, "B") == "Succeeded" and result.variables["b"] is True


def test_append_variable_from_parallel_iterations_loses_nothing(tmp_path):
    root = write_factory(tmp_path, {"p": {"variables": {"a": {"type": "Array"}}, "activities": [
        act("Loop", "ForEach", {"items": "@range(0, 200)", "batchCount": 50,
                                "activities": [act("Add", "AppendVariable", {"variableName": "a", "value": "@item()"})]})]}})
    _, result = run(root)
    assert sorted(result.variables["a"]) == list(range(200))


def test_execute_pipeline_waits_passes_parameters_and_returns_values(tmp_path):
    child = {"parameters": {"x": {"type": "Int"}}, "activities": [act("Ret", "SetVariable", {
        "variableName": "pipelineReturnValue", "setSystemVariable": True,
        "value": [{"key": "double", "value": {"type": "Expression", "content": "@mul(pipeline().parameters.x, 2)"}},
                  {"key": "list", "value": {"type": "Array", "content": [{"type": "String", "content": "a"},
                                                                         {"type": "Int", "content": 1}]}}]})]}
    root = write_factory(tmp_path, {"p": {"variables": {"v": {"type": "String"}}, "activities": [
        act("Call", "ExecutePipeline", {"pipeline": {"referenceName": "child"}, "waitOnCompletion": True,
                                        "parameters": {"x": 21}}),
        _set("Read", "v", "@string(activity('Call').output.pipelineReturnValue.double)", {"Call": ["Succeeded"]})]},
        "child": child})
    runtime, result = run(root)
    assert result.variables["v"] == "42"
    output = records(result, "Call")[0].output
    assert output["pipelineReturnValue"] == {"double": 42, "list": ["a", 1]}
    assert output["pipelineName"] == "child" and output["pipelineRunId"] != result.run_id


def test_execute_pipeline_fails_with_a_failed_child_when_waiting(tmp_path):
    root = write_factory(tmp_path, {"p": [act("Call", "ExecutePipeline", {"pipeline": {"referenceName": "child"},
                                                                         "waitOnCompletion": True})],
                                    "child": [fail("Deep", message="deep trouble")]})
    _, result = run(root)
    assert result.status == "Failed"
    assert "deep trouble" in records(result, "Call")[0].error["message"]


def test_execute_pipeline_without_waiting_succeeds_at_once(tmp_path):
    root = write_factory(tmp_path, {"p": [act("Call", "ExecutePipeline", {"pipeline": {"referenceName": "child"},
                                                                         "waitOnCompletion": False})],
                                    "child": [act("W", "Wait", {"waitTimeInSeconds": 500}), fail("Late", {"W": ["Succeeded"]})]})
    runtime, result = run(root, scale=300)  # the < 100 s bound is 330 ms of real time: room for a loaded machine
    assert result.status == "Succeeded"
    assert records(result, "Call")[0].duration < 100
    child = next(r for r in runtime.runs if r.name == "child")
    assert child.status == "Failed"  # the runtime still waited for it before returning


def test_execute_pipeline_refuses_bad_parameters(tmp_path):
    root = write_factory(tmp_path, {"p": [act("Call", "ExecutePipeline", {"pipeline": {"referenceName": "child"},
                                                                         "waitOnCompletion": True, "parameters": {"zz": 1}})],
                                    "child": [ok("A")]})
    _, result = run(root)
    assert records(result, "Call")[0].error["errorCode"] == "InvalidParameter"


def test_foreach_deals_items_to_fixed_queues_and_never_rebalances(tmp_path):
    """Items go round-robin to batchCount queues: behind a slow item 0, item 2 waits although queue 1 is idle."""
    def route(method, path, headers, body):
        time.sleep(0.6 if path == "/0" else 0.05)
        return json_reply({})

    with Server(route) as server:
        call = act("Call", "WebActivity", {"method": "GET", "url": f"{server.url}/@{{item()}}"})
        root = write_factory(tmp_path, {"p": [act("Loop", "ForEach", {"items": "@range(0, 4)", "batchCount": 2,
                                                                     "activities": [call]})]})
        runtime, result = run(root)
        assert result.status == "Succeeded"
        order = [p for _, p, _, _ in server.requests]
        assert order.index("/3") < order.index("/2")  # queue 1 (items 1, 3) finishes before queue 0 reaches item 2
        assert "foreach.queues" in runtime.relied.keys()
