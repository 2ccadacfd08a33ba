"""A worker pipeline's context: token reads, refresh near expiry, the Copy (or its fan-out over parent keys)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from adfgen import fragments as fx
from adfgen.plan.common import (
    ANNOTATIONS,
    BATCH_ID,
    DEFAULT_WATERMARK,
    WORKER_FOLDER,
    FactoryPlan,
    Names,
    resolve_sink,
)
from adfgen.plan.sinks import file_lookup, records_translator, sink_context
from adfgen.plan.watermark import endpoint_watermark
from adfgen.spec.model import Api, Endpoint, FileSink
from adfgen.spec.semantics import PLACEHOLDER


def relative_url_for(endpoint: Endpoint, query: list[str], child_key_expr: str | None,
                     watermark: tuple[str, str] | None) -> Any:
    """The Copy's RelativeUrl: a literal, or an expression when it carries a parent key or a watermark."""
    pairs = [fx.form_pair(k, str(v).lower() if isinstance(v, bool) else str(v))
             for k, v in sorted(endpoint.query.items())] + query
    path = endpoint.path
    if child_key_expr is None and watermark is None:
        return fx.literal(path + fx.query_string(pairs))
    parts: list[str] = []
    if child_key_expr is not None:
        before, _, after = PLACEHOLDER.split(path, maxsplit=1)
        parts += [fx.quote_literal(before), f"uriComponent(string({child_key_expr}))"]
        tail = after
    else:
        tail = path
    tail += fx.query_string(pairs)
    if watermark is not None:
        param, value_expr = watermark
        tail += ("&" if pairs else "?") + f"{quote(param, safe='')}="
        parts += [fx.quote_literal(tail), f"uriComponent({value_expr})"]
    else:
        parts.append(fx.quote_literal(tail))
    return fx.expression(fx.concat(*[p for p in parts if p != "''"]))


def worker_context(plan: FactoryPlan, names: Names, api: Api, endpoint: Endpoint, name: str,
                   refresh: str) -> dict[str, Any]:
    """Context for pipeline/worker.json.jinja."""
    config = plan.config
    version = config.key_vault_api_version
    sink_name = resolve_sink(config, api, endpoint)
    sink = config.sinks[sink_name]
    pagination = endpoint.pagination or api.pagination
    query, rules = fx.pagination(pagination, endpoint.records_path)
    incremental = endpoint.incremental
    state = endpoint_watermark(plan, names, api, endpoint)
    watermark_value = state["effective"] if state else "pipeline().parameters.Watermark"
    watermark = (f"formatDateTime({watermark_value}, {fx.quote_literal(incremental.format)})"
                 if incremental else None)
    child_key = f"item()[{fx.quote_literal(endpoint.parent.key)}]" if endpoint.parent else None

    static: dict[str, tuple[str, str]] = {}  # header names are case-insensitive: the endpoint's override the API's
    for key, value in list(api.headers.items()) + list(endpoint.headers.items()):
        static[key.lower()] = (key, value)
    headers: dict[str, Any] = {key: fx.literal(value) for key, value in sorted(static.values())}
    headers[api.auth.token_header.name] = fx.token_header(api.auth.token_header.scheme,
                                                          fx.secret_value("Get Access Token"))
    identity_reads = []
    for identity in api.secrets.identity:
        activity = f"Get {identity.secret}"  # secret names are safe in activity names; header names may not be
        identity_reads.append({"activity": activity, "url": fx.key_vault_secret_url(identity.secret, version)})
        headers[identity.header] = fx.expression(fx.secret_value(activity))
    if incremental and incremental.header:
        headers[incremental.header] = fx.expression(watermark)
    watermark_query = (incremental.query_param, watermark) if incremental and incremental.query_param else None
    relative_url = relative_url_for(endpoint, query, child_key, watermark_query)

    folder_template = (endpoint.folder or sink.folder) if isinstance(sink, FileSink) else None
    sink_ctx = sink_context(names, sink_name, sink, api, endpoint, folder_template, child_key)
    fanout = None
    if endpoint.parent:
        parent = next(e for e in api.endpoints if e.name == endpoint.parent.endpoint)
        parent_sink_name = resolve_sink(config, api, parent)
        parent_sink = config.sinks[parent_sink_name]
        parent_folder = (parent.folder or parent_sink.folder).format(api=api.name, endpoint=parent.name)
        fanout = file_lookup(names, parent_sink_name, parent_sink,
                             fx.expression(fx.concat(fx.quote_literal(parent_folder + "/"), BATCH_ID)),
                             f"{parent.name}.{parent_sink.format}")
        fanout["parent"] = parent.name
    params: dict[str, Any] = {
        "KeyVaultUrl": {"type": "String", "defaultValue": config.key_vault_url},
        "BatchId": {"type": "String", "defaultValue": ""},
    }
    if state:
        # empty: the stored watermark; a value overrides it (backfills)
        params["Watermark"] = {"type": "String", "defaultValue": ""}
        params["StateUrl"] = {"type": "String", "defaultValue": state["base_url"]}
    elif incremental:
        params["Watermark"] = {"type": "String", "defaultValue": DEFAULT_WATERMARK}
    return {
        "name": name, "api": api.name, "endpoint": endpoint.name, "folder": WORKER_FOLDER,
        "annotations": ANNOTATIONS, "parameters": params,
        "description": f"Copies {api.name} {endpoint.path} into {sink_name}"
                       + (f", once per {endpoint.parent.endpoint} record" if endpoint.parent else ""),
        "vault_auth": fx.MSI_VAULT_AUTH,
        "access_token_url": fx.key_vault_secret_url(api.secrets.access_token, version),
        "near_expiry": fx.expression(
            f"less(int(coalesce(activity('Read Token Expiry').output?.attributes?.exp, 0)), "
            f"add({fx.UNIX_NOW}, {api.auth.refresh_margin}))"),
        "refresh_pipeline": refresh,
        "identity_reads": identity_reads,
        "rest_dataset": names.dataset("rest"),
        "base_url": endpoint.base_url or api.base_url,
        "relative_url": relative_url,
        "headers": headers,
        "pagination_rules": rules,
        "request_interval": fx.request_interval(*api.copy_rate(endpoint)),
        "translator": records_translator(endpoint, sink),
        "sink": sink_ctx,
        "fanout": fanout,
        "watermark": state,
    }
