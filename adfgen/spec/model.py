"""The spec model: validated, frozen pydantic models of one YAML spec file (factory config + APIs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import (Field, StringConstraints, ValidationInfo, WithJsonSchema, create_model, field_validator,
                      model_validator)

from adfgen.core.naming_rules import name_problems
from adfgen.spec.fields import (BaseUrl, Duration, EndpointTemplate, HeaderName, HttpsUrl, Name, SecretName,
                                Strict, TimeZone)
from adfgen.spec.fields import placeholders as _placeholders
from adfgen.spec.variants.auth import FLOWS
from adfgen.spec.placeholders import WatermarkFormat, constants_written
from adfgen.spec.variants.pagination import KINDS, JsonPath, Pagination, PaginationUnit  # noqa: F401 (re-exported)
from adfgen.spec.variants.sinks import Sink

# --- factory and environment config -------------------------------------------------------------

class AzureTarget(Strict):
    """Where `adfgen deploy` publishes: subscription, resource group, and the vault's resource group."""

    subscription_id: str | None = None
    resource_group: str | None = None
    location: str | None = None
    key_vault_resource_group: str | None = Field(None, description="defaults to resource_group")


# sink types are units of adfgen.spec.variants.sinks (one module each); `Sink` is their discriminated union


class Naming(Strict):
    """Name patterns per resource kind; `{name}` is the generated base name."""

    linked_service: str = "ls_{name}"
    dataset: str = "ds_{name}"
    pipeline: str = "pl_{name}"
    trigger: str = "tr_{name}"

    @field_validator("*")
    @classmethod
    def _has_placeholder(cls, value: str, info: ValidationInfo) -> str:
        _placeholders("name").func(value)
        if any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in value):  # NUL, newline...: unusable as file names
            raise ValueError("must not contain control characters (such as NUL or a line break)")
        if "{name}" not in value:
            raise ValueError("must contain {name}")
        if "{" in value.replace("{name}", "") or "}" in value.replace("{name}", ""):  # {name!r} would add quotes
            raise ValueError("only {name} may be written in braces (no conversion or format such as {name!r})")
        kind = _NAMING_KINDS[info.field_name]
        # generated base names are lower-case letters, digits and '_' starting with a letter: "x" stands for any
        problems = name_problems(kind, value.replace("{name}", "x"))
        if problems or len(value) > 100:
            raise ValueError(f"must give valid {kind} names (https://learn.microsoft.com/azure/data-factory/"
                             f"naming-rules): {'; '.join(problems or ['at most 100 characters'])}")
        return value


_NAMING_KINDS = {"linked_service": "linkedService", "dataset": "dataset", "pipeline": "pipeline",
                 "trigger": "trigger"}


class FactoryConfig(Strict):
    """One data factory and what every API in it shares: vault, sinks, integration runtime, naming."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{1,61}[A-Za-z0-9])$")]
    key_vault_url: HttpsUrl = Field(description="https://<vault>.vault.azure.net/")
    key_vault_api_version: str = "7.4"
    integration_runtime: str | None = Field(None, description="name of an integration runtime for connectVia")
    sinks: dict[Name, Sink] = Field(min_length=1)
    default_sink: Name | None = Field(None, description="required when there are several sinks")
    state_sink: Name | None = Field(None, description="file sink where controllers keep incremental watermarks; "
                                    "defaults to the default sink when it holds files, else the first file sink")
    naming: Naming = Naming()
    azure: AzureTarget = AzureTarget()
    environments: dict[Name, dict[str, Any]] = Field(
        default_factory=dict, description="per-environment overrides, deep-merged over this config by --env")

    @field_validator("integration_runtime")
    @classmethod
    def _runtime_name(cls, value: str | None) -> str | None:
        problems = name_problems("integrationRuntime", value) if value is not None else []
        if problems:
            raise ValueError(f"{problems[0]} (https://learn.microsoft.com/azure/data-factory/naming-rules)")
        return value

    @field_validator("key_vault_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @property
    def key_vault_name(self) -> str:
        """The vault's name: the first label of its host."""
        return self.key_vault_url.split("://", 1)[1].split(".", 1)[0]

    @property
    def key_vault_resource_group(self) -> str | None:
        """The vault's resource group (the factory's unless set)."""
        return self.azure.key_vault_resource_group or self.azure.resource_group


