"""A worker pipeline's context: token reads, refresh near expiry, the Copy (or its fan-out over parent keys)."""

from __future__ import annotations

from typing import Any

from adfgen.build import activity_names as act
from adfgen.build import fragments as fx
from adfgen.build.contexts.auth import ApiAuth
from adfgen.build.contexts.common import (
    ANNOTATIONS,
    BATCH_ID,
    DEFAULT_WATERMARK,
    WORKER_FOLDER,
    FactoryPlan,
    Names,
    resolve_sink,
)
from adfgen.build.contexts.sinks import file_lookup, keys_sink, records_translator, sink_context
from adfgen.build.contexts.watermark import SYNC_START, endpoint_watermark
from adfgen.build.contexts.request import request_context, worker_values
from adfgen.core import token_lifetime
from adfgen.core.wording import plural
from adfgen.spec.model import Api, Endpoint


CHUNK_VARIABLES = {
    "PagesDone": {"type": "String", "defaultValue": "0"},  # pages landed so far (chunks that succeeded)
    "ChunkStart": {"type": "String", "defaultValue": "0"},  # PagesDone when this chunk started (no self-reference)
    "ChunkPages": {"type": "String", "defaultValue": "1"},  # pages this chunk may request
    "Failures": {"type": "Array", "defaultValue": []},  # consecutive failed attempts of the current chunk
    "Failure": {"type": "String", "defaultValue": ""},  # why the worker gives up; ends the loop
    "Done": {"type": "Boolean", "defaultValue": False},  # the API said the last page
}


def _chunking(api: Api, endpoint: Endpoint, pagination: Any, where: str, token_in_vault: bool = True) -> dict[str, Any]:
    """The Until loop's expressions: chunk size from the token's life, advance, cap probe, retries with backoff."""
    resumable = pagination.resumable
    cap = pagination.request_cap
    seconds = fx.page_seconds(*api.copy_rate(endpoint), api.request_timeout)
    token_left = (f"sub(sub(int(coalesce({act.output(act.GET_ACCESS_TOKEN)}?.attributes?.exp, 0)), {fx.UNIX_NOW}), "
                  f"{api.auth.refresh_margin})")
    if not token_in_vault:  # the linked service fetches a token as each Copy starts (assumed): a whole lifetime
        token_left = str(max(0, api.auth.access_token_lifetime - api.auth.refresh_margin))
    if resumable:
        # pages the token still covers, at most what the cap leaves; at the cap, one page probes whether more exist
        by_token = f"div({token_left}, {seconds})"
        size = pagination.records_per_page()
        if size and any(e.parent and e.parent.endpoint == endpoint.name for e in api.endpoints):
            # a parent's files are read back whole by one Lookup, which fails the run at 5,000 rows (it may have
            # dropped some): fewer than 5,000 records each
            by_token = f"min({by_token}, {max(1, (LOOKUP_ROWS - 1) // size)})"
        pages = f"string(max(1, min({by_token}, sub({cap}, int(variables('PagesDone'))))))"
    else:
        pages = f"string({cap})"  # a cursor cannot be resumed: one Copy pages it all (the build checked the token)
    advanced = "add(int(variables('ChunkStart')), int(variables('ChunkPages')))"
    retries = api.retry.attempts
    cap_message = (f"{where} reached its request cap of {plural(cap, 'page')} (max_requests) and the API has more: "
                   "stopped instead of landing a truncated window; the watermark is not moved. Raise max_requests "
                   "or page_size.")
    unfinished = (f"{where} did not finish (the loop timed out or its token steps kept failing); "
                  "the watermark is not moved")
    return {
        "resumable": resumable,
        "variables": CHUNK_VARIABLES,
        "until": fx.expression("or(variables('Done'), not(empty(variables('Failure'))))"),
        "pages": fx.expression(pages),
        # a chunk that copied no row started past the last page: the window is complete
        # (a non-resumable copy pages everything at once: done once it succeeded)
        "finished": fx.expression(f"equals({act.output(act.COPY_CHUNK)}.rowsCopied, 0)" if resumable
                                  else "bool('true')"),
        "advance": fx.expression(f"string({advanced})"),
        "cap_failure": fx.expression(
            f"if(greaterOrEquals(int(variables('ChunkStart')), {cap}), {fx.quote_literal(cap_message)}, '')"),
        "give_up": fx.expression(f"greater(length(variables('Failures')), {retries})"),
        "give_up_message": fx.expression(fx.concat(
            fx.quote_literal(f"{where}: the chunk of pages from page "), "string(add(int(variables('PagesDone')), 1))",
            fx.quote_literal(f" failed {retries + 1} times (the copy's error is in its activity run); "
                             "the watermark is not moved")),),
        "backoff": fx.expression(f"mul({api.retry.backoff}, length(variables('Failures')))"),
        "outcome_failed": fx.expression("or(not(variables('Done')), not(empty(variables('Failure'))))"),
        "outcome_message": fx.expression(f"if(empty(variables('Failure')), {fx.quote_literal(unfinished)}, "
                                         "variables('Failure'))"),
    }


