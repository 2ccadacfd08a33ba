"""Dependency conditions, ADF's pipeline outcome rules, Inactive activities, policies, parameters, concurrency."""

from __future__ import annotations


import pytest

from adfgen.local.runner import RunUsageError
from tests.test_run_engine_support import act, fail, ok, records, run, status, write_factory

# The outcome patterns of https://learn.microsoft.com/azure/data-factory/tutorial-pipeline-failure-error-handling


def test_try_catch_succeeds_when_the_failure_path_succeeds(tmp_path):
    root = write_factory(tmp_path, {"p": [fail("A"), ok("OnFail", {"A": ["Failed"]})]})
    _, result = run(root)
    assert result.status == "Succeeded"
    assert status(result, "OnFail") == "Succeeded"


def test_do_if_else_fails_when_the_failure_path_ran(tmp_path):
    root = write_factory(tmp_path, {"p": [fail("A"), ok("OnSuccess", {"A": ["Succeeded"]}),
                                          ok("OnFail", {"A": ["Failed"]})]})
    _, result = run(root)
    assert status(result, "OnSuccess") == "Skipped"
    assert status(result, "OnFail") == "Succeeded"
    assert result.status == "Failed"
    assert result.error["target"] == "A"
    assert "boom" in result.error["message"]


def test_do_if_else_succeeds_when_the_activity_succeeds(tmp_path):
    root = write_factory(tmp_path, {"p": [ok("A"), ok("OnSuccess", {"A": ["Succeeded"]}), ok("OnFail", {"A": ["Failed"]})]})
    _, result = run(root)
    assert result.status == "Succeeded"
    assert status(result, "OnFail") == "Skipped"


def test_do_if_skip_else_succeeds_either_way(tmp_path):
    # A -> B (success), A -> C (failure), B -> D (skipped): the leaves D and C decide.
    for first in (fail("A"), ok("A")):
        folder = tmp_path / first["type"]
        root = write_factory(folder, {"p": [first, ok("B", {"A": ["Succeeded"]}), ok("C", {"A": ["Failed"]}),
                                            ok("D", {"B": ["Skipped"]})]})
        _, result = run(root)
        assert result.status == "Succeeded", first["type"]


def test_completed_runs_after_success_and_failure_but_not_after_skip(tmp_path):
    root = write_factory(tmp_path, {"p": [fail("A"), ok("AfterFail", {"A": ["Completed"]}),
                                          fail("B"), ok("Never", {"B": ["Succeeded"]}),
                                          ok("AfterSkip", {"Never": ["Completed"]}),
                                          ok("OnSkip", {"Never": ["Skipped"]})]})
    _, result = run(root)
    assert status(result, "AfterFail") == "Succeeded"
    assert status(result, "AfterSkip") == "Skipped"
    assert status(result, "OnSkip") == "Succeeded"


def test_every_dependency_must_hold(tmp_path):
    root = write_factory(tmp_path, {"p": [ok("A"), fail("B"), ok("Both", {"A": ["Succeeded"], "B": ["Succeeded"]}),
                                          ok("Either", {"A": ["Succeeded"], "B": ["Succeeded", "Failed"]})]})
    _, result = run(root)
    assert status(result, "Both") == "Skipped"
    assert status(result, "Either") == "Succeeded"


def test_a_failed_leaf_fails_the_pipeline_and_names_it(tmp_path):
    root = write_factory(tmp_path, {"p": [ok("A"), fail("Last", {"A": ["Succeeded"]}, message="it broke")]})
    _, result = run(root)
    assert result.status == "Failed"
    assert result.error["message"] == "Operation on target Last failed: it broke"
    assert result.error["errorCode"] == "E42"


def test_independent_activities_run_in_parallel(tmp_path):
    waits = [act(f"W{i}", "Wait", {"waitTimeInSeconds": 100}) for i in range(4)]
    root = write_factory(tmp_path, {"p": waits})
    runtime, result = run(root, scale=200)  # the bound's 200 virtual seconds of slack are 1 s of real time
    assert result.status == "Succeeded"
    assert result.duration < 300  # four 100 s waits at once, not one after another


