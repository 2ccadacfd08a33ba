"""Spec model → render jobs: names, references, and which template renders what with which context."""

from __future__ import annotations

from adfgen.build.contexts.auth import plan_auth, plan_shared_rest
from adfgen.build.contexts.common import (
    ArmBinding,
    FactoryPlan,
    Names,
    RenderJob,
    resolve_sink,
    state_sink,
)
from adfgen.build.contexts.controller import slot_context, uses_slots
from adfgen.build.contexts.controller_groups import controller_jobs
from adfgen.build.contexts.sinks import plan_sink
from adfgen.build.contexts.triggers import trigger_jobs
from adfgen.build.contexts.watermark import state_base_url
from adfgen.spec.placeholders import names_in
from adfgen.build.contexts.worker import fanout_contexts, worker_context
from adfgen.spec.model import Api, FactoryConfig

__all__ = ["ArmBinding", "FactoryPlan", "Names", "RenderJob", "plan_factory"]


def plan_factory(config: FactoryConfig, apis: list[Api]) -> FactoryPlan:
    """Plan every resource of one factory: shared REST and sink resources, then per API."""
    plan = FactoryPlan(config=config)
    names = Names(config)
    plan.bind("keyVaultUrl", config.key_vault_url, {"defaultValue"})
    plan_shared_rest(plan, names, apis)
    used_sinks: dict[str, set[str]] = {}
    for api in apis:
        for endpoint in api.endpoints:
            sink_name = resolve_sink(config, api, endpoint)
            used_sinks.setdefault(sink_name, set()).add(config.sinks[sink_name].dataset_kind)
            if any(e.parent and e.parent.endpoint == endpoint.name for e in api.endpoints):
                used_sinks[sink_name].add("csv")  # its children read its keys back from small CSV files
    store = state_sink(config)
    if store and any(e.incremental for api in apis for e in api.endpoints):
        used_sinks.setdefault(store, set()).add("json")  # watermarks are small JSON files, whatever the format
    for sink_name in sorted(used_sinks):
        plan_sink(plan, names, sink_name, used_sinks[sink_name])
    for api in sorted(apis, key=lambda a: a.name):
        _plan_api(plan, names, api)
    return plan


def _plan_api(plan: FactoryPlan, names: Names, api: Api) -> None:
    controller = names.pipeline(f"{api.name}_controller")
    limit = api.rate_limit.concurrent_requests
    first_job = len(plan.jobs)
    auth = plan_auth(plan, names, api)  # the refresh pipeline, or the API's own REST linked service

    base_urls: dict[str, str] = {}
    workers = []
    for endpoint in api.endpoints:
        worker = names.pipeline(f"{api.name}_{endpoint.name}")
        base_url = endpoint.base_url or api.base_url
        if base_url not in base_urls and not names_in(base_url):  # one holding an identity value is an expression
            base_urls[base_url] = "baseUrl" if not base_urls else f"{endpoint.name}_baseUrl"
        if endpoint.parent:
            # no Until inside a ForEach: list the parent's files, one pipeline per file, one chunk loop per record
            per_file, per_parent = f"{worker}_file", f"{worker}_pages"
            fanout, file_ctx = fanout_contexts(plan, names, api, endpoint, worker, per_file, per_parent)
            plan.jobs.append(RenderJob("pipeline", worker, "pipeline/fanout.json.jinja", fanout))
            plan.jobs.append(RenderJob("pipeline", per_file, "pipeline/parent_file.json.jinja", file_ctx))
            ctx = worker_context(plan, names, api, endpoint, per_parent, auth, per_parent=True)
            plan.jobs.append(RenderJob("pipeline", per_parent, "pipeline/worker.json.jinja", ctx))
            plan.concurrency_limits.update({per_file: limit, per_parent: limit})
        else:
            ctx = worker_context(plan, names, api, endpoint, worker, auth)
            plan.jobs.append(RenderJob("pipeline", worker, "pipeline/worker.json.jinja", ctx))
        plan.concurrency_limits[worker] = limit
        workers.append((endpoint, worker))

    stateful = any(e.incremental for e in api.endpoints) and state_base_url(plan, api) is not None
    slot = names.pipeline(f"{api.name}_slot") if uses_slots(api) else None
    if slot:  # lanes that balance: a queue of worker runs, `lanes` at once (issue 9)
        plan.jobs.append(RenderJob("pipeline", slot, "pipeline/slot.json.jinja",
                                   slot_context(api, slot, workers, stateful)))
        plan.concurrency_limits[slot] = limit
    for job in controller_jobs(api, controller, auth.refresh, workers, stateful, slot,
                               lambda number: names.pipeline(f"{api.name}_controller_{number}")):
        plan.jobs.append(job)  # the controller, and its groups when one pipeline would break ADF's limits
        plan.concurrency_limits[job.name] = limit
    plan.jobs += trigger_jobs(names, api, controller, auth.refresh, stateful=stateful)
    _bind_urls(plan, api, base_urls, stateful, {job.name for job in plan.jobs[first_job:]})


def _bind_urls(plan: FactoryPlan, api: Api, base_urls: dict[str, str], stateful: bool, resources: set[str]) -> None:
    """The API's URLs (base URLs, token URL, state URL) as properties of its one object ARM parameter."""
    parameter = f"{api.name}_urls"
    for url, member in base_urls.items():
        plan.bind_member(parameter, member, url, {"BaseUrl"}, resources)
    # the refresh pipeline's token POST, or a native client-credentials linked service's token endpoint
    plan.bind_member(parameter, "tokenUrl", api.auth.token_url, {"url", "tokenEndpoint"}, resources)
    if stateful:
        plan.bind_member(parameter, "stateUrl", state_base_url(plan, api), {"defaultValue"}, resources)
