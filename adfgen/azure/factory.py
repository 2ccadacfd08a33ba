"""`deploy --create-factory`: create the data factory, with a system-assigned identity, when it does not exist."""

from __future__ import annotations

from adfgen.azure.clients import Clients, Target, azure_error
from adfgen.core.errors import AdfgenError, UsageError

EXISTS, CREATED, MISSING = "exists", "created", "missing"


def factory_state(clients: Clients, target: Target) -> str:
    """EXISTS or MISSING (other errors are raised as AdfgenError)."""
    from azure.core.exceptions import AzureError, ResourceNotFoundError

    try:
        clients.datafactory.factories.get(target.resource_group, target.factory_name)
    except ResourceNotFoundError:
        return MISSING
    except AzureError as exc:
        raise azure_error(exc, f"reading factory '{target.factory_name}'")
    return EXISTS


def ensure_factory(clients: Clients, target: Target, location: str | None) -> str:
    """EXISTS, or CREATED: a new factory in `location` with its system-assigned managed identity.

    The identity is what deploy grants Key Vault access to; ADF creates it with the factory when asked
    (documented: https://learn.microsoft.com/azure/data-factory/data-factory-service-identity). An existing
    factory is never changed here (its location, identity, Git or network settings belong to its owner).
    """
    from azure.core.exceptions import AzureError

    if factory_state(clients, target) == EXISTS:
        return EXISTS
    if not location:
        raise UsageError(f"factory '{target.factory_name}' does not exist and --create-factory needs a location: "
                         "set factory.azure.location in the spec or pass --location")
    body = {"location": location, "identity": {"type": "SystemAssigned"}}
    try:
        clients.datafactory.factories.create_or_update(target.resource_group, target.factory_name, body)
    except AzureError as exc:
        raise azure_error(exc, f"creating factory '{target.factory_name}' in resource group "
                               f"'{target.resource_group}' ({location})")
    if factory_state(clients, target) != EXISTS:  # ARM answered, yet the factory cannot be read back
        raise AdfgenError(f"factory '{target.factory_name}' was created but cannot be read back")
    return CREATED
