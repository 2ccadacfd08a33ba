"""Grant the factory's managed identity access to Key Vault secrets: an RBAC role or an access policy. Idempotent."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from adfgen.azure.clients import Clients, Target, azure_error
from adfgen.core.errors import AdfgenError

SECRETS_OFFICER_ROLE = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"  # Key Vault Secrets Officer: read and write secrets
SECRETS_USER_ROLE = "4633458b-17de-408a-b874-0445c86b69e6"  # Key Vault Secrets User: read secrets
KEY_VAULT_ADMINISTRATOR_ROLE = "00482a5a-887f-4fb3-b363-3b7fe8e74483"  # everything in the vault's data plane
SECRET_ROLES = {SECRETS_USER_ROLE: "Key Vault Secrets User", SECRETS_OFFICER_ROLE: "Key Vault Secrets Officer",
                KEY_VAULT_ADMINISTRATOR_ROLE: "Key Vault Administrator"}
ROLE_INCLUDES = {SECRETS_USER_ROLE: {SECRETS_USER_ROLE},  # which roles' secret permissions each role includes
                 SECRETS_OFFICER_ROLE: {SECRETS_OFFICER_ROLE, SECRETS_USER_ROLE},
                 KEY_VAULT_ADMINISTRATOR_ROLE: set(SECRET_ROLES)}
PRINCIPAL_NOT_FOUND_RETRIES = 6  # with the connection's backoff: 0.8 s doubling, about 50 s in all by default
SECRET_PERMISSIONS = ("get", "list", "set")  # the refresh pipeline writes the rotated refresh token
ROLE_ASSIGNMENT_API = "2022-04-01"
GRANTED, PRESENT = "granted", "already present"
BROADER = "broader than needed"  # least privilege: an assignment deploy found but does not delete


@dataclass(frozen=True)
class Grant:
    """One permission the identity needs, and whether this run granted it or found it."""

    scope: str
    permission: str
    status: str
    remove_command: str = ""  # BROADER only: the command that removes it
    note: str = ""

    def to_json(self) -> dict[str, str]:
        """A machine-readable row."""
        row = {"scope": self.scope, "permission": self.permission, "status": self.status}
        if self.remove_command:
            row.update(removeCommand=self.remove_command, note=self.note)
        return row


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
                           written_secret_names: Iterable[str] = (), least_privilege: bool = False) -> list[Grant]:
    """Let the factory's identity use the vault's secrets; least-privilege: read-only or read-write per secret.

    Least privilege: Key Vault Secrets User on each secret the factory only reads, Key Vault Secrets Officer on
    each secret it writes (`written_secret_names`). Broader assignments found are reported, never deleted.
    """
    from azure.core.exceptions import AzureError

    vault = check_grantable(clients, target, secret_names=secret_names, written_secret_names=written_secret_names,
                            least_privilege=least_privilege)
    identity = factory_identity(clients, target)
    try:
        if vault.properties.enable_rbac_authorization:
            if not least_privilege:
                return _assign_roles(clients, target, identity, vault.id, [(vault.id, SECRETS_OFFICER_ROLE)], False)
            written = set(written_secret_names)
            wanted = [(f"{vault.id}/secrets/{name}", SECRETS_OFFICER_ROLE if name in written else SECRETS_USER_ROLE)
                      for name in sorted(set(secret_names) | written)]
            return _assign_roles(clients, target, identity, vault.id, wanted, True)
        vault_rg = target.vault_resource_group or target.resource_group
        return [_add_access_policy(clients, vault_rg, target.vault_name, vault.id, identity, vault.properties)]
    except AzureError as exc:
        error = azure_error(exc, f"granting factory '{target.factory_name}' access to Key Vault '{target.vault_name}'")
        if _error_code(exc) == "PrincipalNotFound":
            error = AdfgenError(f"{error} (a new managed identity can take minutes to replicate: run deploy again)")
        raise error


def check_grantable(clients: Clients, target: Target, *, secret_names: Iterable[str] = (),
                    written_secret_names: Iterable[str] = (), least_privilege: bool = False) -> Any:
    """The vault to grant on, or the grant's refusal, found by reading only: deploy asks before its first change,
    so that a grant it cannot make never follows a publish (a half-deployed factory with no secret access)."""
    from azure.core.exceptions import AzureError

    if not target.vault_name:
        raise AdfgenError("no Key Vault to grant access to: the factory config names none; pass --vault-name "
                          "or --skip-grants")
    vault_rg = target.vault_resource_group or target.resource_group
    try:
        vault = clients.keyvault.vaults.get(vault_rg, target.vault_name)
    except AzureError as exc:
        raise azure_error(exc, f"reading Key Vault '{target.vault_name}' in resource group '{vault_rg}'")
    if least_privilege and not vault.properties.enable_rbac_authorization:
        raise AdfgenError(f"Key Vault '{target.vault_name}' uses access policies, which apply to the whole vault; "
                          "--least-privilege needs a vault using the Azure RBAC permission model")
    if least_privilege and not (set(secret_names) | set(written_secret_names)):
        raise AdfgenError("--least-privilege needs the secret names the factory uses, and there are none")
    return vault


def _role_id(target: Target, role: str) -> str:
    return f"/subscriptions/{target.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role}"


def _assign_roles(clients: Clients, target: Target, identity: Identity, vault_id: str,
                  wanted: list[tuple[str, str]], least_privilege: bool) -> list[Grant]:
    """Assign each (scope, role) unless present; with least privilege also report broader assignments."""
    auth = clients.authorization
    # one list at the vault scope returns the principal's assignments at, above and below it (per secret)
    existing = [(a, (a.role_definition_id or "").lower().rsplit("/", 1)[-1], (a.scope or "").lower().rstrip("/"))
                for a in auth.role_assignments.list_for_scope(vault_id, filter=f"principalId eq '{identity.principal_id}'")]
    existing = [(a, role, scope) for a, role, scope in existing if role in SECRET_ROLES]
    models = auth.models(api_version=ROLE_ASSIGNMENT_API)
    grants: list[Grant] = []
    for scope, role in wanted:
        permission = f"role {SECRET_ROLES[role]}"
        lowered = scope.lower()
        # least privilege counts only an assignment at the secret itself: a vault-wide one is reported for removal
        present = any(role in ROLE_INCLUDES[have] and (at == lowered or (not least_privilege and lowered.startswith(at + "/")))
                      for _, have, at in existing)
        if present:
            grants.append(Grant(scope, permission, PRESENT))
            continue
        parameters = models.RoleAssignmentCreateParameters(
            role_definition_id=_role_id(target, role), principal_id=identity.principal_id,
            principal_type="ServicePrincipal")
        name = role_assignment_name(scope, identity.principal_id, _role_id(target, role))
        grants.append(Grant(scope, permission, _create_assignment(clients, scope, name, parameters)))
    if least_privilege:
        grants += _broader_assignments(existing, vault_id, dict((s.lower(), r) for s, r in wanted))
    return grants


def _broader_assignments(existing: list[tuple[Any, str, str]], vault_id: str, wanted: dict[str, str]) -> list[Grant]:
    """Secret roles at the vault (or above), or more than needed on one secret: reported with the delete command."""
    vault = vault_id.lower()
    found = []
    for assignment, role, scope in existing:
        name = SECRET_ROLES[role]
        if scope == vault or vault.startswith(scope + "/"):
            where = "the whole vault" if scope == vault else f"{assignment.scope} (which includes the vault)"
        elif scope in wanted and role != wanted[scope] and wanted[scope] in ROLE_INCLUDES[role]:
            where = f"secret {scope.rsplit('/', 1)[-1]}, which needs only {SECRET_ROLES[wanted[scope]]}"
        else:
            continue
        command = f"az role assignment delete --ids {assignment.id}"
        found.append(Grant(assignment.scope, f"role {name}", BROADER, remove_command=command,
                           note=f"the factory also holds {name} on {where}; remove it with: {command}"))
    return found


def _create_assignment(clients: Clients, scope: str, name: str, parameters: Any) -> str:
    """PUT one role assignment; GRANTED, or PRESENT on 409 RoleAssignmentExists; retries 400 PrincipalNotFound."""
    from azure.core.exceptions import HttpResponseError

    connection = clients.connection
    for attempt in range(PRINCIPAL_NOT_FOUND_RETRIES + 1):
        try:
            clients.authorization.role_assignments.create(scope, name, parameters)
            return GRANTED
        except HttpResponseError as exc:
            code = _error_code(exc)
            if code == "RoleAssignmentExists":  # the same grant under another name
                return PRESENT
            if code != "PrincipalNotFound" or attempt == PRINCIPAL_NOT_FOUND_RETRIES:
                raise
            # a fresh managed identity is not replicated to every directory replica yet: wait and try again
            time.sleep(min(connection.retry_backoff_max, connection.retry_backoff_factor * 2 ** attempt))
    raise AssertionError("unreachable")


def _error_code(exc: BaseException) -> str:
    code = getattr(getattr(exc, "error", None), "code", None)
    if code:
        return code
    for known in ("RoleAssignmentExists", "PrincipalNotFound"):
        if known in str(exc):
            return known
    return ""


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
