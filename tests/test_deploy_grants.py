"""Key Vault access for the factory's identity, through the real keyvault and authorization clients."""

from __future__ import annotations

import pytest

from adfgen.azure.grants import (
    BROADER,
    GRANTED,
    PRINCIPAL_NOT_FOUND_RETRIES,
    PRESENT,
    SECRETS_OFFICER_ROLE,
    SECRETS_USER_ROLE,
    grant_key_vault_access,
    role_assignment_name,
)
from adfgen.core.errors import AdfgenError
from tests.peers.arm_server import ArmServer
from tests.peers.fixtures import FACTORY, RG, SUB, VAULT, make_clients, target

VAULT_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/{VAULT}"
ROLE_ID = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_OFFICER_ROLE}"
SECRETS = ("xero-access-token", "xero-client-id", "xero-refresh-token")


@pytest.fixture
def arm():
    with ArmServer() as server:
        yield server


def principal(arm) -> str:
    return arm.state.factories[FACTORY.lower()]["identity"]["principalId"]


def test_rbac_vault_gets_the_secrets_officer_role_once(arm):
    arm.add_factory(SUB, RG, FACTORY)
    arm.add_vault(SUB, RG, VAULT, rbac=True)
    clients = make_clients(arm)

    grants = grant_key_vault_access(clients, target())

    assert [(g.scope, g.status) for g in grants] == [(VAULT_ID, GRANTED)]
    (assignment,) = arm.state.role_assignments.values()
    assert assignment["name"] == role_assignment_name(VAULT_ID, principal(arm), ROLE_ID)
    assert assignment["properties"] == {"roleDefinitionId": ROLE_ID, "principalId": principal(arm),
                                        "principalType": "ServicePrincipal", "scope": VAULT_ID}
    arm.clear_log()

    again = grant_key_vault_access(clients, target())

    assert [(g.scope, g.status) for g in again] == [(VAULT_ID, PRESENT)]
    assert arm.count("PUT") == 0 and len(arm.state.role_assignments) == 1


def test_an_assignment_made_elsewhere_under_another_name_counts_as_present(arm):
    arm.add_factory(SUB, RG, FACTORY)
    arm.add_vault(SUB, RG, VAULT, rbac=True)
    arm.state.role_assignments["portal-made"] = {
        "id": f"{VAULT_ID}/providers/Microsoft.Authorization/roleAssignments/portal-made", "name": "portal-made",
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {"roleDefinitionId": ROLE_ID, "principalId": principal(arm), "principalType": "ServicePrincipal",
                       "scope": VAULT_ID}}

    grants = grant_key_vault_access(make_clients(arm), target())

    assert [g.status for g in grants] == [PRESENT] and arm.count("PUT") == 0


def test_the_peer_answers_role_assignment_exists_for_a_duplicate_under_another_name(arm):
    from azure.core.exceptions import ResourceExistsError

    arm.add_factory(SUB, RG, FACTORY)
    arm.add_vault(SUB, RG, VAULT, rbac=True)
    clients = make_clients(arm)
    grant_key_vault_access(clients, target())
    models = clients.authorization.models(api_version="2022-04-01")
    parameters = models.RoleAssignmentCreateParameters(role_definition_id=ROLE_ID, principal_id=principal(arm),
                                                       principal_type="ServicePrincipal")

    with pytest.raises(ResourceExistsError) as caught:
        clients.authorization.role_assignments.create(VAULT_ID, "11111111-1111-1111-1111-111111111111", parameters)

    assert caught.value.error.code == "RoleAssignmentExists"


def test_least_privilege_assigns_the_role_per_secret(arm):
    arm.add_factory(SUB, RG, FACTORY)
    arm.add_vault(SUB, RG, VAULT, rbac=True)
    clients = make_clients(arm)

    grants = grant_key_vault_access(clients, target(), secret_names=SECRETS, least_privilege=True)

    scopes = [f"{VAULT_ID}/secrets/{name}" for name in SECRETS]
    assert [(g.scope, g.status) for g in grants] == [(s, GRANTED) for s in scopes]
    assert sorted(a["properties"]["scope"] for a in arm.state.role_assignments.values()) == scopes
    arm.clear_log()

    again = grant_key_vault_access(clients, target(), secret_names=SECRETS, least_privilege=True)

    assert {g.status for g in again} == {PRESENT} and arm.count("PUT") == 0


