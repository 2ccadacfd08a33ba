"""Deploy against a local HTTPS ARM endpoint with the real azure-mgmt-datafactory client."""

from __future__ import annotations

import io
import time

import pytest

from adfgen.azure.deploy import DONE, FAILED, NOT_APPLIED, UNKNOWN, deploy
from adfgen.azure.report import print_report
from adfgen.core.errors import AdfgenError
from adfgen.azure.diff import CREATE, DELETE, ORPHAN, UNCHANGED, UNMANAGED, UPDATE
from adfgen.azure.plan import make_plan
from adfgen.core.resources import KINDS, Resource
from tests.peers.arm_server import ArmServer
from tests.peers.fixtures import (
    FACTORY,
    RG,
    SUB,
    make_clients,
    managed,
    replace,
    sample_resources,
    target,
)

SEGMENT = {k.name: k.arm_segment.lower() for k in KINDS.values()}


@pytest.fixture
def arm():
    with ArmServer(page_size=3) as server:
        server.add_factory(SUB, RG, FACTORY)
        yield server


@pytest.fixture
def clients(arm):
    return make_clients(arm)


def deployed(arm, clients, resources=None, **kwargs):
    """Deploy, assert success, and return the report."""
    report = deploy(clients, target(), resources or sample_resources(), **kwargs)
    assert report.ok, [s.to_json() for s in report.steps if s.status != DONE]
    return report


def test_first_deploy_creates_everything_in_dependency_order_and_starts_the_trigger(arm, clients):
    report = deploy(clients, target(), sample_resources())

    assert report.ok
    assert [i.action for i in report.plan.items] == [CREATE] * 7
    for resource in sample_resources():
        live = arm.resource(FACTORY, SEGMENT[resource.kind], resource.name)
        assert live is not None and live["properties"]["annotations"] == ["adfgen"]
    assert arm.count("PUT") == 7
    puts = [e.path.rsplit("/", 2)[-2] for e in arm.log if e.method == "PUT"]
    assert puts == sorted(puts, key=["linkedservices", "datasets", "pipelines", "triggers"].index)
    # pl_controller references pl_refresh and pl_worker: the peer refuses a dangling reference, so order held
    order = [e.path.rsplit("/", 1)[-1] for e in arm.log if e.method == "PUT" and "/pipelines/" in e.path]
    assert order.index("pl_controller") > max(order.index("pl_refresh"), order.index("pl_worker"))
    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"] == "Started"
    # every list was read page by page: 2 linked services / 1 dataset / 0 pipelines / 0 triggers at page size 3
    assert arm.count("GET", r"/(linkedservices|datasets|pipelines|triggers)$") == 4


def test_noop_redeploy_sends_no_put_and_reads_each_list_page_once(arm, clients):
    deployed(arm, clients)
    arm.clear_log()

    report = deployed(arm, clients)

    assert {i.action for i in report.plan.items} == {UNCHANGED}
    assert not report.plan.has_changes
    assert arm.count("PUT") == arm.count("POST") == arm.count("DELETE") == 0
    # 2 linked services, 1 dataset, 3 pipelines (one page of 3), 1 trigger
    assert arm.count("GET", "/pipelines$") == 1 and report.plan.list_calls == 4


def test_paging_follows_next_link(arm, clients):
    many = sample_resources() + [Resource("pipeline", f"pl_extra_{n}", managed({"activities": []})) for n in range(7)]
    deployed(arm, clients, many)
    arm.clear_log()

    plan = make_plan(clients, target(), many)

    assert not plan.has_changes and len(plan.items) == 14
    assert arm.count("GET", "/pipelines$") == 4  # 10 pipelines at 3 per page
    assert plan.list_calls == 1 + 1 + 4 + 1


def test_one_changed_resource_is_one_put(arm, clients):
    deployed(arm, clients)
    arm.clear_log()
    changed = replace(sample_resources(), "pl_worker", description="now with a description")

    report = deployed(arm, clients, changed)

    assert [(i.kind, i.name) for i in report.plan.with_action(UPDATE)] == [("pipeline", "pl_worker")]
    assert "+  \"description\": \"now with a description\"" in report.plan.with_action(UPDATE)[0].diff
    assert [(e.method, e.path.rsplit("/", 1)[-1]) for e in arm.log if e.method != "GET"] == [("PUT", "pl_worker")]
    assert arm.resource(FACTORY, "pipelines", "pl_worker")["properties"]["description"] == "now with a description"


