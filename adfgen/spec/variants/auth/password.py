"""password: the refresh pipeline POSTs a resource owner's username and password (no refresh token is used)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adfgen.spec.variants.auth import FLOWS, AuthFlow, FormField

if TYPE_CHECKING:
    from adfgen.spec.model import Api, Auth


@FLOWS.register("password")
class Password(AuthFlow):
    """The refresh pipeline POSTs a user's username and password (both in Key Vault) for each token; no refresh
    token."""

    required_secrets = ("client_id", "username", "password", "access_token")
    optional_secrets = ("client_secret",)
    grant = "password"

    def check(self, api: "Api") -> list[tuple[tuple, str]]:
        if api.auth.client_auth == "basic" and api.secrets.client_secret is None:
            return [(("auth", "client_auth"), "basic client authentication needs secrets.client_secret")]
        return []

    def grant_fields(self, auth: "Auth") -> list[FormField]:
        return [FormField("username", secret_role="username"), FormField("password", secret_role="password")]