def test_access_policy_vault_gets_get_list_set_once(arm):
    arm.add_factory(SUB, RG, FACTORY)
    other = {"tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "objectId": "someone-else",
             "permissions": {"secrets": ["get"]}}
    arm.add_vault(SUB, RG, VAULT, rbac=False, access_policies=[other])
    clients = make_clients(arm)

    grants = grant_key_vault_access(clients, target())

    assert [(g.scope, g.status) for g in grants] == [(VAULT_ID, GRANTED)]
    policies = arm.state.vaults[VAULT.lower()]["properties"]["accessPolicies"]
    assert policies[0] == other
    assert policies[1]["objectId"] == principal(arm) and policies[1]["permissions"] == {"secrets": ["get", "list", "set"]}
    assert arm.count("PUT", "/accesspolicies/add$") == 1
    assert {e.query["api-version"] for e in arm.log if "/vaults/" in e.path} == {"2023-07-01"}
    arm.clear_log()

    again = grant_key_vault_access(clients, target())

    assert [g.status for g in again] == [PRESENT] and arm.count("PUT") == 0


def test_an_existing_broader_access_policy_is_left_alone(arm):
    arm.add_factory(SUB, RG, FACTORY)
    pid = principal(arm)
    arm.add_vault(SUB, RG, VAULT, rbac=False, access_policies=[
        {"tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "objectId": pid, "permissions": {"secrets": ["All"]}}])

    grants = grant_key_vault_access(make_clients(arm), target())

    assert [g.status for g in grants] == [PRESENT] and arm.count("PUT") == 0


def test_a_narrower_access_policy_is_widened(arm):
    arm.add_factory(SUB, RG, FACTORY)
    pid = principal(arm)
    arm.add_vault(SUB, RG, VAULT, rbac=False, access_policies=[
        {"tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "objectId": pid, "permissions": {"secrets": ["get"]}}])

    grants = grant_key_vault_access(make_clients(arm), target())

    assert [g.status for g in grants] == [GRANTED]
    (policy,) = arm.state.vaults[VAULT.lower()]["properties"]["accessPolicies"]
    assert sorted(policy["permissions"]["secrets"]) == ["get", "list", "set"]


def test_a_factory_without_identity_is_a_clear_error(arm):
    arm.add_factory(SUB, RG, FACTORY, identity=False)
    arm.add_vault(SUB, RG, VAULT, rbac=True)

    with pytest.raises(AdfgenError, match="has no managed identity.*--skip-grants"):
        grant_key_vault_access(make_clients(arm), target())


def test_a_missing_vault_is_a_clear_error(arm):
    arm.add_factory(SUB, RG, FACTORY)

    with pytest.raises(AdfgenError, match=f"reading Key Vault '{VAULT}'.*HTTP 404 ResourceNotFound"):
        grant_key_vault_access(make_clients(arm), target())


def test_least_privilege_needs_an_rbac_vault(arm):
    arm.add_factory(SUB, RG, FACTORY)
    arm.add_vault(SUB, RG, VAULT, rbac=False)

    with pytest.raises(AdfgenError, match="--least-privilege needs a vault using the Azure RBAC"):
        grant_key_vault_access(make_clients(arm), target(), secret_names=SECRETS, least_privilege=True)


USER_ROLE_ID = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_USER_ROLE}"
WRITTEN = ("xero-access-token", "xero-refresh-token")


def roles_by_scope(arm) -> dict[str, str]:
    return {a["properties"]["scope"]: a["properties"]["roleDefinitionId"] for a in arm.state.role_assignments.values()}


def test_least_privilege_reads_with_secrets_user_and_writes_with_secrets_officer(arm):
    arm.add_factory(SUB, RG, FACTORY)
    arm.add_vault(SUB, RG, VAULT, rbac=True)

    grants = grant_key_vault_access(make_clients(arm), target(), secret_names=SECRETS, written_secret_names=WRITTEN,
                                    least_privilege=True)

    assert roles_by_scope(arm) == {f"{VAULT_ID}/secrets/xero-access-token": ROLE_ID,
                                   f"{VAULT_ID}/secrets/xero-client-id": USER_ROLE_ID,
                                   f"{VAULT_ID}/secrets/xero-refresh-token": ROLE_ID}
    assert [(g.scope.rsplit("/", 1)[-1], g.permission, g.status) for g in grants] == [
        ("xero-access-token", "role Key Vault Secrets Officer", GRANTED),
        ("xero-client-id", "role Key Vault Secrets User", GRANTED),
        ("xero-refresh-token", "role Key Vault Secrets Officer", GRANTED)]


def test_least_privilege_reports_a_broader_assignment_and_leaves_it(arm):
    arm.add_factory(SUB, RG, FACTORY)
    arm.add_vault(SUB, RG, VAULT, rbac=True)
    clients = make_clients(arm)
    grant_key_vault_access(clients, target())  # an earlier deploy without --least-privilege: Officer on the vault
    (vault_wide,) = arm.state.role_assignments.values()

    grants = grant_key_vault_access(clients, target(), secret_names=SECRETS, written_secret_names=WRITTEN,
                                    least_privilege=True)

    assert [g.status for g in grants if g.scope != VAULT_ID] == [GRANTED] * 3  # not hidden by the vault-wide one
    (broader,) = [g for g in grants if g.status == BROADER]
    assert broader.scope == VAULT_ID and broader.remove_command == f"az role assignment delete --ids {vault_wide['id']}"
    assert broader.note == ("the factory also holds Key Vault Secrets Officer on the whole vault; remove it with: "
                            f"az role assignment delete --ids {vault_wide['id']}")
    assert vault_wide["name"].lower() in arm.state.role_assignments and arm.count("DELETE") == 0


def test_least_privilege_reports_officer_left_on_a_secret_it_only_reads(arm):
    arm.add_factory(SUB, RG, FACTORY)
    arm.add_vault(SUB, RG, VAULT, rbac=True)
    clients = make_clients(arm)
    grant_key_vault_access(clients, target(), secret_names=SECRETS, least_privilege=True)  # all read-only: User
    scope = f"{VAULT_ID}/secrets/xero-client-id"
    models = clients.authorization.models(api_version="2022-04-01")
    clients.authorization.role_assignments.create(scope, "22222222-2222-2222-2222-222222222222",
                                                  models.RoleAssignmentCreateParameters(
                                                      role_definition_id=ROLE_ID, principal_id=principal(arm),
                                                      principal_type="ServicePrincipal"))

    grants = grant_key_vault_access(clients, target(), secret_names=SECRETS, written_secret_names=WRITTEN,
                                    least_privilege=True)

    (broader,) = [g for g in grants if g.status == BROADER]
    assert broader.scope == scope and "Key Vault Secrets Officer on secret xero-client-id, which needs only Key Vault " \
        "Secrets User" in broader.note


def test_principal_not_found_of_a_fresh_identity_is_retried(arm):
    arm.add_factory(SUB, RG, FACTORY)
    arm.add_vault(SUB, RG, VAULT, rbac=True)
    arm.inject("PUT", "/roleassignments/", "principal_not_found", times=2)

    grants = grant_key_vault_access(make_clients(arm), target())

    assert [g.status for g in grants] == [GRANTED] and arm.count("PUT", "/roleassignments/") == 3
    assert [e.status for e in arm.log if e.method == "PUT"] == [400, 400, 201]


def test_principal_not_found_that_persists_is_a_clear_error(arm):
    arm.add_factory(SUB, RG, FACTORY)
    arm.add_vault(SUB, RG, VAULT, rbac=True)
    arm.inject("PUT", "/roleassignments/", "principal_not_found", times=50)

    with pytest.raises(AdfgenError, match="HTTP 400 PrincipalNotFound.*run deploy again"):
        grant_key_vault_access(make_clients(arm), target())
    assert arm.count("PUT", "/roleassignments/") == 1 + PRINCIPAL_NOT_FOUND_RETRIES
