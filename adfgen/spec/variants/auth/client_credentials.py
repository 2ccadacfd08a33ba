"""client_credentials: the refresh pipeline POSTs the client's own credentials and keeps the token in Key Vault."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adfgen.spec.variants.auth import FLOWS, AuthFlow, FormField, token_dance_fields

if TYPE_CHECKING:
    from adfgen.spec.model import Auth


@FLOWS.register("client_credentials")
class ClientCredentials(AuthFlow):
    """The client-credentials grant through Key Vault: works with any token header or form field the API wants."""

    name = "client_credentials"
    summary = ("the refresh pipeline POSTs the client id and secret and keeps the token in Key Vault; any token "
               "header, client authentication or extra form field")
    required_secrets = ("client_id", "client_secret", "access_token")
    grant = "client_credentials"

    @classmethod
    def fields(cls) -> dict[str, tuple[Any, Any]]:
        return token_dance_fields()

    def token_form(self, auth: "Auth") -> list[FormField]:
        return [FormField("grant_type", "client_credentials")]
