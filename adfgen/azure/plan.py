"""Read the live factory with azure-mgmt-datafactory and compute the plan against the built resources."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from adfgen.azure.clients import Clients, Target, azure_error
from adfgen.azure.diff import LiveResource, Plan, compute_plan
from adfgen.azure.ownership import claim
from adfgen.core.resources import KINDS, Resource

OPERATIONS = {"linkedService": "linked_services", "dataset": "datasets", "pipeline": "pipelines", "trigger": "triggers"}


def operations(clients: Clients, kind: str) -> Any:
    """The SDK operations group for a kind (e.g. `client.pipelines`)."""
    return getattr(clients.datafactory, OPERATIONS[kind])


def read_live(clients: Clients, target: Target) -> tuple[list[LiveResource], int]:
    """Every linked service, dataset, pipeline and trigger of the factory (all pages), and the number of list calls."""
    from azure.core.exceptions import AzureError, ResourceNotFoundError

    def list_kind(kind: str) -> tuple[list[LiveResource], int]:
        pages = operations(clients, kind).list_by_factory(target.resource_group, target.factory_name).by_page()
        found: list[LiveResource] = []
        calls = 0
        for page in pages:
            calls += 1
            for item in page:
                body = item.as_dict()
                found.append(LiveResource(kind, body["name"], body.get("properties") or {}))
        return found, calls

    where = f"factory '{target.factory_name}' in resource group '{target.resource_group}'"
    try:
        with ThreadPoolExecutor(max_workers=len(KINDS)) as pool:
            results = list(pool.map(list_kind, KINDS))
    except ResourceNotFoundError as exc:
        raise azure_error(exc, f"reading {where} (does the factory exist? adfgen deploys into an existing factory; "
                               "`deploy --create-factory` creates a missing one, and `plan --create-factory` shows "
                               "that deploy's plan)")
    except AzureError as exc:
        raise azure_error(exc, f"reading {where}")
    live = [r for found, _ in results for r in found]
    return live, sum(calls for _, calls in results)


def make_plan(clients: Clients, target: Target, source: list[Resource], *, prune: bool = False,
              start_triggers: bool = True) -> Plan:
    """Read the live factory and classify every resource."""
    live, calls = read_live(clients, target)
    # every resource deploy publishes is managed afterwards (docs/deploy.md, "Ownership"): the plan shows, and deploy
    # sends, each source resource with the "adfgen" annotation, whoever calls (CLI, --source, library)
    plan = compute_plan(claim(source), live, prune=prune, start_triggers=start_triggers)
    plan.list_calls = calls
    return plan