def test_a_started_trigger_is_stopped_before_its_update_and_started_again(arm, clients):
    deployed(arm, clients)
    arm.clear_log()
    changed = replace(sample_resources(), "tr_daily", description="moved")

    report = deployed(arm, clients, changed)

    calls = [(e.method, e.path.rsplit("/", 1)[-1]) for e in arm.log if e.method in ("PUT", "POST")]
    assert calls == [("POST", "stop"), ("PUT", "tr_daily"), ("POST", "start")]
    assert [(s.operation, s.name) for s in report.steps] == [("stop", "tr_daily"), ("put", "tr_daily"),
                                                            ("start", "tr_daily")]
    live = arm.resource(FACTORY, "triggers", "tr_daily")["properties"]
    assert live["runtimeState"] == "Started" and live["description"] == "moved"


def test_pipeline_updates_do_not_stop_triggers(arm, clients):
    deployed(arm, clients)
    arm.clear_log()

    deployed(arm, clients, replace(sample_resources(), "pl_refresh", description="x"))

    assert arm.count("POST") == 0


def test_no_start_triggers_leaves_new_triggers_stopped(arm, clients):
    report = deployed(arm, clients, start_triggers=False)

    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"] == "Stopped"
    assert arm.count("POST") == 0 and not any(s.operation == "start" for s in report.steps)


def test_a_stopped_trigger_is_started_to_converge(arm, clients):
    deployed(arm, clients, start_triggers=False)

    plan = make_plan(clients, target(), sample_resources())

    assert plan.has_changes and [i.trigger_change for i in plan.items if i.kind == "trigger"] == ["start"]
    deployed(arm, clients)
    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"] == "Started"


def test_prune_deletes_managed_orphans_in_reverse_order_and_never_unmanaged(arm, clients):
    deployed(arm, clients)
    arm.put_resource(FACTORY, "pipelines", "pl_old", managed({"activities": []}))
    arm.put_resource(FACTORY, "triggers", "tr_old", managed({
        "type": "ScheduleTrigger", "typeProperties": {"recurrence": {"frequency": "Hour", "interval": 1}},
        "pipelines": [{"pipelineReference": {"referenceName": "pl_old", "type": "PipelineReference"}}]}),
        runtime_state="Started")
    arm.put_resource(FACTORY, "pipelines", "pl_handmade", {"activities": [], "annotations": ["team-x"]})
    arm.clear_log()

    kept = deployed(arm, clients)  # without --prune nothing is deleted
    assert {(i.name, i.action) for i in kept.plan.items if i.action in (ORPHAN, UNMANAGED)} == {
        ("pl_old", ORPHAN), ("tr_old", ORPHAN), ("pl_handmade", UNMANAGED)}
    assert not kept.plan.has_changes and arm.count("DELETE") == 0

    report = deployed(arm, clients, prune=True)

    assert {(i.name, i.action) for i in report.plan.items if i.action in (DELETE, UNMANAGED)} == {
        ("pl_old", DELETE), ("tr_old", DELETE), ("pl_handmade", UNMANAGED)}
    calls = [(e.method, e.path.rsplit("/", 1)[-1]) for e in arm.log if e.method in ("DELETE", "POST")]
    assert calls == [("POST", "stop"), ("DELETE", "tr_old"), ("DELETE", "pl_old")]
    assert arm.names(FACTORY, "pipelines") == ["pl_controller", "pl_handmade", "pl_refresh", "pl_worker"]
    assert arm.names(FACTORY, "triggers") == ["tr_daily"]


def test_throttling_server_errors_and_dropped_connections_are_retried(arm, clients):
    arm.inject("PUT", "/datasets/ds_rest$", "429", retry_after=1)
    arm.inject("PUT", "/pipelines/pl_refresh$", "500", times=2)
    arm.inject("PUT", "/pipelines/pl_worker$", "drop")
    arm.inject("PUT", "/linkedservices/ls_rest$", "drop_after")  # applied, but the answer is lost
    arm.inject("POST", "/triggers/tr_daily/start$", "drop")
    arm.inject("GET", "/triggers$", "500")

    started = time.monotonic()
    report = deployed(arm, clients)

    assert time.monotonic() - started >= 1.0  # Retry-After: 1 was honoured (backoff alone is 10 ms)

    assert arm.count("PUT", "/datasets/ds_rest$") == 2 and arm.count("PUT", "/pipelines/pl_refresh$") == 3
    assert arm.count("PUT", "/pipelines/pl_worker$") == 2 and arm.count("PUT", "/linkedservices/ls_rest$") == 2
    assert arm.count("POST", "/start$") == 2
    assert all(s.status == DONE for s in report.steps) and not arm.faults
    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"] == "Started"
    arm.clear_log()
    assert not deployed(arm, clients).plan.has_changes and arm.count("PUT") == 0


