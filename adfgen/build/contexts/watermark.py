"""Per-endpoint watermarks: each incremental worker reads its own state blob and writes it after its window landed."""

from __future__ import annotations

from typing import Any

from adfgen.build import activity_names as act
from adfgen.build import fragments as fx
from adfgen.build.contexts.common import DEFAULT_WATERMARK, FactoryPlan, Names, state_sink
from adfgen.build.contexts.sinks import file_lookup
from adfgen.spec.model import Api, Endpoint

SYNC_START = "SyncStart"
STORAGE_AUTH = {"type": "MSI", "resource": "https://storage.azure.com/"}
# the override for backfills wins; else the stored value; a missing state file (the first run) means "everything"
STORED = f"coalesce({act.output(act.READ_WATERMARK)}?.firstRow?.watermark, '{DEFAULT_WATERMARK}')"
EFFECTIVE = f"if(empty(pipeline().parameters.Watermark), {STORED}, pipeline().parameters.Watermark)"


def state_base_url(plan: FactoryPlan, api: Api) -> str | None:
    """`https://<account>.blob.core.windows.net/<container>/<api>/_state/`, or None without a file sink."""
    store = state_sink(plan.config)
    if not store:
        return None
    sink = plan.config.sinks[store]
    return f"{sink.blob_endpoint()}{sink.container}/{api.name}/_state/"


def endpoint_watermark(plan: FactoryPlan, names: Names, api: Api, endpoint: Endpoint) -> dict[str, Any] | None:
    """How one incremental worker keeps its watermark, or None (not incremental, or no file sink for state)."""
    base = state_base_url(plan, api)
    if endpoint.incremental is None or base is None:
        return None
    store = state_sink(plan.config)
    sink = plan.config.sinks[store]
    new_value = (f"formatDateTime(addSeconds(variables('{SYNC_START}'), -{endpoint.incremental.lookback}), "
                 "'yyyy-MM-ddTHH:mm:ssZ')")
    return {
        "lookup": file_lookup(names, store, sink, f"{api.name}/_state", f"{endpoint.name}.json", "json"),
        "base_url": base,
        "url": fx.expression(fx.concat("pipeline().parameters.StateUrl", fx.quote_literal(f"{endpoint.name}.json"))),
        "body": fx.expression(fx.concat("'{\"watermark\":\"'", new_value, "'\"}'")),
        "effective": EFFECTIVE,
        "sync_start": SYNC_START,
        "storage_auth": STORAGE_AUTH,
    }