@pytest.mark.parametrize("mark, outcome, follower", [("Succeeded", "Succeeded", "Succeeded"),
                                                     ("Failed", "Failed", "Skipped"),
                                                     ("Skipped", "Succeeded", "Skipped")])
def test_inactive_activity_reports_on_inactive_mark_as(tmp_path, mark, outcome, follower):
    inactive = fail("Off")
    inactive.update(state="Inactive", onInactiveMarkAs=mark)
    root = write_factory(tmp_path, {"p": [inactive, ok("Next", {"Off": ["Succeeded"]})]})
    _, result = run(root)
    assert status(result, "Off") == mark
    assert records(result, "Off")[0].attempts == 0  # never ran
    assert status(result, "Next") == follower
    assert result.status == outcome


def test_inactive_defaults_to_succeeded(tmp_path):
    inactive = fail("Off")
    inactive["state"] = "Inactive"
    root = write_factory(tmp_path, {"p": [inactive]})
    _, result = run(root)
    assert result.status == "Succeeded"


def test_retry_waits_the_interval_between_attempts(tmp_path):
    bad = act("Bad", "Lookup", {"source": {}, "dataset": {"referenceName": "missing", "type": "DatasetReference"}},
              policy={"retry": 2, "retryIntervalInSeconds": 60})
    root = write_factory(tmp_path, {"p": [bad]})
    runtime, result = run(root, scale=200)  # the bound's 80 virtual seconds of slack are 400 ms of real time
    record = records(result, "Bad")[0]
    assert record.attempts == 3
    assert record.status == "Failed"
    assert 120 <= record.duration < 200  # two 60 s intervals of virtual time
    assert "policy.retry" in runtime.relied.keys()


def test_parameters_defaults_types_and_text(tmp_path):
    params = {"s": {"type": "String", "defaultValue": "x"}, "i": {"type": "Int"}, "f": {"type": "Float", "defaultValue": 1.5},
              "b": {"type": "Bool", "defaultValue": False}, "a": {"type": "Array", "defaultValue": []},
              "o": {"type": "Object", "defaultValue": {}}}
    root = write_factory(tmp_path, {"p": {"parameters": params, "variables": {"v": {"type": "Array"}},
                                          "activities": [act("Set", "SetVariable", {"variableName": "v", "value":
                                              "@createArray(pipeline().parameters.s, pipeline().parameters.i, "
                                              "pipeline().parameters.f, pipeline().parameters.b, pipeline().parameters.a, "
                                              "pipeline().parameters.o)"})]}})
    from tests.test_run_engine_support import make_runtime

    runtime = make_runtime(root)
    result = runtime.run("p", {"i": "7", "b": "true", "a": "[1,2]", "o": '{"k": 1}'}, from_text=True)
    assert result.variables["v"] == ["x", 7, 1.5, True, [1, 2], {"k": 1}]
    with pytest.raises(RunUsageError, match="needs a value for parameter 'i'"):
        runtime.run("p", {})
    with pytest.raises(RunUsageError, match="no parameter 'nope'"):
        runtime.run("p", {"i": 1, "nope": 2})
    with pytest.raises(RunUsageError, match="'i' is Int"):
        runtime.run("p", {"i": "seven"}, from_text=True)
    with pytest.raises(RunUsageError, match="'a' is Array"):
        runtime.run("p", {"i": 1, "a": '{"no": 1}'}, from_text=True)


def test_pipeline_names_are_case_insensitive(tmp_path):
    root = write_factory(tmp_path, {"My_Pipeline": [ok("A")]})
    _, result = run(root, "my_pipeline")
    assert result.name == "My_Pipeline" and result.status == "Succeeded"


