"""An API's auth in the build: the secrets it names, its refresh pipeline (flows that keep the token in Key Vault)
or its own REST linked service (flows the linked service authenticates natively), and the REST dataset its Copies
read through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adfgen.build import fragments as fx
from adfgen.build.contexts.common import ANNOTATIONS, DATASET_FOLDER, FactoryPlan, Names, RenderJob
from adfgen.build.contexts.refresh import refresh_context
from adfgen.spec.model import Api
from adfgen.spec.variants.auth import ROLES, flow_of

KEY_VAULT_BASE = "key_vault"  # base name of the factory's Key Vault linked service (only when a flow needs one)


@dataclass(frozen=True)
class ApiAuth:
    """What the worker and controller need: the refresh pipeline (None: no token in Key Vault) and the dataset."""

    refresh: str | None
    rest_dataset: str

    @property
    def token_in_vault(self) -> bool:
        """Whether workers read the access token from Key Vault and send it themselves."""
        return self.refresh is not None


def native_rest_bases(api: Api) -> list[str]:
    """Base names of the linked service and dataset an API of a natively authenticating flow gets."""
    return [f"{api.name}_rest"] if flow_of(api.auth).linked_service_auth(api, KEY_VAULT_BASE) else []


def plan_shared_rest(plan: FactoryPlan, names: Names, apis: list[Api]) -> None:
    """The anonymous REST linked service and dataset, when an API sends its token itself (most flows)."""
    if all(native_rest_bases(api) for api in apis):
        return
    rest_ls, rest_ds = names.linked_service("rest"), names.dataset("rest")
    plan.jobs.append(RenderJob("linkedService", rest_ls, "linkedService/rest.json.jinja", {
        "name": rest_ls, "integration_runtime": plan.config.integration_runtime, "annotations": ANNOTATIONS}))
    plan.jobs.append(RenderJob("dataset", rest_ds, "dataset/rest.json.jinja", {
        "name": rest_ds, "linked_service": rest_ls, "folder": DATASET_FOLDER, "annotations": ANNOTATIONS}))


def plan_auth(plan: FactoryPlan, names: Names, api: Api) -> ApiAuth:
    """Record the API's secrets and plan its refresh pipeline or its own REST linked service and dataset."""
    flow, secrets = flow_of(api.auth), api.secrets
    plan.secret_names.update(getattr(secrets, role) for role in ROLES if getattr(secrets, role))
    plan.secret_names.update(i.secret for i in secrets.identity)
    plan.written_secret_names.update(getattr(secrets, role) for role in flow.secrets_written(api))
    refresh = None
    if flow.stores_token:
        refresh = names.pipeline(f"{api.name}_refresh")
        plan.jobs.append(RenderJob("pipeline", refresh, "pipeline/refresh.json.jinja",
                                   refresh_context(plan.config, api, refresh)))
        plan.concurrency_limits[refresh] = 1
    key_vault = names.linked_service(KEY_VAULT_BASE)
    native = flow.linked_service_auth(api, key_vault)
    if native is None:
        return ApiAuth(refresh, names.dataset("rest"))
    _plan_key_vault(plan, key_vault)
    linked_service, dataset = names.linked_service(f"{api.name}_rest"), names.dataset(f"{api.name}_rest")
    auth = {k: fx.literal(v) if isinstance(v, str) else v for k, v in native.items()}
    plan.jobs.append(RenderJob("linkedService", linked_service, "linkedService/rest.json.jinja", {
        "name": linked_service, "integration_runtime": plan.config.integration_runtime, "annotations": ANNOTATIONS,
        "auth": auth, "description": f"REST linked service of {api.name}: authenticates with {flow.name}"}))
    plan.jobs.append(RenderJob("dataset", dataset, "dataset/rest.json.jinja", {
        "name": dataset, "linked_service": linked_service, "folder": DATASET_FOLDER, "annotations": ANNOTATIONS}))
    return ApiAuth(refresh, dataset)


def _plan_key_vault(plan: FactoryPlan, name: str) -> None:
    """The factory's Key Vault linked service, once: linked services read secrets through it."""
    if any(job.kind == "linkedService" and job.name == name for job in plan.jobs):
        return
    context: dict[str, Any] = {"name": name, "base_url": plan.config.key_vault_url, "annotations": ANNOTATIONS}
    plan.jobs.append(RenderJob("linkedService", name, "linkedService/key_vault.json.jinja", context))
    plan.bind("keyVaultUrl", plan.config.key_vault_url, {"baseUrl"}, {name})