def _refresh_below(api: Api, endpoint: Endpoint, pagination: Any) -> int:
    """Seconds of token life below which a pass refreshes first: the margin, plus the whole copy when it cannot be
    cut into chunks (the build refused pagination that one token cannot cover)."""
    if pagination.resumable:
        return api.auth.refresh_margin
    pages = pagination.request_cap
    return api.auth.refresh_margin + pages * fx.page_seconds(*api.copy_rate(endpoint), api.request_timeout)


def _parameters(config: Any, state: dict[str, Any] | None, incremental: bool, per_parent: bool) -> dict[str, Any]:
    """The worker's parameters: vault, batch, parent key, pacing, and the watermark where it has one."""
    params: dict[str, Any] = {
        "KeyVaultUrl": {"type": "String", "defaultValue": config.key_vault_url},
        "BatchId": {"type": "String", "defaultValue": ""},
    }
    if per_parent:
        params["ParentKey"] = {"type": "String"}
    # when this worker's lane last sent a request (at the latest); empty: unknown, so its first Copy waits a whole
    # interval (the controller passes it; fan-out callers do not)
    params["PacedFrom"] = {"type": "String", "defaultValue": ""}
    if state:
        # empty: the stored watermark; a value overrides it (backfills)
        params["Watermark"] = {"type": "String", "defaultValue": ""}
        params["StateUrl"] = {"type": "String", "defaultValue": state["base_url"]}
    elif incremental:
        params["Watermark"] = {"type": "String", "defaultValue": DEFAULT_WATERMARK}
    return params


