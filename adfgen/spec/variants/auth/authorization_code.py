"""authorization_code: a user consents once in a browser; the refresh pipeline redeems the refresh token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from adfgen.spec.fields import Duration, HttpsUrl
from adfgen.spec.variants.auth import FLOWS, AuthFlow, FormField

if TYPE_CHECKING:
    from adfgen.spec.model import Api, Auth


@FLOWS.register("authorization_code")
class AuthorizationCode(AuthFlow):
    """A user consents once (`adfgen auth login`); the pipelines refresh with the refresh token, saving a rotated one
    first."""

    required_secrets = ("client_id", "refresh_token", "access_token")
    optional_secrets = ("client_secret",)
    keep_alive = True  # an unused refresh token expires (e.g. Xero: 60 days)
    consent = True
    grant = "refresh_token"

    @classmethod
    def fields(cls) -> dict[str, tuple[Any, Any]]:
        return {
            "authorize_url": (HttpsUrl | None, Field(None, description="the provider's consent page")),
            "pkce": (bool, Field(False, description="PKCE (S256) at consent; a public client needs no secret")),
            "redirect_uri": (str | None, Field(
                None, description="the redirect URI registered with the provider; default a loopback address. A "
                "public https one (production QuickBooks keys) is for `adfgen auth login --paste`")),
            "rotating_refresh_tokens": (bool, Field(True, description="each refresh returns a new refresh token")),
            "refresh_token_reuse_grace": (Duration, Field(
                0, description="how long a rotated refresh token stays usable; > 0 lets the refresh POST retry "
                "safely")),
            "refresh_token_lifetime": (Duration | None, Field(
                None, description="how long an unused refresh token lives; sets the keep-alive period")),
            **super().fields(),
        }

    def check(self, api: "Api") -> list[tuple[tuple, str]]:
        problems = []
        if api.auth.authorize_url is None:
            problems.append((("auth",), "missing 'authorize_url': the authorization_code flow needs it for consent"))
        redirect = api.auth.redirect_uri
        if redirect is not None and not redirect.startswith(("https://", "http://127.0.0.1", "http://localhost",
                                                             "http://[::1]")):
            problems.append((("auth", "redirect_uri"), "must be an https:// URL, or http:// on a loopback address "
                                                       "(127.0.0.1, localhost, [::1]) for `adfgen auth login`"))
        if api.secrets.client_secret is None and not api.auth.pkce:
            problems.append((("secrets",), "missing secret name 'client_secret' (or set auth.pkce: true for a "
                                           "public client)"))
        return problems

    def rotating(self, auth: "Auth") -> bool:
        return auth.rotating_refresh_tokens

    def retry_token_request(self, auth: "Auth") -> bool:
        # a retried POST re-sends the old refresh token: safe only where the API accepts it again for a while
        return not auth.rotating_refresh_tokens or auth.refresh_token_reuse_grace > 0

    def grant_fields(self, auth: "Auth") -> list[FormField]:
        return [FormField("refresh_token", secret_role="refresh_token")]

    def sends_scope(self, auth: "Auth") -> bool:
        return False  # a refresh keeps the scopes the user consented to
