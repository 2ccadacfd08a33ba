"""The controller's context: refresh once, then the workers in lanes bounded by the API's concurrency."""

from __future__ import annotations

from typing import Any

from adfgen import fragments as fx
from adfgen.plan.common import ANNOTATIONS, CONTROLLER_FOLDER, DEFAULT_WATERMARK, worker_units
from adfgen.spec.model import Api, Endpoint


def controller_context(api: Api, name: str, refresh: str, workers: list[tuple[Endpoint, str]],
                       stateful: bool = False) -> dict[str, Any]:
    """Workers in `lanes` sequential lanes: never more copies at once than the API allows.

    With `stateful` (a state sink exists) each incremental worker keeps its own watermark; the controller only
    passes its Watermark parameter on (empty: each worker's stored value; a value: a backfill for all).
    """
    by_name = {e.name: (e, w) for e, w in workers}
    lanes = api.lanes
    lane_units: list[list[Endpoint]] = [[] for _ in range(lanes)]
    # largest units first, each to the shortest lane; a parent and its children share a lane, in that order
    for unit in sorted(worker_units(api), key=len, reverse=True):
        min(lane_units, key=len).extend(unit)
    runs = []
    for lane in lane_units:
        previous = None
        for endpoint in lane:
            activity = f"Run {endpoint.name}"
            # Completed, not Succeeded: a failed worker must not stop the rest of its lane
            depends = ([{"activity": previous, "dependencyConditions": ["Completed"]}] if previous else
                       [{"activity": "Refresh Token", "dependencyConditions": ["Succeeded"]}])
            parameters: dict[str, Any] = {"BatchId": fx.expression("pipeline().RunId")}
            if endpoint.parent is None:
                # evaluated as this Execute Pipeline starts, after the lane's previous worker completed: no request of
                # this lane is later, so the worker's first Copy waits only what is left of the interval (issue 9).
                # A child's fan-out pipeline takes no PacedFrom: its per-parent workers wait a whole interval.
                parameters["PacedFrom"] = fx.expression("utcNow()")
            if endpoint.incremental:
                parameters["Watermark"] = fx.expression("pipeline().parameters.Watermark")
            runs.append({"activity": activity, "pipeline": by_name[endpoint.name][1], "depends": depends,
                         "parameters": parameters})
            previous = activity
    in_spec_order = [f"Run {e.name}" for e, _ in workers]
    statuses = [f"activity({fx.quote_literal(activity)}).Status" for activity in in_spec_order]
    failed_names = [f"if(equals({status}, 'Failed'), {fx.quote_literal(activity[4:] + ' ')}, '')"
                    for status, activity in zip(statuses, in_spec_order)]
    params: dict[str, Any] = {}
    if stateful:
        params["Watermark"] = {"type": "String", "defaultValue": ""}
    elif any(e.incremental for e, _ in workers):
        params["Watermark"] = {"type": "String", "defaultValue": DEFAULT_WATERMARK}
    return {
        "name": name, "api": api.name, "folder": CONTROLLER_FOLDER, "annotations": ANNOTATIONS,
        "description": f"Refreshes the {api.name} token, then runs its {len(workers)} workers in {lanes} "
                       f"lane(s) (the API allows {api.rate_limit.concurrent_requests} concurrent requests); "
                       "fails if any worker failed.",
        "parameters": params, "refresh_pipeline": refresh, "runs": runs,
        # every worker directly, so each one whose Status the check reads is an immediate dependency
        "check_depends": [{"activity": run["activity"], "dependencyConditions": ["Completed"]} for run in runs],
        "any_failed": fx.expression(f"contains(createArray({', '.join(statuses)}), 'Failed')"),
        "fail_message": fx.expression(
            f"concat('Workers failed: ', trim({fx.concat(*failed_names) if len(failed_names) > 1 else failed_names[0]}))"),
    }
