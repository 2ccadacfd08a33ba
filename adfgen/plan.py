"""Spec model → render jobs: names, references, and which template renders what with which context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from adfgen import fragments as fx
from adfgen.spec.model import Api, Endpoint, FactoryConfig, FileSink, Schedule, SqlSink
from adfgen.spec.semantics import PLACEHOLDER

ANNOTATIONS = ["adfgen"]
CONTROLLER_FOLDER = "Controller Pipelines"
WORKER_FOLDER = "Worker Pipelines"
DATASET_FOLDER = "adfgen"
DEFAULT_WATERMARK = "1900-01-01T00:00:00Z"
BATCH_ID = "if(empty(pipeline().parameters.BatchId), pipeline().RunId, pipeline().parameters.BatchId)"
_FREQUENCY_SECONDS = {"Minute": 60, "Hour": 3600, "Day": 86400, "Week": 604800, "Month": 2678400}


@dataclass(frozen=True)
class RenderJob:
    """One resource to render: its kind, name, template file and context."""

    kind: str
    name: str
    template: str
    context: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class ArmBinding:
    """An environment-specific value that becomes an ARM template parameter wherever it appears under `keys`."""

    parameter: str
    value: str
    keys: frozenset[str] | None = None  # None: any key


@dataclass
class FactoryPlan:
    """Everything needed to render and write one factory."""

    config: FactoryConfig
    jobs: list[RenderJob] = field(default_factory=list)
    arm_bindings: list[ArmBinding] = field(default_factory=list)
    secret_names: set[str] = field(default_factory=set)
    concurrency_limits: dict[str, int] = field(default_factory=dict)


class Names:
    """Resource names from the factory's naming patterns."""

    def __init__(self, config: FactoryConfig):
        self.naming = config.naming

    def linked_service(self, base: str) -> str:
        """Linked service name for `base`."""
        return self.naming.linked_service.format(name=base)

    def dataset(self, base: str) -> str:
        """Dataset name for `base`."""
        return self.naming.dataset.format(name=base)

    def pipeline(self, base: str) -> str:
        """Pipeline name for `base`."""
        return self.naming.pipeline.format(name=base)

    def trigger(self, base: str) -> str:
        """Trigger name for `base`."""
        return self.naming.trigger.format(name=base)


def plan_factory(config: FactoryConfig, apis: list[Api]) -> FactoryPlan:
    """Plan every resource of one factory: shared REST and sink resources, then per API."""
    plan = FactoryPlan(config=config)
    names = Names(config)
    plan.arm_bindings.append(ArmBinding("keyVaultUrl", config.key_vault_url, frozenset({"defaultValue"})))
    ir = config.integration_runtime
    rest_ls, rest_ds = names.linked_service("rest"), names.dataset("rest")
    plan.jobs.append(RenderJob("linkedService", rest_ls, "linkedService/rest.json.jinja",
                               {"name": rest_ls, "integration_runtime": ir, "annotations": ANNOTATIONS}))
    plan.jobs.append(RenderJob("dataset", rest_ds, "dataset/rest.json.jinja",
                               {"name": rest_ds, "linked_service": rest_ls, "folder": DATASET_FOLDER,
                                "annotations": ANNOTATIONS}))
    used_sinks: dict[str, set[str]] = {}
    for api in apis:
        for endpoint in api.endpoints:
            sink_name = _sink_name(config, api, endpoint)
            used_sinks.setdefault(sink_name, set()).add(_sink_dataset_kind(config.sinks[sink_name]))
    for sink_name in sorted(used_sinks):
        _plan_sink(plan, names, sink_name, used_sinks[sink_name])
    for api in sorted(apis, key=lambda a: a.name):
        _plan_api(plan, names, api)
    return plan


def _sink_name(config: FactoryConfig, api: Api, endpoint: Endpoint) -> str:
    return endpoint.sink or api.sink or config.default_sink or next(iter(sorted(config.sinks)))


def _sink_dataset_kind(sink: FileSink | SqlSink) -> str:
    return sink.format if isinstance(sink, FileSink) else "table"