def _loop_start(chunking: dict[str, Any], reads: list[dict[str, Any]], state: dict[str, Any] | None,
                incremental: bool) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The pipeline's variables and what the chunk loop waits for (identity reads, the window's start)."""
    variables = dict(chunking["variables"])
    variables["LastCopyEnd"] = {"type": "String", "defaultValue": ""}  # set after each Copy Chunk (pacing, issue 9)
    if incremental:  # the window's end ({watermark_end}) and, with state, the next watermark
        variables[SYNC_START] = {"type": "String"}
    depends = [{"activity": r["activity"], "dependencyConditions": ["Succeeded"]} for r in reads]
    if incremental:
        depends.append({"activity": act.NOTE_SYNC_START, "dependencyConditions": ["Succeeded"]})
    if state:
        # a missing state file (the first run) fails the Lookup: that means "from the beginning"
        depends.append({"activity": act.READ_WATERMARK, "dependencyConditions": ["Completed"]})
    return variables, depends


def worker_context(plan: FactoryPlan, names: Names, api: Api, endpoint: Endpoint, name: str,
                   auth: ApiAuth, per_parent: bool = False) -> dict[str, Any]:
    """Context for pipeline/worker.json.jinja: the chunk loop for one endpoint (one parent key with `per_parent`)."""
    config = plan.config
    sink_name = resolve_sink(config, api, endpoint)
    sink = config.sinks[sink_name]
    pagination = endpoint.pagination or api.pagination
    incremental = endpoint.incremental is not None
    state = endpoint_watermark(plan, names, api, endpoint)
    child_key = "pipeline().parameters.ParentKey" if per_parent else None
    values = worker_values(api, endpoint, (state["effective"] if state else "pipeline().parameters.Watermark")
                           if incremental else None, f"variables('{SYNC_START}')" if incremental else None, child_key)
    request = request_context(api, endpoint, values, auth.token_in_vault, config.key_vault_api_version)
    chunking = _chunking(api, endpoint, pagination, f"endpoint {api.name}.{endpoint.name}", auth.token_in_vault)
    variables, loop_depends = _loop_start(chunking, request["identity_reads"], state, incremental)
    return {
        "name": name, "api": api.name, "endpoint": endpoint.name, "folder": WORKER_FOLDER,
        # the lifetime its chunks and caps were sized for, so that `adfgen check` judges them by it (DS005)
        "annotations": [*ANNOTATIONS, token_lifetime.annotation(api.auth.access_token_lifetime)],
        "parameters": _parameters(config, state, incremental, per_parent),
        "variables": variables, "loop_depends": loop_depends,
        "description": f"Copies {api.name} {endpoint.path} into {sink_name}"
                       + (f" for one {endpoint.parent.endpoint} record" if per_parent else "")
                       + ", in chunks of pages that one access token covers",
        "vault_auth": fx.MSI_VAULT_AUTH,
        "access_token_url": fx.key_vault_secret_url(api.secrets.access_token, config.key_vault_api_version)
        if auth.token_in_vault else None,
        "near_expiry": fx.expression(
            f"less(int(coalesce({act.output(act.READ_TOKEN_EXPIRY)}?.attributes?.exp, 0)), "
            f"add({fx.UNIX_NOW}, {_refresh_below(api, endpoint, pagination)}))"),
        "refresh_pipeline": auth.refresh,
        "rest_dataset": auth.rest_dataset,
        **request,
        "request_interval": fx.request_interval(*api.copy_rate(endpoint)),
        "pace_copy": fx.expression(fx.copy_start_wait(
            *api.copy_rate(endpoint),
            "if(empty(variables('LastCopyEnd')), pipeline().parameters.PacedFrom, variables('LastCopyEnd'))")),
        "request_timeout": fx.timespan(api.request_timeout),
        "translator": records_translator(endpoint, sink),
        "sink": sink_context(names, sink_name, sink, api, endpoint, child_key, chunked=True),
        "watermark": state,
        "sync_start": SYNC_START if incremental else None,
        "chunk": chunking,
    }


LOOKUP_ROWS = 5000  # Lookup returns at most 5,000 rows, silently (documented)
FOREACH_ITEMS = 100000  # ForEach takes at most 100,000 items (documented)


def fanout_contexts(plan: FactoryPlan, names: Names, api: Api, endpoint: Endpoint, name: str, per_file: str,
                    per_parent: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Contexts for pipeline/fanout.json.jinja (list the parent's files) and pipeline/parent_file.json.jinja (one
    file's records, one chunk loop each)."""
    config = plan.config
    parent = next(e for e in api.endpoints if e.name == endpoint.parent.endpoint)
    parent_sink_name = resolve_sink(config, api, parent)
    parent_sink = config.sinks[parent_sink_name]
    parent_folder = (parent.folder or parent_sink.folder).format(api=api.name, endpoint=parent.name)
    folder = fx.expression(fx.concat(fx.quote_literal(parent_folder + "/"), BATCH_ID))
    listing = file_lookup(names, parent_sink_name, parent_sink, folder, "")
    common = {"KeyVaultUrl": {"type": "String", "defaultValue": config.key_vault_url},
              "BatchId": {"type": "String", "defaultValue": ""}}
    if endpoint.incremental:
        common["Watermark"] = {"type": "String", "defaultValue": ""}
    passed = {"KeyVaultUrl": fx.expression("pipeline().parameters.KeyVaultUrl"), "BatchId": fx.expression(BATCH_ID)}
    if endpoint.incremental:
        passed["Watermark"] = fx.expression("pipeline().parameters.Watermark")
    fanout = {
        "name": name, "folder": WORKER_FOLDER, "annotations": ANNOTATIONS, "parameters": common,
        "description": f"Copies {api.name} {endpoint.path} once per {parent.name} record: lists {parent.name}'s "
                       "files, then runs " + per_file + " for each",
        "lookup": listing, "parent": parent.name, "per_file": per_file, "foreach_limit": FOREACH_ITEMS,
        "files_message": fx.expression(fx.concat(
            fx.quote_literal(f"{api.name}.{endpoint.name}: {parent.name} landed "),
            f"string(length({act.output(act.LIST_PARENT_FILES)}.childItems))",
            fx.quote_literal(f" files, more than a ForEach takes ({FOREACH_ITEMS}): stopped instead of skipping "
                             "the rest"))),
        "file_parameters": {**passed, "FileName": fx.expression("item().name")},
    }
    keys = _keys_copy(names, api, endpoint, parent_sink_name, parent_sink, folder)
    keys_folder, keys_file = keys["folder_path"], keys["file_name"]
    per_file_ctx = {
        "name": per_file, "folder": WORKER_FOLDER, "annotations": ANNOTATIONS,
        "parameters": {**common, "FileName": {"type": "String"}},
        "description": f"Runs {per_parent} once per {parent.name} record of one file",
        "lookup": file_lookup(names, parent_sink_name, parent_sink, keys_folder, keys_file, "csv"),
        "keys": keys, "parent": parent.name, "per_parent": per_parent,
        "limit_message": fx.expression(fx.concat(
            fx.quote_literal(f"{api.name}.{endpoint.name}: {parent.name} file "), "pipeline().parameters.FileName",
            fx.quote_literal(f" holds {LOOKUP_ROWS} or more records, more than one Lookup returns: stopped instead of "
                             "skipping the rest"))),
        "run_parameters": {**passed,
                           "ParentKey": fx.expression(f"string(item()[{fx.quote_literal(endpoint.parent.key)}])")},
    }
    return fanout, per_file_ctx


def _keys_copy(names: Names, api: Api, endpoint: Endpoint, parent_sink_name: str, parent_sink: Any,
               folder: Any) -> dict[str, Any]:
    """The Copy of one parent file's keys into a CSV file (keys only: a Lookup of whole records may pass 4 MB long
    before 5,000 rows)."""
    key = endpoint.parent.key
    return {
        "source": file_lookup(names, parent_sink_name, parent_sink, folder,
                              fx.expression("pipeline().parameters.FileName")),
        "sink": keys_sink(parent_sink), "dataset": names.dataset(f"{parent_sink_name}_csv"),
        "folder_path": fx.expression(fx.concat(fx.quote_literal(f"{api.name}/_keys/{endpoint.name}/"), BATCH_ID)),
        "file_name": fx.expression("concat(pipeline().parameters.FileName, '.csv')"),
        "translator": {"type": "TabularTranslator",
                       "mappings": [{"source": {"path": f"$[{fx.quote_literal(key)}]"}, "sink": {"name": key}}]},
    }