# --- one API -------------------------------------------------------------------------------------

class TokenHeader(Strict):
    """How the access token is sent: header name and scheme (empty scheme sends the bare token)."""

    name: HeaderName = "Authorization"
    scheme: str = "Bearer"


class AuthBase(Strict):
    """What every OAuth flow has; each flow's own fields come from its unit in adfgen.spec.variants.auth."""

    flow: Annotated[str, WithJsonSchema({"type": "string", "enum": FLOWS.names(),
                                         "description": "the OAuth flow (see the README's auth-flow table)"})]
    token_url: HttpsUrl
    scopes: list[str] = []
    access_token_lifetime: Duration = Field(3600, description="fallback when the token reply has no expires_in")

    @field_validator("flow", mode="before")
    @classmethod
    def _known_flow(cls, value: Any) -> Any:
        if value == "implicit":
            raise ValueError(
                "the implicit flow cannot run unattended: it needs a browser for every access token and issues no "
                "refresh token; use authorization_code (with pkce: true for public clients)")
        if isinstance(value, str) and value not in FLOWS.names():
            raise ValueError(f"unknown auth flow {value!r}; expected one of: {', '.join(FLOWS.names())}")
        return value


def _auth_model() -> tuple[type[AuthBase], dict[str, tuple[str, ...]]]:
    """`Auth`: AuthBase plus every flow's own fields; and which flows use each of those fields."""
    fields: dict[str, Any] = {}
    users: dict[str, list[str]] = {}
    for name, unit in FLOWS:
        for key, (annotation, info) in unit.fields().items():
            fields.setdefault(key, (annotation, info))
            users.setdefault(key, []).append(name)
    model = create_model("Auth", __base__=AuthBase, __module__=__name__, **fields)
    model.__doc__ = "The OAuth 2.0 flow and the token endpoint's rules."
    for key, flows in users.items():  # the schema and README say which flows read each field
        info = model.model_fields[key]
        info.description = f"{info.description} (flows: {', '.join(flows)})" if info.description else \
            f"(flows: {', '.join(flows)})"
    owners = {key: tuple(flows) for key, flows in users.items()}
    # editors flag another flow's field too: per flow, `false` for each field it does not use
    model.model_config = {**model.model_config, "json_schema_extra": {"allOf": [
        {"if": {"properties": {"flow": {"const": name}}},
         "then": {"properties": {key: False for key, flows in owners.items() if name not in flows}}}
        for name in FLOWS.names()]}}
    model.model_rebuild(force=True)
    return model, owners


Auth, AUTH_FIELD_FLOWS = _auth_model()  # AUTH_FIELD_FLOWS: an auth field -> the flows that use it


PlaceholderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]


class IdentityValue(Strict):
    """A per-connection value found at login (e.g. Xero's tenant id, QuickBooks' realmId, Salesforce's
    instance_url), kept in Key Vault under `secret`; usable as `{name}` and, with `header`, sent as a header."""

    name: PlaceholderName | None = Field(
        None, description="the placeholder name, {name} in URLs, paths and queries; defaults to the secret name "
        "with '_' for '-'")
    secret: SecretName = Field(description="the Key Vault secret that holds the value")
    header: HeaderName | None = Field(None, description="send the value as this header on every request")
    source: Literal["consent_redirect", "token_reply", "connections_call"] | None = Field(
        None, alias="from", description="where `adfgen auth login` finds the value: consent_redirect (a query "
        "parameter of the consent redirect), token_reply (a field of the token reply), connections_call (a GET "
        "after consent, e.g. Xero's /connections); unset: the token reply, the redirect, then the connections call "
        "for a secret named *tenant-id")
    field: str | None = Field(None, min_length=1, description="the redirect parameter, token reply field or "
                              "connections item field to read; defaults to name (tenantId for connections_call)")
    url: HttpsUrl | None = Field(None, description="connections_call: the URL to GET with the new access token; "
                                 "defaults to https://<base_url host>/connections")
    label: str | None = Field(None, min_length=1, description="connections_call: the item field that names each "
                              "choice for --tenant and the prompt; defaults to tenantName")

    @property
    def placeholder(self) -> str:
        """The name other fields use as `{name}`."""
        return self.name or self.secret.replace("-", "_")