def test_a_failure_half_way_reports_what_was_applied_restarts_triggers_and_a_rerun_converges(arm, clients):
    deployed(arm, clients)
    changed = replace(replace(sample_resources(), "pl_controller", description="v2"), "tr_daily", description="v2")
    arm.inject("PUT", "/pipelines/pl_controller$", "500", times=50)

    report = deploy(clients, target(), changed)

    assert not report.ok
    status = {(s.operation, s.name): s.status for s in report.steps}
    assert status == {("stop", "tr_daily"): DONE, ("put", "pl_controller"): FAILED,
                      ("put", "tr_daily"): NOT_APPLIED, ("start", "tr_daily"): DONE}
    assert "HTTP 500" in next(s.message for s in report.steps if s.status == FAILED)
    live = arm.resource(FACTORY, "triggers", "tr_daily")["properties"]
    assert live["runtimeState"] == "Started" and "description" not in live  # restored, old definition

    arm.faults.clear()
    again = deployed(arm, clients, changed)
    assert {(i.name, i.action) for i in again.plan.with_action(UPDATE)} == {("pl_controller", UPDATE),
                                                                            ("tr_daily", UPDATE)}
    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["description"] == "v2"
    assert not make_plan(clients, target(), changed).has_changes


def test_a_trigger_that_cannot_be_restarted_is_reported_with_the_command_to_start_it(arm, clients):
    deployed(arm, clients)
    changed = replace(sample_resources(), "tr_daily", description="v2")
    arm.inject("PUT", "/triggers/tr_daily$", "500", times=50)
    arm.inject("POST", "/triggers/tr_daily/start$", "500", times=50)

    report = deploy(clients, target(), changed)

    assert report.restart_failures == ["tr_daily"]
    (command,) = report.restart_commands()
    assert command == (f"az datafactory trigger start --subscription {SUB} --resource-group {RG} "
                       f"--factory-name {FACTORY} --name tr_daily")


def test_a_schema_invalid_body_surfaces_the_400_message(arm, clients):
    bad = replace(sample_resources(), "pl_refresh", concurrency=0)

    report = deploy(clients, target(), bad)

    (failed,) = report.by_status(FAILED)
    assert failed.name == "pl_refresh"
    assert failed.message.startswith("HTTP 400 BadRequest:")
    assert "concurrency" in failed.message and "less than the minimum of 1" in failed.message
    # pl_controller references pl_refresh, so it waits; nothing after the failed level is sent
    assert {(s.operation, s.name) for s in report.by_status(NOT_APPLIED)} == {
        ("put", "pl_controller"), ("put", "tr_daily"), ("start", "tr_daily")}
    assert arm.resource(FACTORY, "pipelines", "pl_worker") is not None


def test_nothing_new_is_sent_after_the_first_failure(arm, clients):
    many = sample_resources() + [Resource("pipeline", f"pl_extra_{n}", managed({"activities": []})) for n in range(5)]
    arm.inject("PUT", "/pipelines/pl_extra_0$", "500", times=50)

    report = deploy(clients, target(), many, parallelism=1)

    assert [s.name for s in report.by_status(FAILED)] == ["pl_extra_0"]
    # the failing call and its retries (4 attempts: azure-core retries a status 3 times), nothing after it
    assert arm.count("PUT", "/pipelines/") == arm.count("PUT", "/pipelines/pl_extra_0$") == 4
    assert {s.name for s in report.by_status(NOT_APPLIED)} == {
        "pl_controller", "pl_extra_1", "pl_extra_2", "pl_extra_3", "pl_extra_4", "pl_refresh", "pl_worker", "tr_daily"}


