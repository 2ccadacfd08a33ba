"""client_credentials: the refresh pipeline POSTs the client's own credentials and keeps the token in Key Vault."""

from __future__ import annotations

from adfgen.spec.variants.auth import FLOWS, AuthFlow


@FLOWS.register("client_credentials")
class ClientCredentials(AuthFlow):
    """The refresh pipeline POSTs the client id and secret and keeps the token in Key Vault; any token header, client
    authentication or extra form field."""

    required_secrets = ("client_id", "client_secret", "access_token")
    grant = "client_credentials"
