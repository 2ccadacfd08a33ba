"""password: the refresh pipeline POSTs a resource owner's username and password (no refresh token is used)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adfgen.spec.variants.auth import FLOWS, AuthFlow, FormField, token_dance_fields

if TYPE_CHECKING:
    from adfgen.spec.model import Api, Auth


@FLOWS.register("password")
class Password(AuthFlow):
    """The resource-owner password grant: each refresh sends the user's credentials again."""

    name = "password"
    summary = ("the refresh pipeline POSTs a user's username and password (both in Key Vault) for each token; no "
               "refresh token")
    required_secrets = ("client_id", "username", "password", "access_token")
    optional_secrets = ("client_secret",)
    grant = "password"

    @classmethod
    def fields(cls) -> dict[str, tuple[Any, Any]]:
        return token_dance_fields()

    def check(self, api: "Api") -> list[tuple[tuple, str]]:
        if api.auth.client_auth == "basic" and api.secrets.client_secret is None:
            return [(("auth", "client_auth"), "basic client authentication needs secrets.client_secret")]
        return []

    def token_form(self, auth: "Auth") -> list[FormField]:
        return [FormField("grant_type", "password"), FormField("username", secret_role="username"),
                FormField("password", secret_role="password")]