def test_system_variables(tmp_path):
    keys = ["RunId", "TriggerTime", "TriggerType", "TriggerName", "Pipeline", "DataFactory", "GroupId"]
    value = "@createArray(" + ", ".join(f"pipeline().{k}" for k in keys) + ")"
    child = {"variables": {"v": {"type": "Array"}}, "activities": [act("Set", "SetVariable", {"variableName": "v", "value":
             "@createArray(pipeline().TriggeredByPipelineName, pipeline().TriggeredByPipelineRunId, pipeline().TriggerType)"})]}
    root = write_factory(tmp_path, {"p": {"variables": {"v": {"type": "Array"}}, "activities": [
        act("Set", "SetVariable", {"variableName": "v", "value": value}),
        act("Child", "ExecutePipeline", {"pipeline": {"referenceName": "child"}, "waitOnCompletion": True})]},
        "child": child})
    runtime, result = run(root)
    run_id, trigger_time, trigger_type, trigger_name, pipeline, factory, group = result.variables["v"]
    assert run_id == result.run_id and group == result.run_id
    assert trigger_type == "Manual" and trigger_name == "Manual" and pipeline == "p"
    assert factory == tmp_path.name
    assert trigger_time.endswith("Z") and trigger_time[:4].isdigit()
    child_run = next(r for r in runtime.runs if r.name == "child")
    assert child_run.variables["v"] == ["p", result.run_id, "PipelineActivity"]


def test_activity_object_has_output_error_and_status(tmp_path):
    root = write_factory(tmp_path, {"p": {"variables": {"v": {"type": "String"}}, "activities": [
        fail("F", message="no luck"),
        act("Read", "SetVariable", {"variableName": "v", "value":
            "@concat(activity('F').Status, '|', activity('F').error.message, '|', activity('F').error.errorCode)"},
            {"F": ["Failed"]})]}})
    _, result = run(root)
    assert result.variables["v"] == "Failed|no luck|E42"


def test_concurrency_queues_runs_beyond_the_limit(tmp_path):
    worker = {"concurrency": 1, "activities": [act("W", "Wait", {"waitTimeInSeconds": 100})]}
    calls = [act(f"Run{i}", "ExecutePipeline", {"pipeline": {"referenceName": "worker"}, "waitOnCompletion": True})
             for i in range(3)]
    root = write_factory(tmp_path, {"p": calls, "worker": worker})
    runtime, result = run(root, scale=1000)
    assert result.status == "Succeeded"
    workers = sorted((r.start, r.end) for r in runtime.runs if r.name == "worker")
    assert len(workers) == 3
    for (_, end), (start, _) in zip(workers, workers[1:]):
        assert start >= end - 1  # one at a time
    assert "concurrency.queue" in runtime.relied.keys()


def test_unknown_dependency_and_cycles_fail_the_run(tmp_path):
    root = write_factory(tmp_path, {"p": [ok("A", {"Ghost": ["Succeeded"]})],
                                    "q": [ok("A", {"B": ["Succeeded"]}), ok("B", {"A": ["Succeeded"]})]})
    _, result = run(root, "p")
    assert result.status == "Failed" and "Ghost" in result.error["message"]
    _, result = run(root, "q")
    assert result.status == "Failed" and "cycle" in result.error["message"]


def test_unsupported_activity_type_fails_that_activity(tmp_path):
    root = write_factory(tmp_path, {"p": [act("X", "DatabricksNotebook")]})
    _, result = run(root)
    assert result.status == "Failed"
    assert "does not support activities of type 'DatabricksNotebook'" in records(result, "X")[0].error["message"]


def test_an_invalid_expression_fails_its_activity(tmp_path):
    root = write_factory(tmp_path, {"p": {"variables": {"v": {"type": "String"}}, "activities": [
        act("Set", "SetVariable", {"variableName": "v", "value": "@pipeline().parameters.missing"})]}})
    runtime, result = run(root)
    record = records(result, "Set")[0]
    assert record.status == "Failed" and record.error["errorCode"] == "InvalidTemplate"
    assert "expression.invalid" in runtime.relied.keys()


def test_completion_cannot_share_a_parent_with_success_or_failure_paths(tmp_path):
    root = write_factory(tmp_path, {"p": [ok("A"), ok("Done", {"A": ["Completed"]}), ok("Good", {"A": ["Succeeded"]})]})
    _, result = run(root)
    assert result.status == "Failed"
    assert "Upon Completion path together with an Upon Success or Upon Failure path" in result.error["message"]
