"""Auth flows: each module here registers one `AuthFlow` in `FLOWS`, owning its spec fields, its validation, the
facts the build and `adfgen auth` need, and its row of the README's flow table.

Units are data, not ADF JSON: the build turns `token_form` into the refresh pipeline's POST body and
`linked_service_auth` into a REST linked service. The spec model builds `Auth` from every unit's `fields()`, so a
unit must not import `adfgen.spec.model` at module level (the model imports this registry while it is defined)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from adfgen.spec.variants.registry import Registry, summary

if TYPE_CHECKING:
    from adfgen.spec.model import Api, Auth

__all__ = ["FLOWS", "ROLES", "AuthFlow", "FormField", "auth_table", "flow_of"]

# every secret role a spec can name under `secrets:` (identity values are listed apart)
ROLES = ("client_id", "client_secret", "refresh_token", "access_token", "username", "password")


@dataclass(frozen=True)
class FormField:
    """One field of the token POST's form: a constant, or the value of a secret role read from Key Vault."""

    name: str
    value: str | None = None
    secret_role: str | None = None


class AuthFlow:
    """One OAuth flow. Subclasses set the class attributes and override what differs; the defaults are those of a
    flow whose refresh pipeline fetches the token and keeps it in Key Vault. A unit's docstring is its README
    sentence."""

    name: str = ""  # the name it is registered under: `@FLOWS.register(name)` sets it
    required_secrets: tuple[str, ...] = ()
    optional_secrets: tuple[str, ...] = ()
    stores_token: bool = True  # the access token lives in Key Vault; a refresh pipeline renews it, workers read it
    keep_alive: bool = False  # a keep-alive trigger runs the refresh pipeline so that an unused token never expires
    consent: bool = False  # `adfgen auth login` asks the user's consent in a browser (there is a consent redirect)
    grant: str = ""  # the grant_type the token POST uses once set up (refresh pipeline, `adfgen auth refresh`)

    @classmethod
    def fields(cls) -> dict[str, tuple[Any, Any]]:
        """Auth fields (name -> (annotation, pydantic FieldInfo)) this flow uses beyond flow, token_url, scopes and
        access_token_lifetime: here those of every flow whose pipelines fetch the token and send it as a header."""
        from pydantic import Field

        from adfgen.spec.fields import Duration
        from adfgen.spec.model import TokenHeader  # here: the model imports this package while it loads

        return {
            "client_auth": (Literal["basic", "body"], Field("basic", description="client credentials at the token "
                                                          "endpoint: basic (Authorization header) or body (in the "
                                                          "form)")),
            "refresh_margin": (Duration, Field(300, description="refresh when the access token expires within this")),
            "token_header": (TokenHeader, Field(default_factory=TokenHeader,
                                                description="how the access token is sent")),
            "token_params": (dict[str, str], Field(default_factory=dict,
                                                   description="extra form fields for the token POST")),
        }

    def check(self, api: "Api") -> list[tuple[tuple, str]]:
        """Problems only this flow knows about: (path under the API, message)."""
        return []

    def client_authentication(self, auth: "Auth") -> str:
        """How the client authenticates at the token endpoint: basic (Authorization header) or body (form)."""
        return auth.client_auth

    def rotating(self, auth: "Auth") -> bool:
        """Whether each refresh issues a new refresh token that must be saved before the access token."""
        return False

    def retry_token_request(self, auth: "Auth") -> bool:
        """Whether the token POST may be retried: a retry re-sends the same credentials."""
        return True

    def token_form(self, auth: "Auth") -> list[FormField]:
        """The grant's fields of the token POST: `grant_type`, then the flow's own (client authentication, scope and
        token_params are added by the build); a constant the spec leaves unset (None) is not sent."""
        fields = [FormField("grant_type", self.grant), *self.grant_fields(auth)]
        return [f for f in fields if f.value is not None or f.secret_role is not None]

    def grant_fields(self, auth: "Auth") -> list[FormField]:
        """The fields the grant sends after `grant_type` (e.g. the refresh token)."""
        return []

    def sends_scope(self, auth: "Auth") -> bool:
        """Whether the token POST carries the scopes (a refresh keeps the consented ones)."""
        return True

    def linked_service_auth(self, api: "Api", key_vault_linked_service: str) -> dict[str, Any] | None:
        """REST linked service typeProperties that authenticate natively, or None for the shared anonymous one
        (the pipelines send the token from Key Vault)."""
        return None

    def secrets_read(self, api: "Api") -> list[str]:
        """Secret roles the token POST reads from Key Vault, in order."""
        roles = ["client_id"] + (["client_secret"] if api.secrets.client_secret else [])
        return roles + [f.secret_role for f in self.token_form(api.auth) if f.secret_role and f.secret_role not in roles]

    def secrets_written(self, api: "Api") -> list[str]:
        """Secret roles the refresh pipeline writes: the rotated refresh token first, then the access token."""
        if not self.stores_token:
            return []
        return (["refresh_token"] if self.rotating(api.auth) else []) + ["access_token"]

    @classmethod
    def doc_row(cls) -> dict[str, str]:
        """This flow's row of the README's auth-flow table."""
        fields = ", ".join(f"`{n}`" for n in cls.fields()) or "—"
        secrets = ", ".join([f"`{r}`" for r in cls.required_secrets]
                            + [f"`{r}` (optional)" for r in cls.optional_secrets])
        if cls.stores_token:
            pipeline = "refresh pipeline (`grant_type=" + cls.grant + "`)" + (", keep-alive trigger" if
                                                                              cls.keep_alive else "")
        else:
            pipeline = "none: the REST linked service fetches the token"
        return {"flow": f"`{cls.name}`", "what": summary(cls), "fields": fields, "secrets": secrets,
                "token": pipeline}


FLOWS: Registry[type[AuthFlow]] = Registry("auth flow", __name__, name_field="name")


def flow_of(auth: "Auth") -> AuthFlow:
    """The registered unit of an Auth's flow (units hold no state: a fresh one each time)."""
    return FLOWS.get(auth.flow)()


def auth_table() -> str:
    """The README's table of auth flows, one row per registered unit."""
    rows = ["| flow | what happens | its own `auth` fields | `secrets` it names | token |",
            "| --- | --- | --- | --- | --- |"]
    for _, flow in FLOWS:
        row = flow.doc_row()
        rows.append(f"| {row['flow']} | {row['what']} | {row['fields']} | {row['secrets']} | {row['token']} |")
    return "\n".join(rows) + "\n"