def _plan_sink(plan: FactoryPlan, names: Names, sink_name: str, dataset_kinds: set[str]) -> None:
    sink = plan.config.sinks[sink_name]
    ls = names.linked_service(sink_name)
    ctx = {"name": ls, "sink": sink.model_dump(by_alias=True), "integration_runtime": plan.config.integration_runtime,
           "annotations": ANNOTATIONS}
    plan.jobs.append(RenderJob("linkedService", ls, f"linkedService/{sink.type}.json.jinja", ctx))
    if isinstance(sink, SqlSink):
        connection = _sql_connection_string(sink)
        ctx["connection_string"] = connection
        plan.arm_bindings.append(ArmBinding(f"{ls}_connectionString", connection, frozenset({"connectionString"})))
    else:
        key = "url" if sink.type == "adls_gen2" else "serviceEndpoint"
        plan.arm_bindings.append(ArmBinding(f"{ls}_properties_typeProperties_{key}", sink.account_url,
                                            frozenset({key})))
        plan.arm_bindings.append(ArmBinding(f"{sink_name}_container", sink.container,
                                            frozenset({"fileSystem", "container"})))
    for kind in sorted(dataset_kinds):
        ds = names.dataset(f"{sink_name}_{kind}")
        template = "dataset/sql_table.json.jinja" if kind == "table" else f"dataset/{kind}_file.json.jinja"
        location = None
        if isinstance(sink, FileSink):
            location = {"type": "AzureBlobFSLocation" if sink.type == "adls_gen2" else "AzureBlobStorageLocation",
                        "container_key": "fileSystem" if sink.type == "adls_gen2" else "container",
                        "container": sink.container}
        plan.jobs.append(RenderJob("dataset", ds, template, {
            "name": ds, "linked_service": ls, "location": location, "folder": DATASET_FOLDER,
            "annotations": ANNOTATIONS}))


def _sql_connection_string(sink: SqlSink) -> str:
    # no credentials: the factory's managed identity signs in
    return (f"Data Source=tcp:{sink.server},1433;Initial Catalog={sink.database};Encrypt=True;"
            "Connection Timeout=30")


def _plan_api(plan: FactoryPlan, names: Names, api: Api) -> None:
    config = plan.config
    refresh = names.pipeline(f"{api.name}_refresh")
    controller = names.pipeline(f"{api.name}_controller")
    limit = api.rate_limit.concurrent_requests
    secrets = api.secrets
    for role in ("client_id", "client_secret", "refresh_token", "access_token", "username", "password"):
        if getattr(secrets, role):
            plan.secret_names.add(getattr(secrets, role))
    plan.secret_names.update(i.secret for i in secrets.identity)
    plan.jobs.append(RenderJob("pipeline", refresh, "pipeline/refresh.json.jinja",
                               _refresh_context(config, api, refresh)))
    plan.concurrency_limits[refresh] = 1

    units = _worker_units(api)
    lanes = max(1, min(limit, len(units)))
    base_urls: dict[str, str] = {}
    workers = []
    for endpoint in api.endpoints:
        worker = names.pipeline(f"{api.name}_{endpoint.name}")
        base_url = endpoint.base_url or api.base_url
        if base_url not in base_urls:
            base_urls[base_url] = f"{api.name}_baseUrl" if not base_urls else f"{api.name}_{endpoint.name}_baseUrl"
        ctx = _worker_context(plan, names, api, endpoint, worker, refresh, lanes)
        plan.jobs.append(RenderJob("pipeline", worker, "pipeline/worker.json.jinja", ctx))
        plan.concurrency_limits[worker] = limit
        workers.append((endpoint, worker))
    for url, parameter in base_urls.items():
        plan.arm_bindings.append(ArmBinding(parameter, url, frozenset({"BaseUrl"})))

    plan.jobs.append(RenderJob("pipeline", controller, "pipeline/controller.json.jinja",
                               _controller_context(api, controller, refresh, workers, lanes, names)))
    plan.concurrency_limits[controller] = limit
    incremental = [e.incremental for e in api.endpoints if e.incremental]
    trigger_params = {}
    if incremental:
        lookback = _schedule_seconds(api.schedule) + max(i.lookback for i in incremental)
        trigger_params["Watermark"] = fx.expression(
            f"formatDateTime(addSeconds(trigger().scheduledTime, -{lookback}), 'yyyy-MM-ddTHH:mm:ssZ')")
    schedule = names.trigger(f"{api.name}_schedule")
    plan.jobs.append(RenderJob("trigger", schedule, "trigger/schedule.json.jinja", {
        "name": schedule, "pipeline": controller, "parameters": trigger_params,
        "recurrence": _recurrence(api.schedule), "annotations": ANNOTATIONS,
        "description": f"Runs the {api.name} controller on schedule"}))
    if api.auth.flow == "authorization_code":
        keep_alive = names.trigger(f"{api.name}_keepalive")
        plan.jobs.append(RenderJob("trigger", keep_alive, "trigger/schedule.json.jinja", {
            "name": keep_alive, "pipeline": refresh, "parameters": {},
            "recurrence": _recurrence(api.keep_alive or _default_keep_alive(api)), "annotations": ANNOTATIONS,
            "description": f"Rotates the {api.name} refresh token so that an unused one never expires"}))