def _secret_flows(role: str) -> str:
    """Which flows need a secret and which may name it (a flow naming a secret it never reads is refused)."""
    needed = [name for name, unit in FLOWS if role in unit.required_secrets]
    optional = [name for name, unit in FLOWS if role in unit.optional_secrets]
    text = f"flows that need it: {', '.join(needed) or '(none)'}"
    return text + (f"; optional for: {', '.join(optional)}" if optional else "") + "; remove it for any other flow"


class Secrets(Strict):
    """Key Vault secret names (never values) for credentials and tokens."""

    client_id: SecretName | None = Field(None, description=_secret_flows("client_id"))
    client_secret: SecretName | None = Field(None, description=_secret_flows("client_secret"))
    refresh_token: SecretName | None = Field(None, description=_secret_flows("refresh_token"))
    access_token: SecretName | None = Field(None, description=_secret_flows("access_token"))
    username: SecretName | None = Field(None, description=_secret_flows("username"))
    password: SecretName | None = Field(None, description=_secret_flows("password"))
    identity: list[IdentityValue] = []


class RateLimit(Strict):
    """The API's limits for one connection."""

    requests_per_minute: int = Field(gt=0)
    concurrent_requests: int = Field(1, ge=1, le=50)


class Retry(Strict):
    """How a worker retries a failed chunk of pages: in its own loop, after a growing wait, from that chunk on."""

    attempts: int = Field(3, ge=0, le=20, description="retries of one chunk before the worker fails")
    backoff: Duration = Field(60, description="wait before the first retry; the n-th retry waits n times this")
    slow_down_statuses: list[Annotated[int, Field(ge=400, le=599)]] = Field(
        default_factory=lambda: [429], description="statuses by which the API says \"slow down\" (e.g. Salesforce's "
        "403 REQUEST_LIMIT_EXCEEDED); the REST source cannot tell them apart, so pacing keeps them rare and a "
        "failed chunk is retried after the backoff")


class Incremental(Strict):
    """The sync window: `{watermark}` (its start) and `{watermark_end}`, written where the API filters on them."""

    format: WatermarkFormat = Field("yyyy-MM-ddTHH:mm:ss", description="how {watermark} and {watermark_end} are "
                                    "written: a .NET date format (yyyy-MM-ddTHH:mm:ss), or unix / unix_ms")
    lookback: Duration = Field(3600, description="overlap added before the previous scheduled run")
    delta_link: str | None = Field(None, description="refused: a Copy cannot hand back the last page's delta link "
                                   "(see the README); filter on a timestamp with {watermark} instead")

    @model_validator(mode="before")
    @classmethod
    def _placeholders_replace_placement(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for old, example in (("header", "headers: {If-Modified-Since: '{watermark}'}"),
                                 ("query_param", "query: {updated_since: '{watermark}'}")):
                if old in value:
                    raise ValueError(f"incremental.{old} is gone: write the {{watermark}} placeholder where the API "
                                     f"reads it, e.g. {example} on the endpoint")
        return value


class ParentRef(Strict):
    """Fan out over a parent endpoint's records: `{placeholder}` in the request gets each record's `key`."""

    endpoint: Name
    key: str = Field(description="field of each parent record, e.g. projectId")
    placeholder: str | None = Field(None, description="its {placeholder} in the request; defaults to key")


class Endpoint(Strict):
    """One endpoint: one worker pipeline."""

    name: Name
    path: str = Field(description="relative to base_url, e.g. Invoices or Projects/{projectId}/Tasks; "
                      "{placeholders} as in query values")
    records_path: JsonPath | None = None
    base_url: BaseUrl | None = None
    query: dict[str, Union[str, int, bool]] = Field(
        {}, description="query parameters; values may hold {placeholders} (README: placeholders)")
    headers: dict[HeaderName, str] = Field({}, description="request headers; values may hold {placeholders}")
    method: Literal["GET", "POST"] = "GET"
    body: str | None = Field(None, description="the POST body, sent as written; {placeholders} are inserted as "
                             "they are (no paging values: ADF's rules cannot write a body)")
    pagination: Pagination | None = None
    incremental: Incremental | None = None
    parent: ParentRef | None = None
    sink: Name | None = None
    folder: EndpointTemplate | None = None
    table: EndpointTemplate | None = None
    rate_limit: RateLimit | None = None

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str) -> str:
        if value.startswith(("/", "http://", "https://")) or not value:
            raise ValueError("must be a path relative to base_url, without a leading '/'")
        return value


