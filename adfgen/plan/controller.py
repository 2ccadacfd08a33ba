"""The controller's context: refresh once, then the workers in lanes bounded by the API's concurrency."""

from __future__ import annotations

from typing import Any

from adfgen import fragments as fx
from adfgen.plan.common import (
    ANNOTATIONS,
    CONTROLLER_FOLDER,
    DEFAULT_WATERMARK,
    FactoryPlan,
    Names,
    state_sink,
    worker_units,
)
from adfgen.plan.sinks import blob_endpoint, file_lookup
from adfgen.spec.model import Api, Endpoint


STORED_WATERMARK = "coalesce(activity('Read Watermark').output?.firstRow?.watermark, '" + DEFAULT_WATERMARK + "')"
EFFECTIVE_WATERMARK = (f"if(empty(pipeline().parameters.Watermark), {STORED_WATERMARK}, "
                       "pipeline().parameters.Watermark)")


def watermark_state(plan: FactoryPlan, names: Names, api: Api, controller: str) -> dict[str, Any] | None:
    """Where the controller keeps the API's incremental watermark, or None (no incremental endpoint or state sink)."""
    incremental = [e.incremental for e in api.endpoints if e.incremental]
    store = state_sink(plan.config)
    if not incremental or not store:
        return None
    sink = plan.config.sinks[store]
    url = f"{blob_endpoint(sink)}{sink.container}/{api.name}/_state/watermark.json"
    plan.bind(f"{api.name}_watermarkUrl", url, {"defaultValue"}, {controller})
    return {"lookup": file_lookup(names, store, sink, f"{api.name}/_state", "watermark.json", "json"),
            "url": url, "lookback": max(i.lookback for i in incremental)}


def controller_context(api: Api, name: str, refresh: str, workers: list[tuple[Endpoint, str]],
                       watermark: dict[str, Any] | None = None) -> dict[str, Any]:
    """Workers in `lanes` sequential lanes: never more copies at once than the API allows.

    With `watermark` (a state sink exists), incremental workers get the watermark the last fully successful run
    stored (or the Watermark parameter, for backfills), and a run in which every worker succeeded stores its
    own start time, less the lookback, for the next run.
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
            if previous is None and watermark:
                # a missing watermark file (the first run) fails the Lookup: that means "from the beginning"
                depends.append({"activity": "Read Watermark", "dependencyConditions": ["Completed"]})
            parameters: dict[str, Any] = {"BatchId": fx.expression("pipeline().RunId")}
            if endpoint.incremental:
                parameters["Watermark"] = fx.expression(
                    EFFECTIVE_WATERMARK if watermark else "pipeline().parameters.Watermark")
            runs.append({"activity": activity, "pipeline": by_name[endpoint.name][1], "depends": depends,
                         "parameters": parameters})
            previous = activity
    in_spec_order = [f"Run {e.name}" for e, _ in workers]
    statuses = [f"activity({fx.quote_literal(activity)}).Status" for activity in in_spec_order]
    failed_names = [f"if(equals({status}, 'Failed'), {fx.quote_literal(activity[4:] + ' ')}, '')"
                    for status, activity in zip(statuses, in_spec_order)]
    params: dict[str, Any] = {}
    save = None
    if watermark:
        params["Watermark"] = {"type": "String", "defaultValue": ""}
        params["WatermarkUrl"] = {"type": "String", "defaultValue": watermark["url"]}
        new_value = (f"formatDateTime(addSeconds(pipeline().TriggerTime, -{watermark['lookback']}), "
                     "'yyyy-MM-ddTHH:mm:ssZ')")
        save = {"url": fx.expression("pipeline().parameters.WatermarkUrl"),
                "body": fx.expression(fx.concat("'{\"watermark\":\"'", new_value, "'\"}'"))}
    elif any(e.incremental for e, _ in workers):
        params["Watermark"] = {"type": "String", "defaultValue": DEFAULT_WATERMARK}
    return {
        "name": name, "api": api.name, "folder": CONTROLLER_FOLDER, "annotations": ANNOTATIONS,
        "description": f"Refreshes the {api.name} token, then runs its {len(workers)} workers in {lanes} "
                       f"lane(s) (the API allows {api.rate_limit.concurrent_requests} concurrent requests); "
                       "fails if any worker failed.",
        "parameters": params, "refresh_pipeline": refresh, "runs": runs,
        "watermark_lookup": watermark["lookup"] if watermark else None, "save_watermark": save,
        "storage_auth": {"type": "MSI", "resource": "https://storage.azure.com/"},
        # every worker directly, so each one whose Status the check reads is an immediate dependency
        "check_depends": [{"activity": run["activity"], "dependencyConditions": ["Completed"]} for run in runs],
        "any_failed": fx.expression(f"contains(createArray({', '.join(statuses)}), 'Failed')"),
        "fail_message": fx.expression(
            f"concat('Workers failed: ', trim({fx.concat(*failed_names) if len(failed_names) > 1 else failed_names[0]}))"),
    }
