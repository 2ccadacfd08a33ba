"""A controller too big for one pipeline becomes a chain of group pipelines, each within ADF's limits.

One controller runs every worker of an API and then checks them all in one expression. Past about a hundred
endpoints that breaks two documented limits (120 activities per pipeline, 8,192 characters per expression:
adfgen.core.adf_limits), and ADF would refuse to publish it. So the workers are packed, in spec order and with each
parent and its children together, into group pipelines that each fit; the controller refreshes the token once and
runs the groups one after another (Completed: a failed group does not stop the next), so no more than the API's
lanes ever copy at once, and fails at the end naming the groups that failed (each group's own error names its
workers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adfgen.build import activity_names as act
from adfgen.build import fragments as fx
from adfgen.build.contexts.common import BATCH_ID, RenderJob, worker_units
from adfgen.build.contexts.controller import controller_context
from adfgen.core import adf_limits
from adfgen.core.wording import plural
from adfgen.spec.model import Api, Endpoint

TEMPLATE = "pipeline/controller.json.jinja"
# activities a controller adds to its runs: the refresh, the check and its Fail
OVERHEAD = 3


def controller_jobs(api: Api, name: str, refresh: str | None, workers: list[tuple[Endpoint, str]], stateful: bool,
                    slot: str | None, group_name: Callable[[int], str]) -> list[RenderJob]:
    """The controller's render jobs: itself alone when it fits in one pipeline, else itself and its groups."""
    whole = controller_context(api, name, refresh, workers, stateful, slot)
    if slot or _fits(whole):
        return [RenderJob("pipeline", name, TEMPLATE, whole)]
    by_name = {endpoint.name: (endpoint, worker) for endpoint, worker in workers}
    groups: list[list[tuple[Endpoint, str]]] = [[]]
    for unit in worker_units(api):
        members = [by_name[endpoint.name] for endpoint in unit]
        if groups[-1] and not _fits(controller_context(api, "group", None, groups[-1] + members, stateful)):
            groups.append([])
        groups[-1].extend(members)
    grouped = {endpoint.name for group in groups for endpoint, _ in group}
    assert grouped == set(by_name), "every worker is in exactly one group"
    # a group that still does not fit (one parent with more children than a pipeline holds) is kept as it is:
    # the build's limit check then refuses the factory instead of dropping workers
    jobs = [RenderJob("pipeline", group_name(number), TEMPLATE,
                      _group_context(api, group_name(number), group, stateful, number, len(groups)))
            for number, group in enumerate(groups, start=1)]
    top = _top_context(api, name, refresh, [job.name for job in jobs], whole)
    return [RenderJob("pipeline", name, TEMPLATE, top), *jobs]


def _fits(context: dict[str, Any]) -> bool:
    """Whether a controller context stays within ADF's activity and expression limits."""
    activities = len(context["runs"]) + OVERHEAD
    longest = max(len(context["any_failed"]["value"]), len(context["fail_message"]["value"]))
    return activities <= adf_limits.value("pipeline.activities") and longest <= adf_limits.value("expression.length")


def _group_context(api: Api, name: str, workers: list[tuple[Endpoint, str]], stateful: bool, number: int,
                   count: int) -> dict[str, Any]:
    """One group: its workers in lanes, no refresh (the controller's came first), the controller's batch id."""
    context = controller_context(api, name, None, workers, stateful)
    for run in context["runs"]:
        run["parameters"]["BatchId"] = fx.expression(BATCH_ID)
    context["parameters"] = {"BatchId": {"type": "String", "defaultValue": ""}, **context["parameters"]}
    context["description"] = (f"Group {number} of {count} of the {api.name} controller: runs {plural(len(workers), 'worker')} in "
                              f"{plural(api.lanes, 'lane')} after the controller refreshed the token; fails if any failed.")
    return context


def _top_context(api: Api, name: str, refresh: str | None, groups: list[str], whole: dict[str, Any]) -> dict[str, Any]:
    """The controller: refresh once, then each group in turn, then fail if any group failed."""
    runs, previous = [], None
    for group in groups:
        activity = act.run(group)
        depends = ([{"activity": previous, "dependencyConditions": ["Completed"]}] if previous else
                   [{"activity": act.REFRESH_TOKEN, "dependencyConditions": ["Succeeded"]}] if refresh else [])
        parameters: dict[str, Any] = {"BatchId": fx.expression("pipeline().RunId")}
        if "Watermark" in whole["parameters"]:
            parameters["Watermark"] = fx.expression("pipeline().parameters.Watermark")
        runs.append({"activity": activity, "pipeline": group, "depends": depends, "parameters": parameters})
        previous = activity
    statuses = [f"activity({fx.quote_literal(run['activity'])}).Status" for run in runs]
    failed = [f"if(equals({status}, 'Failed'), {fx.quote_literal(run['pipeline'] + ' ')}, '')"
              for status, run in zip(statuses, runs)]
    return {
        **whole,
        "description": f"Refreshes the {api.name} token once, then runs its {plural(len(whole['runs']), 'worker')} in "
                       f"{len(groups)} groups one after another (one pipeline would break ADF's limits), each in "
                       f"{plural(api.lanes, 'lane')}; fails if any group failed.",
        "runs": runs,
        "check_depends": [{"activity": run["activity"], "dependencyConditions": ["Completed"]} for run in runs],
        "any_failed": fx.expression(f"contains(createArray({', '.join(statuses)}), 'Failed')"),
        "fail_message": fx.expression(f"concat('Worker groups failed: ', trim({fx.concat(*failed)}))"
                                      if len(failed) > 1 else f"concat('Worker groups failed: ', trim({failed[0]}))"),
    }
