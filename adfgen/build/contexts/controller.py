"""The controller's context: refresh once, then the workers in slots (or lanes) bounded by the API's concurrency."""

from __future__ import annotations

from typing import Any

from adfgen.build import activity_names as act
from adfgen.build import fragments as fx
from adfgen.build.contexts.common import ANNOTATIONS, CONTROLLER_FOLDER, DEFAULT_WATERMARK, worker_units
from adfgen.core.wording import plural
from adfgen.spec.model import Api, Endpoint


SWITCH_CASES = 25  # cases one Switch takes (documented; adfgen/core/adf_limits.py row switch.cases)


def uses_slots(api: Api) -> bool:
    """Whether the controller hands workers to slots (a queue) rather than fixed lanes.

    Fixed lanes are chains of workers chosen before any endpoint's size is known, and ADF's own ForEach deals items to
    fixed queues too (observed; the runtime models it), so uneven endpoints leave lanes idle while one still pages.
    A slot pipeline with `concurrency: lanes` started once per endpoint lets ADF's run queue hand the next endpoint to
    whichever slot frees first ("additional pipeline runs are queued until earlier ones complete", documented:
    https://learn.microsoft.com/azure/data-factory/concepts-pipelines-activities#pipeline-json). Pacing holds as with
    lanes: at most `lanes` slot runs overlap, so they fall into `lanes` chains of runs that never overlap (interval
    graph colouring), each chain a lane of `fragments.request_interval_millis`. Only worth it with more endpoints than
    lanes, and only as many as one Switch takes (25, documented), well under the 100 queued runs per pipeline
    (azure-resource-manager/management/azure-subscription-service-limits#data-factory-limits on learn.microsoft.com)."""
    roots = sum(1 for e in api.endpoints if e.parent is None)
    return api.lanes < roots and len(api.endpoints) <= SWITCH_CASES


def _worker_parameters(endpoint: Endpoint, watermark: str) -> dict[str, Any]:
    parameters: dict[str, Any] = {"BatchId": fx.expression("pipeline().RunId")}
    if endpoint.incremental:
        parameters["Watermark"] = fx.expression(watermark)
    return parameters


def slot_context(api: Api, name: str, workers: list[tuple[Endpoint, str]], stateful: bool = False) -> dict[str, Any]:
    """The slot pipeline: one worker run, chosen by its Endpoint parameter; `lanes` such runs at once, the rest
    queued (pipeline concurrency, documented)."""
    params: dict[str, Any] = {"Endpoint": {"type": "String"}, "BatchId": {"type": "String", "defaultValue": ""}}
    if any(e.incremental for e, _ in workers):
        params["Watermark"] = {"type": "String", "defaultValue": "" if stateful else DEFAULT_WATERMARK}
    cases = []
    for endpoint, worker in workers:
        parameters = {"BatchId": fx.expression("pipeline().parameters.BatchId")}
        if endpoint.incremental:
            parameters["Watermark"] = fx.expression("pipeline().parameters.Watermark")
        if endpoint.parent is None:
            # evaluated once this slot run has started, i.e. after the run that freed the slot ended: no request of
            # the slot is later, so the worker's first Copy waits only what is left of the interval (issue 9).
            # A child's fan-out pipeline takes no PacedFrom: its per-parent workers wait a whole interval.
            parameters["PacedFrom"] = fx.expression("utcNow()")
        cases.append({"value": endpoint.name, "activity": act.run(endpoint.name), "pipeline": worker,
                      "parameters": parameters})
    return {
        "name": name, "folder": CONTROLLER_FOLDER, "annotations": ANNOTATIONS, "lanes": api.lanes,
        "description": f"Runs one {api.name} worker, chosen by Endpoint; at most {api.lanes} at once (the API allows "
                       f"{api.rate_limit.concurrent_requests} concurrent requests), further runs queue for a slot",
        "parameters": params, "cases": cases,
        "unknown_message": fx.expression("concat('No worker for endpoint ', pipeline().parameters.Endpoint)"),
    }


def _slot_runs(workers: list[tuple[Endpoint, str]], first: list[dict[str, Any]], slot: str) -> list[dict[str, Any]]:
    """Every worker's run in the slot pipeline: a root's after the refresh, a child's after its parent's."""
    runs = []
    for endpoint, _ in workers:
        # Completed, not Succeeded: a failed worker must not stop the rest; a child reads what its parent landed
        depends = ([{"activity": act.run(endpoint.parent.endpoint), "dependencyConditions": ["Completed"]}]
                   if endpoint.parent else first)
        parameters = {"Endpoint": endpoint.name, **_worker_parameters(endpoint, "pipeline().parameters.Watermark")}
        runs.append({"activity": act.run(endpoint.name), "pipeline": slot, "depends": depends,
                     "parameters": parameters})
    return runs


