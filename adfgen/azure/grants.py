"""Grant the factory's managed identity access to Key Vault secrets: an RBAC role or an access policy. Idempotent."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from adfgen.azure.clients import Clients, Target, azure_error
from adfgen.errors import AdfgenError

SECRETS_OFFICER_ROLE = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"  # Key Vault Secrets Officer: read and write secrets
SECRET_PERMISSIONS = ("get", "list", "set")  # the refresh pipeline writes the rotated refresh token
ROLE_ASSIGNMENT_API = "2022-04-01"
GRANTED, PRESENT = "granted", "already present"


@dataclass(frozen=True)
class Grant:
    """One permission the identity needs, and whether this run granted it or found it."""

    scope: str
    permission: str
    status: str

    def to_json(self) -> dict[str, str]:
        """A machine-readable row."""
        return {"scope": self.scope, "permission": self.permission, "status": self.status}


@dataclass(frozen=True)
class Identity:
    """The factory's managed identity."""

    principal_id: str
    tenant_id: str


def factory_identity(clients: Clients, target: Target) -> Identity:
    """The factory's system-assigned identity; a clear error when it has none."""
    from azure.core.exceptions import AzureError

    try:
        factory = clients.datafactory.factories.get(target.resource_group, target.factory_name)
    except AzureError as exc:
        raise azure_error(exc, f"reading factory '{target.factory_name}'")
    identity = getattr(factory, "identity", None)
    principal = getattr(identity, "principal_id", None) if identity else None
    if not principal:
        raise AdfgenError(
            f"factory '{target.factory_name}' has no managed identity, so it cannot be granted Key Vault access: "
            "enable its system-assigned managed identity (identity.type 'SystemAssigned' in the factory's ARM "
            "template, or Azure portal > the factory > Managed identities), or pass --skip-grants")
    return Identity(principal, identity.tenant_id or "")


def role_assignment_name(scope: str, principal_id: str, role_definition_id: str) -> str:
    """Deterministic assignment name, so a rerun PUTs the same assignment instead of a duplicate."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, scope + principal_id + role_definition_id))


def grant_key_vault_access(clients: Clients, target: Target, *, secret_names: Iterable[str] = (),
                           least_privilege: bool = False) -> list[Grant]:
    """Let the factory's identity get/list/set the vault's secrets (or, least-privilege, each named secret)."""
    from azure.core.exceptions import AzureError

    if not target.vault_name:
        raise AdfgenError("no Key Vault to grant access to: the factory config names none; pass --vault-name "
                          "or --skip-grants")
    identity = factory_identity(clients, target)
    vault_rg = target.vault_resource_group or target.resource_group
    try:
        vault = clients.keyvault.vaults.get(vault_rg, target.vault_name)
    except AzureError as exc:
        raise azure_error(exc, f"reading Key Vault '{target.vault_name}' in resource group '{vault_rg}'")
    properties = vault.properties
    try:
        if properties.enable_rbac_authorization:
            secrets = sorted(set(secret_names))
            if least_privilege and not secrets:
                raise AdfgenError("--least-privilege needs the secret names the factory uses, and there are none")
            scopes = [f"{vault.id}/secrets/{name}" for name in secrets] if least_privilege else [vault.id]
            return _assign_role(clients, target, identity, scopes)
        if least_privilege:
            raise AdfgenError(f"Key Vault '{target.vault_name}' uses access policies, which apply to the whole vault; "
                              "--least-privilege needs a vault using the Azure RBAC permission model")
        return [_add_access_policy(clients, vault_rg, target.vault_name, vault.id, identity, properties)]
    except AzureError as exc:
        raise azure_error(exc, f"granting factory '{target.factory_name}' access to Key Vault '{target.vault_name}'")


def _assign_role(clients: Clients, target: Target, identity: Identity, scopes: list[str]) -> list[Grant]:
    from azure.core.exceptions import ResourceExistsError

    auth = clients.authorization
    role = f"/subscriptions/{target.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_OFFICER_ROLE}"
    # one list at the vault scope returns the principal's assignments at, above and below it (per secret)
    vault_scope = scopes[0].split("/secrets/")[0]
    existing = [a for a in auth.role_assignments.list_for_scope(vault_scope, filter=f"principalId eq '{identity.principal_id}'")
                if (a.role_definition_id or "").lower().endswith(SECRETS_OFFICER_ROLE)]
    covered = [(a.scope or "").lower().rstrip("/") for a in existing]
    models = auth.models(api_version=ROLE_ASSIGNMENT_API)
    grants: list[Grant] = []
    permission = "role Key Vault Secrets Officer"
    for scope in scopes:
        if any(scope.lower() == c or scope.lower().startswith(c + "/") for c in covered):
            grants.append(Grant(scope, permission, PRESENT))
            continue
        parameters = models.RoleAssignmentCreateParameters(
            role_definition_id=role, principal_id=identity.principal_id, principal_type="ServicePrincipal")
        try:
            auth.role_assignments.create(scope, role_assignment_name(scope, identity.principal_id, role), parameters)
            grants.append(Grant(scope, permission, GRANTED))
        except ResourceExistsError as exc:  # 409 RoleAssignmentExists: same grant under another name
            code = getattr(getattr(exc, "error", None), "code", None) or ""
            if code != "RoleAssignmentExists" and "RoleAssignmentExists" not in str(exc):
                raise
            grants.append(Grant(scope, permission, PRESENT))
    return grants


def _add_access_policy(clients: Clients, vault_rg: str, vault_name: str, vault_id: str, identity: Identity,
                       properties: Any) -> Grant:
    permission = "access policy secrets " + "/".join(SECRET_PERMISSIONS)
    have: set[str] = set()
    for policy in properties.access_policies or []:
        if (policy.object_id or "").lower() == identity.principal_id.lower() and \
                (policy.tenant_id or "").lower() == (identity.tenant_id or properties.tenant_id or "").lower():
            have |= {p.lower() for p in ((policy.permissions.secrets if policy.permissions else None) or [])}
    if "all" in have or set(SECRET_PERMISSIONS) <= have:
        return Grant(vault_id, permission, PRESENT)
    body = {"properties": {"accessPolicies": [{
        "tenantId": identity.tenant_id or properties.tenant_id, "objectId": identity.principal_id,
        "permissions": {"secrets": list(SECRET_PERMISSIONS)}}]}}
    clients.keyvault.vaults.update_access_policy(vault_rg, vault_name, "add", body)
    return Grant(vault_id, permission, GRANTED)
