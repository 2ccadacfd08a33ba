"""client_credentials_native: ADF's REST linked service fetches the token itself (OAuth2ClientCredential).

Documented (https://learn.microsoft.com/azure/data-factory/connector-rest, "Use OAuth2 Client Credential
authentication"; Microsoft's schema, RestServiceLinkedServiceTypeProperties): tokenEndpoint,
clientId, clientSecret as a SecureString or Azure Key Vault reference, optional scope and resource);
the connector implements only this grant, so it suits APIs such as Microsoft Graph, not refresh-token APIs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adfgen.spec.variants.auth import FLOWS, AuthFlow

if TYPE_CHECKING:
    from adfgen.spec.model import Api, Auth


@FLOWS.register("client_credentials_native")
class ClientCredentialsNative(AuthFlow):
    """Opt-in: a REST linked service per API with ADF's own `OAuth2ClientCredential` authentication, the client
    secret read from Key Vault by the linked service; the token is always sent as `Authorization: Bearer`."""

    required_secrets = ("client_secret",)
    stores_token = False
    grant = "client_credentials"

    @classmethod
    def fields(cls) -> dict[str, tuple[Any, Any]]:
        from pydantic import Field

        return {
            # clientId takes a string, not a Key Vault reference (Microsoft's schema, RestServiceLinkedService)
            "client_id": (str | None, Field(None, min_length=1, description="the client id itself (not a secret "
                                            "name): the linked service's clientId takes no Key Vault reference")),
            "resource": (str | None, Field(None, min_length=1, description="the token request's resource "
                                           "parameter, for providers that want one")),
        }

    def check(self, api: "Api") -> list[tuple[tuple, str]]:
        if api.auth.client_id is None:
            return [(("auth",), "missing 'client_id': the client_credentials_native flow writes the client id into "
                                "the linked service (ADF's clientId takes no Key Vault reference)")]
        return []

    def client_authentication(self, auth: "Auth") -> str:
        # assumed: the documentation does not say how the linked service sends the client credentials; `adfgen run`
        # and `adfgen auth login` send them in the form body (client_id, client_secret), as RFC 6749 2.3.1 allows
        return "body"

    def linked_service_auth(self, api: "Api", key_vault_linked_service: str) -> dict[str, Any] | None:
        auth = api.auth
        properties: dict[str, Any] = {
            "authenticationType": "OAuth2ClientCredential",
            "tokenEndpoint": auth.token_url,
            "clientId": auth.client_id,
            "clientSecret": {"type": "AzureKeyVaultSecret",
                             "store": {"referenceName": key_vault_linked_service, "type": "LinkedServiceReference"},
                             "secretName": api.secrets.client_secret},
        }
        if auth.scopes:
            properties["scope"] = " ".join(auth.scopes)
        if auth.resource:
            properties["resource"] = auth.resource
        return properties