class Schedule(Strict):
    """A schedule trigger's recurrence."""

    frequency: Literal["Minute", "Hour", "Day", "Week", "Month"] = "Day"
    # at most int32 (assumed: ADF's SDK models the recurrence interval as a 32-bit int; a 2**64 crashed the renderer)
    interval: int = Field(1, ge=1, le=2**31 - 1)
    start_time: str = Field("2024-01-01T00:00:00Z", pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ?$",
                            description="UTC with Z, or local time without Z when time_zone is not UTC")
    time_zone: TimeZone = "UTC"
    hours: list[Annotated[int, Field(ge=0, le=23)]] | None = None
    minutes: list[Annotated[int, Field(ge=0, le=59)]] | None = None
    started: bool | None = Field(
        None, description="write runtimeState Started (true) or Stopped (false) into the trigger, so that an ARM "
        "deployment with Microsoft's script starts it; default: started for the keep-alive, unset for the schedule")

    @field_validator("start_time")
    @classmethod
    def _real_time(cls, value: str) -> str:
        try:  # the pattern admits 2024-13-45T99:00:00, which ADF refuses at deploy time
            datetime.strptime(value.removesuffix("Z"), "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise ValueError(f"{value!r} is no date and time (month 1-12, a day of that month, hour 0-23, "
                             "minutes and seconds 0-59)") from None
        return value


class Api(Strict):
    """One OAuth connection: its auth, secrets, limits, defaults and endpoints."""

    name: Name
    description: str = ""
    base_url: BaseUrl
    auth: Auth
    secrets: Secrets
    headers: dict[HeaderName, str] = Field({}, description="headers of every request; values may hold "
                                           "{placeholders}")
    params: dict[PlaceholderName, str] = Field(
        {}, description="API constants usable as {name} in URLs, paths, queries, headers and token_url "
        "(e.g. instance: acme); environments may override them")
    rate_limit: RateLimit
    request_timeout: Duration = Field(100, description="httpRequestTimeout of each page request; with the page "
                                      "pacing it sizes the chunks of pages one access token covers")
    retry: Retry = Retry()
    pagination: Pagination = Field(default_factory=lambda: KINDS.get("none")(kind="none"))
    sink: Name | None = None
    schedule: Schedule = Schedule()
    keep_alive: Schedule | None = Field(
        None, description="refresh-only trigger; defaults to weekly (or a quarter of the refresh token lifetime)")
    endpoints: list[Endpoint] = Field(min_length=1)
    environments: dict[Name, dict[str, Any]] = Field(
        default_factory=dict, description="per-environment overrides of this API's fields, deep-merged over it by "
        "--env; lists of named things (endpoints by name, secrets.identity by secret) merge item by item")

    @model_validator(mode="after")
    def _constants_in_urls(self) -> "Api":
        return constants_written(self)

    @property
    def lanes(self) -> int:
        """How many workers the controller runs at once: the concurrency limit, or fewer when fewer can start (or when
        the minute's calls cannot give each lane one)."""
        return max(1, min(self.rate_limit.concurrent_requests, sum(1 for e in self.endpoints if e.parent is None),
                          self.rate_limit.requests_per_minute))

    def copy_rate(self, endpoint: Endpoint) -> tuple[int, int]:
        """(requests per minute, copies sharing them) that pace one endpoint's Copy."""
        if endpoint.rate_limit:
            limit = endpoint.rate_limit
            return limit.requests_per_minute, min(limit.concurrent_requests, limit.requests_per_minute)
        return self.rate_limit.requests_per_minute, self.lanes


class NotSecret(Strict):
    """A value reviewed and found not to be a credential, though it looks like one: its field and fingerprint."""

    field: str = Field(description="the field path the build names, e.g. apis[0].headers.X-Request-Id")
    fingerprint: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{12}$")] = Field(
        description="the fingerprint the build shows; a changed value has another and is checked again")
    reason: Annotated[str, StringConstraints(min_length=3)] = Field(description="why it is not a secret")


class SpecFile(Strict):
    """A spec file: the factory it builds into and the APIs it lands."""

    version: Literal[1] = 1
    factory: FactoryConfig
    apis: list[Api] = Field(min_length=1)
    not_secrets: list[NotSecret] = Field(default_factory=list, description="reviewed exceptions to the check that "
                                         "refuses credential-looking values")