def _lane_runs(api: Api, workers: list[tuple[Endpoint, str]], first: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every worker's run in fixed lanes: sequential chains, each starting after the refresh."""
    by_name = {e.name: (e, w) for e, w in workers}
    lane_units: list[list[Endpoint]] = [[] for _ in range(api.lanes)]
    # largest units first, each to the shortest lane; a parent and its children share a lane, in that order
    units = [unit for unit in worker_units(api) if unit[0].name in by_name]  # a group runs only its own workers
    for unit in sorted(units, key=len, reverse=True):
        min(lane_units, key=len).extend(unit)
    runs = []
    for lane in lane_units:
        previous = None
        for endpoint in lane:
            activity = act.run(endpoint.name)
            # Completed, not Succeeded: a failed worker must not stop the rest of its lane
            depends = ([{"activity": previous, "dependencyConditions": ["Completed"]}] if previous else
                       first)
            parameters = _worker_parameters(endpoint, "pipeline().parameters.Watermark")
            if endpoint.parent is None:
                # evaluated as this Execute Pipeline starts, after the lane's previous worker completed: no request of
                # this lane is later, so the worker's first Copy waits only what is left of the interval (issue 9).
                # A child's fan-out pipeline takes no PacedFrom: its per-parent workers wait a whole interval.
                parameters["PacedFrom"] = fx.expression("utcNow()")
            runs.append({"activity": activity, "pipeline": by_name[endpoint.name][1], "depends": depends,
                         "parameters": parameters})
            previous = activity
    return runs


def _failure_check(workers: list[tuple[Endpoint, str]]) -> dict[str, Any]:
    """The final check's expressions: whether any worker failed, and which ones (in spec order)."""
    in_spec_order = [e.name for e, _ in workers]
    statuses = [f"activity({fx.quote_literal(act.run(endpoint))}).Status" for endpoint in in_spec_order]
    failed_names = [f"if(equals({status}, 'Failed'), {fx.quote_literal(endpoint + ' ')}, '')"
                    for status, endpoint in zip(statuses, in_spec_order)]
    return {
        "any_failed": fx.expression(f"contains(createArray({', '.join(statuses)}), 'Failed')"),
        "fail_message": fx.expression(
            f"concat('Workers failed: ', trim({fx.concat(*failed_names) if len(failed_names) > 1 else failed_names[0]}))"),
    }


def controller_context(api: Api, name: str, refresh: str | None, workers: list[tuple[Endpoint, str]],
                       stateful: bool = False, slot: str | None = None) -> dict[str, Any]:
    """Workers in `lanes` at once: never more copies at once than the API allows.

    With `slot` (see `uses_slots`), every root endpoint's run starts after the refresh and a child's after its
    parent's, each in the slot pipeline, whose concurrency queues all but `lanes` of them. Without, fixed lanes:
    sequential chains of workers.
    With `stateful` (a state sink exists) each incremental worker keeps its own watermark; the controller only
    passes its Watermark parameter on (empty: each worker's stored value; a value: a backfill for all).
    """
    # no refresh pipeline when the linked service fetches the token itself (client_credentials_native)
    first = [{"activity": act.REFRESH_TOKEN, "dependencyConditions": ["Succeeded"]}] if refresh else []
    runs = _slot_runs(workers, first, slot) if slot else _lane_runs(api, workers, first)
    params: dict[str, Any] = {}
    if stateful:
        params["Watermark"] = {"type": "String", "defaultValue": ""}
    elif any(e.incremental for e, _ in workers):
        params["Watermark"] = {"type": "String", "defaultValue": DEFAULT_WATERMARK}
    return {
        "name": name, "api": api.name, "folder": CONTROLLER_FOLDER, "annotations": ANNOTATIONS,
        "description": (f"Refreshes the {api.name} token, then runs its" if refresh else f"Runs the {api.name} API's")
                       + f" {plural(len(workers), 'worker')} in "
                       + (f"{plural(api.lanes, 'slot')}, each taking the next worker as it frees up" if slot
                          else plural(api.lanes, "lane"))
                       + f" (the API allows {api.rate_limit.concurrent_requests} concurrent requests); "
                       "fails if any worker failed.",
        "parameters": params, "refresh_pipeline": refresh, "runs": runs,
        # every worker directly, so each one whose Status the check reads is an immediate dependency
        "check_depends": [{"activity": run["activity"], "dependencyConditions": ["Completed"]} for run in runs],
        **_failure_check(workers),
    }