def test_a_put_whose_answer_is_lost_after_all_retries_is_reported_unknown_not_failed(arm, clients):
    deployed(arm, clients)
    arm.inject("PUT", "/pipelines/pl_worker$", "drop_after", times=50)  # applied every time, never answered

    report = deploy(clients, target(), replace(sample_resources(), "pl_worker", description="v2"))

    (step,) = [s for s in report.steps if s.name == "pl_worker"]
    assert step.status == UNKNOWN and not report.by_status(FAILED) and not report.ok
    assert "cannot reach Azure Resource Manager (ServiceResponseError)" in step.message
    out = io.StringIO()
    print_report(report, out)
    assert "UNKNOWN     put pipeline pl_worker: unknown (the change may have landed; re-run to converge)" in \
        out.getvalue()
    assert arm.resource(FACTORY, "pipelines", "pl_worker")["properties"]["description"] == "v2"  # it did land


def test_when_one_of_two_trigger_stops_fails_the_other_is_restarted_and_the_failure_reported(arm, clients):
    hourly = Resource("trigger", "tr_hourly", managed({
        "type": "ScheduleTrigger",
        "pipelines": [{"pipelineReference": {"referenceName": "pl_refresh", "type": "PipelineReference"}}],
        "typeProperties": {"recurrence": {"frequency": "Hour", "interval": 1}}}))
    deployed(arm, clients, sample_resources() + [hourly])
    arm.clear_log()
    changed = replace(replace(sample_resources() + [hourly], "tr_daily", description="v2"), "tr_hourly", description="v2")
    # the stop of tr_hourly lands but its answer is lost (so it is stopped), and starting it fails
    arm.inject("POST", "/triggers/tr_hourly/stop$", "drop_after", times=50)
    arm.inject("POST", "/triggers/tr_hourly/start$", "500", times=50)

    report = deploy(clients, target(), changed)

    status = {(s.operation, s.name): s.status for s in report.steps}
    assert status[("stop", "tr_daily")] == DONE and status[("start", "tr_daily")] == DONE
    assert status[("stop", "tr_hourly")] != DONE and status[("start", "tr_hourly")] == FAILED
    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"] == "Started"
    assert arm.count("PUT") == 0  # nothing was published after the failed stop
    assert report.restart_failures == ["tr_hourly"]
    out = io.StringIO()
    print_report(report, out)
    assert "TRIGGERS LEFT STOPPED" in out.getvalue()
    assert (f"az datafactory trigger start --subscription {SUB} --resource-group {RG} --factory-name {FACTORY} "
            "--name tr_hourly") in out.getvalue()


def test_grants_run_after_the_puts_and_before_any_trigger_starts(arm, clients):
    seen = []

    def grant():
        seen.append((arm.count("PUT"), arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"]))
        return []

    report = deployed(arm, clients, grant=grant)

    assert seen == [(7, "Stopped")]
    assert [s.operation for s in report.steps][-2:] == ["grant", "start"]
    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"] == "Started"


def test_a_failed_grant_starts_no_new_trigger_but_restores_the_stopped_ones(arm, clients):
    def failing_grant():
        raise AdfgenError("factory 'adf-test-dev' has no managed identity")

    first = deploy(clients, target(), sample_resources(), grant=failing_grant)

    assert not first.ok and [s.status for s in first.steps if s.operation == "grant"] == [FAILED]
    assert [(s.operation, s.status) for s in first.steps if s.kind == "trigger"] == [("put", DONE),
                                                                                    ("start", NOT_APPLIED)]
    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"] == "Stopped"

    deployed(arm, clients)  # now started; an update stops it, and a failed grant must start it again
    report = deploy(clients, target(), replace(sample_resources(), "tr_daily", description="v2"), grant=failing_grant)

    assert not report.ok and report.restart_failures == []
    assert arm.resource(FACTORY, "triggers", "tr_daily")["properties"]["runtimeState"] == "Started"


def test_deploy_refuses_to_take_over_an_unmanaged_resource_unless_adopt(arm, clients):
    arm.put_resource(FACTORY, "pipelines", "pl_worker", {"activities": [], "annotations": ["team-x"]})

    plan = make_plan(clients, target(), sample_resources())
    (item,) = plan.takeovers()
    assert (item.kind, item.name, item.action, item.to_json()["takesOver"]) == ("pipeline", "pl_worker", UPDATE, True)
    with pytest.raises(AdfgenError, match=r"take over 1 live resource.*\n  pipeline pl_worker\n.*--adopt"):
        deploy(clients, target(), sample_resources())
    assert arm.count("PUT") == arm.count("POST") == 0  # refused before any change

    deployed(arm, clients, adopt=True)

    assert arm.resource(FACTORY, "pipelines", "pl_worker")["properties"]["annotations"] == ["adfgen"]
    assert not make_plan(clients, target(), sample_resources()).takeovers()  # managed from now on