def _default_keep_alive(api: Api) -> Schedule:
    """Weekly, or a quarter of the refresh token's lifetime when that is shorter."""
    days = 7
    if api.auth.refresh_token_lifetime:
        days = max(1, min(7, api.auth.refresh_token_lifetime // 86400 // 4))
    return Schedule(frequency="Day", interval=days, start_time="2024-01-01T03:00:00Z")


def _schedule_seconds(schedule: Schedule) -> int:
    return _FREQUENCY_SECONDS[schedule.frequency] * schedule.interval


def _recurrence(schedule: Schedule) -> dict[str, Any]:
    recurrence: dict[str, Any] = {"frequency": schedule.frequency, "interval": schedule.interval,
                                  "startTime": schedule.start_time, "timeZone": schedule.time_zone}
    plan = {k: v for k, v in (("hours", schedule.hours), ("minutes", schedule.minutes)) if v is not None}
    if plan:
        recurrence["schedule"] = plan
    return recurrence


def _read_secret(activity: str, secret: str) -> dict[str, str]:
    return {"activity": activity, "secret": secret}


def _refresh_context(config: FactoryConfig, api: Api, name: str) -> dict[str, Any]:
    auth, secrets = api.auth, api.secrets
    version = config.key_vault_api_version
    reads = [_read_secret("Get Client Id", secrets.client_id)]
    if secrets.client_secret:
        reads.append(_read_secret("Get Client Secret", secrets.client_secret))
    if auth.flow == "authorization_code":
        reads.append(_read_secret("Get Refresh Token", secrets.refresh_token))
    if auth.flow == "password":
        reads += [_read_secret("Get Username", secrets.username), _read_secret("Get Password", secrets.password)]
    client_id, client_secret = fx.secret_value("Get Client Id"), fx.secret_value("Get Client Secret")

    fields: list[tuple[str, str | None]] = []
    if auth.flow == "authorization_code":
        fields += [("grant_type=refresh_token", None), ("refresh_token", fx.secret_value("Get Refresh Token"))]
    elif auth.flow == "client_credentials":
        fields.append(("grant_type=client_credentials", None))
    else:
        fields += [("grant_type=password", None), ("username", fx.secret_value("Get Username")),
                   ("password", fx.secret_value("Get Password"))]
    if auth.scopes and auth.flow != "authorization_code":
        fields.append((fx.form_pair("scope", " ".join(auth.scopes)), None))
    fields += [(fx.form_pair(k, v), None) for k, v in sorted(auth.token_params.items())]
    headers: dict[str, Any] = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if auth.client_auth == "basic" and secrets.client_secret:
        headers["Authorization"] = fx.basic_auth_header(client_id, client_secret)
    else:
        fields.append(("client_id", client_id))
        if secrets.client_secret:
            fields.append(("client_secret", client_secret))

    token = "activity('Request Token').output"
    # A retried POST re-sends the old refresh token: safe only where the API accepts it again for a while
    retry_request = 1 if (not auth.rotating_refresh_tokens or auth.refresh_token_reuse_grace > 0
                          or auth.flow != "authorization_code") else 0
    save_refresh = None
    if auth.flow == "authorization_code":
        new_refresh = f"coalesce({token}?.refresh_token, {fx.secret_value('Get Refresh Token')})"
        save_refresh = {"url": fx.key_vault_secret_url(secrets.refresh_token, version),
                        "body": fx.secret_put_body(new_refresh)}
    expires_at = f"add({fx.UNIX_NOW}, int(coalesce({token}?.expires_in, {auth.access_token_lifetime})))"
    save_access = {"url": fx.key_vault_secret_url(secrets.access_token, version),
                   "body": fx.secret_put_body(f"{token}.access_token", expires_at),
                   "after": "Save Refresh Token" if save_refresh else "Request Token"}
    return {
        "name": name, "api": api.name, "folder": CONTROLLER_FOLDER, "annotations": ANNOTATIONS,
        "description": f"Refreshes the {api.name} access token{' and rotates the refresh token' if save_refresh else ''}"
                       " in Key Vault. concurrency 1: two runs must never rotate the same token at once.",
        "key_vault_url": config.key_vault_url, "vault_auth": fx.MSI_VAULT_AUTH,
        "reads": [dict(r, url=fx.key_vault_secret_url(r["secret"], version)) for r in reads],
        "token_url": fx.literal(auth.token_url), "token_headers": headers, "token_body": fx.form_body(fields),
        "retry_request": retry_request, "save_refresh": save_refresh, "save_access": save_access,
    }


def _worker_units(api: Api) -> list[list[Endpoint]]:
    """Endpoints grouped so that children run right after their parent, in the spec's order."""
    children: dict[str, list[Endpoint]] = {}
    for endpoint in api.endpoints:
        if endpoint.parent:
            children.setdefault(endpoint.parent.endpoint, []).append(endpoint)
    return [[e] + children.get(e.name, []) for e in api.endpoints if e.parent is None]


def _relative_url(endpoint: Endpoint, query: list[str], child_key_expr: str | None,
                  watermark: tuple[str, str] | None) -> Any:
    """The Copy's RelativeUrl: a literal, or an expression when it carries a parent key or a watermark."""
    pairs = [fx.form_pair(k, str(v).lower() if isinstance(v, bool) else str(v))
             for k, v in sorted(endpoint.query.items())] + query
    path = endpoint.path
    if child_key_expr is None and watermark is None:
        return fx.literal(path + fx.query_string(pairs))
    parts: list[str] = []
    if child_key_expr is not None:
        before, after = PLACEHOLDER.split(path, maxsplit=1)[0], PLACEHOLDER.split(path, maxsplit=1)[2]
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


def _worker_context(plan: FactoryPlan, names: Names, api: Api, endpoint: Endpoint, name: str, refresh: str,
                    lanes: int) -> dict[str, Any]:
    config = plan.config
    version = config.key_vault_api_version
    sink_name = _sink_name(config, api, endpoint)
    sink = config.sinks[sink_name]
    pagination = endpoint.pagination or api.pagination
    query, rules = fx.pagination(pagination, endpoint.records_path)
    incremental = endpoint.incremental
    watermark = (f"formatDateTime(pipeline().parameters.Watermark, {fx.quote_literal(incremental.format)})"
                 if incremental else None)
    child_key = f"item()[{fx.quote_literal(endpoint.parent.key)}]" if endpoint.parent else None

    headers: dict[str, Any] = {}
    for key, value in sorted({**api.headers, **endpoint.headers}.items()):
        headers[key] = fx.literal(value)
    headers[api.auth.token_header.name] = fx.token_header(api.auth.token_header.scheme,
                                                          fx.secret_value("Get Access Token"))
    identity_reads = []
    for identity in api.secrets.identity:
        activity = f"Get {identity.header}"
        identity_reads.append({"activity": activity, "url": fx.key_vault_secret_url(identity.secret, version)})
        headers[identity.header] = fx.expression(fx.secret_value(activity))
    if incremental and incremental.header:
        headers[incremental.header] = fx.expression(watermark)
    watermark_query = (incremental.query_param, watermark) if incremental and incremental.query_param else None
    relative_url = _relative_url(endpoint, query, child_key, watermark_query)

    rate = endpoint.rate_limit or api.rate_limit
    folder_template = (endpoint.folder or sink.folder) if isinstance(sink, FileSink) else None
    sink_ctx = _sink_context(names, sink_name, sink, api, endpoint, folder_template, child_key)
    fanout = None
    if endpoint.parent:
        parent = next(e for e in api.endpoints if e.name == endpoint.parent.endpoint)
        parent_sink_name = _sink_name(config, api, parent)
        parent_sink = config.sinks[parent_sink_name]
        parent_folder = (parent.folder or parent_sink.folder).format(api=api.name, endpoint=parent.name)
        fanout = {
            "lookup_dataset": names.dataset(f"{parent_sink_name}_{parent_sink.format}"),
            "source_type": "JsonSource" if parent_sink.format == "json" else "ParquetSource",
            "read_settings": "AzureBlobFSReadSettings" if parent_sink.type == "adls_gen2"
            else "AzureBlobStorageReadSettings",
            "format_settings": {"type": "JsonReadSettings"} if parent_sink.format == "json" else None,
            "folder_path": fx.expression(fx.concat(fx.quote_literal(parent_folder + "/"), BATCH_ID)),
            "file_name": f"{parent.name}.{parent_sink.format}",
            "parent": parent.name,
        }
    params: dict[str, Any] = {
        "KeyVaultUrl": {"type": "String", "defaultValue": config.key_vault_url},
        "BatchId": {"type": "String", "defaultValue": ""},
    }
    if incremental:
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
        "request_interval": fx.request_interval(rate.requests_per_minute,
                                                lanes if not endpoint.rate_limit else rate.concurrent_requests),
        "translator": _translator(endpoint, sink),
        "sink": sink_ctx,
        "fanout": fanout,
    }


def _translator(endpoint: Endpoint, sink: FileSink | SqlSink) -> dict[str, Any] | None:
    """Land one row per record: cross-apply the records array (children read their parent's keys from it)."""
    if endpoint.records_path is None:
        return None
    translator: dict[str, Any] = {"type": "TabularTranslator",
                                  "collectionReference": fx.collection_reference(endpoint.records_path)}
    if not (isinstance(sink, FileSink) and sink.format == "json"):
        translator["mapComplexValuesToString"] = True
    return translator


def _sink_context(names: Names, sink_name: str, sink: FileSink | SqlSink, api: Api, endpoint: Endpoint,
                  folder_template: str | None, child_key: str | None) -> dict[str, Any]:
    if isinstance(sink, SqlSink):
        table = (endpoint.table or sink.table).format(api=api.name, endpoint=endpoint.name)
        return {"kind": "table", "dataset": names.dataset(f"{sink_name}_table"),
                "parameters": {"SchemaName": sink.schema_name, "TableName": table},
                "copy_sink": {"type": "AzureSqlSink", "writeBehavior": "insert", "sqlWriterUseTableLock": False,
                              "tableOption": "autoCreate"}}
    folder = folder_template.format(api=api.name, endpoint=endpoint.name)
    extension = sink.format
    if child_key:
        file_name = fx.expression(fx.concat(fx.quote_literal(f"{endpoint.name}_"),
                                            f"string({child_key})", fx.quote_literal(f".{extension}")))
    else:
        file_name = f"{endpoint.name}.{extension}"
    write_settings = {"type": "AzureBlobFSWriteSettings" if sink.type == "adls_gen2"
                      else "AzureBlobStorageWriteSettings"}
    if sink.format == "json":
        copy_sink = {"type": "JsonSink", "storeSettings": write_settings,
                     "formatSettings": {"type": "JsonWriteSettings", "filePattern": "setOfObjects"}}
    else:
        copy_sink = {"type": "ParquetSink", "storeSettings": write_settings,
                     "formatSettings": {"type": "ParquetWriteSettings"}}
    return {"kind": sink.format, "dataset": names.dataset(f"{sink_name}_{sink.format}"),
            "parameters": {"FolderPath": fx.expression(fx.concat(fx.quote_literal(folder + "/"), BATCH_ID)),
                           "FileName": file_name},
            "copy_sink": copy_sink}


def _controller_context(api: Api, name: str, refresh: str, workers: list[tuple[Endpoint, str]], lanes: int,
                        names: Names) -> dict[str, Any]:
    """Workers in `lanes` sequential lanes: never more copies at once than the API allows."""
    by_name = {e.name: (e, w) for e, w in workers}
    lane_units: list[list[Endpoint]] = [[] for _ in range(lanes)]
    # largest units first, each to the shortest lane; a parent and its children share a lane, in that order
    for unit in sorted(_worker_units(api), key=len, reverse=True):
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
    if any(e.incremental for e, _ in workers):
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
