"""Token endpoint calls through Authlib's OAuth2Session: code exchange, refresh, and any other grant by its form.

Every reply is checked before anyone saves it: an `error` (whatever the HTTP status, since some providers answer
errors with 200), a missing `access_token`, or (where refresh tokens rotate) a missing `refresh_token` is an
AuthError naming the provider's `error` and `error_description` only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from adfgen.oauth.errors import AuthError
from adfgen.spec.model import Auth
from adfgen.spec.variants.auth import flow_of

TIMEOUT = 30  # seconds per token request; a hung provider must not hang the CLI


@dataclass(frozen=True)
class Client:
    """The OAuth client's credentials; repr never shows the secret."""

    client_id: str
    client_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class TokenReply:
    """A checked token reply; `requested_at` is noted before the POST, so expiry is never later than the real one."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: int
    requested_at: int
    fields: dict[str, Any] = field(repr=False, default_factory=dict)  # the whole reply (instance_url, api_domain...)


def session(auth: Auth, client: Client, *, redirect_uri: str | None = None, verify: Any = True) -> Any:
    """An OAuth2Session with the client authentication the spec names (Basic or form body) and PKCE when asked."""
    from authlib.integrations.requests_client import OAuth2Session

    method = ("client_secret_basic" if flow_of(auth).client_authentication(auth) == "basic" and client.client_secret
              else "client_secret_post")
    if not client.client_secret:
        method = "none"  # a public client: client_id in the form, no secret
    oauth = OAuth2Session(client.client_id, client.client_secret, scope=" ".join(auth.scopes) or None,
                          redirect_uri=redirect_uri, token_endpoint_auth_method=method,
                          code_challenge_method="S256" if auth.pkce else None, default_timeout=TIMEOUT)
    oauth.verify = verify
    return oauth


def exchange_code(auth: Auth, client: Client, code: str, redirect_uri: str, code_verifier: str | None,
                  verify: Any = True) -> TokenReply:
    """Redeem an authorization code (with its PKCE verifier)."""
    oauth = session(auth, client, redirect_uri=redirect_uri, verify=verify)
    extra = {"code_verifier": code_verifier} if code_verifier else {}
    return _call(auth, lambda at: oauth.fetch_token(auth.token_url, code=code, verify=verify, **extra,
                                                     **auth.token_params), want_refresh=True)


def filled_form(auth: Auth, values: dict[str, str]) -> tuple[str, list[tuple[str, str]]]:
    """The grant_type and the other fields of the token POST, as the build's refresh pipeline sends them: the flow
    unit's `token_form(auth)` (constants as given, secret roles from `values`), the scope where the unit sends it,
    then `token_params`. Client authentication is the session's (Basic header, or client_id/client_secret fields)."""
    unit = flow_of(auth)
    grant, fields = unit.grant, []
    for form_field in unit.token_form(auth):
        if form_field.secret_role is not None and form_field.secret_role not in values:
            raise AuthError(f"the {auth.flow} flow's token request needs the {form_field.secret_role} secret; put it "
                            "into the vault and run the command again; nothing was written")
        value = form_field.value if form_field.secret_role is None else values[form_field.secret_role]
        if form_field.name == "grant_type":
            grant = value or grant
        else:  # token_form() already left out an optional constant the spec leaves unset
            fields.append((form_field.name, value))
    if auth.scopes and unit.sends_scope(auth):
        fields.append(("scope", " ".join(auth.scopes)))
    return grant, fields + sorted(auth.token_params.items())


def refresh(auth: Auth, client: Client, refresh_token: str, verify: Any = True,
            values: dict[str, str] | None = None) -> TokenReply:
    """One refresh, as the generated pipeline does it (`values`: other secret roles the unit's form reads): the reply
    must hold a new refresh token where they rotate."""
    oauth = session(auth, client, verify=verify)
    raw: dict[str, Any] = {}

    def keep_raw(resp: Any) -> Any:
        # Authlib copies the old refresh token into a reply that has none; the check must see the reply as sent
        try:
            document = resp.json()
        except ValueError:
            document = None
        raw["reply"] = document if isinstance(document, dict) else {}
        return resp

    oauth.register_compliance_hook("refresh_token_response", keep_raw)
    # Authlib adds refresh_token itself; the rest of the unit's form goes in the body
    _, fields = filled_form(auth, {**(values or {}), "refresh_token": refresh_token})
    body = _encoded([(name, value) for name, value in fields if name != "refresh_token"])

    def post(at: int) -> dict[str, Any]:
        oauth.refresh_token(auth.token_url, refresh_token=refresh_token, body=body, scope=None, verify=verify)
        return raw.get("reply", {})

    return _call(auth, post, want_refresh=flow_of(auth).rotating(auth))


def by_form(auth: Auth, client: Client, values: dict[str, str], verify: Any = True) -> TokenReply:
    """A token by any grant but the refresh: the flow unit's token form, sent as the refresh pipeline sends it."""
    oauth = session(auth, client, verify=verify)
    grant, fields = filled_form(auth, values)
    # The fields go in `body`, not as keyword arguments: Authlib would take a field named like one of its own
    # arguments (state, auth, timeout...) for that argument, and it drops fields with an empty value. scope=None
    # stops it adding the session's scope: filled_form already decided whether the flow sends one.
    return _call(auth, lambda at: oauth.fetch_token(auth.token_url, body=_encoded(fields), grant_type=grant,
                                                     scope=None, verify=verify),
                 want_refresh=flow_of(auth).rotating(auth))


def by_grant(auth: Auth, client: Client, values: dict[str, str], verify: Any = True) -> TokenReply:
    """A token by the grant of the spec's flow; `values` holds the secret roles its token form reads."""
    if flow_of(auth).grant == "refresh_token":
        if "refresh_token" not in values:
            raise AuthError(f"the {auth.flow} flow refreshes with a refresh token; run `adfgen auth login` first")
        return refresh(auth, client, values["refresh_token"], verify, values)
    return by_form(auth, client, values, verify)


def _encoded(fields: list[tuple[str, str]]) -> str:
    from authlib.common.urls import url_encode

    return url_encode(fields)


def _call(auth: Auth, post: Any, *, want_refresh: bool) -> TokenReply:
    import requests
    from authlib.integrations.base_client import OAuthError

    requested_at = int(time.time())
    try:
        reply = dict(post(requested_at))
    except OAuthError as exc:
        raise AuthError(_provider_error(auth, exc.error, exc.description)) from None
    except requests.exceptions.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise AuthError(f"the token endpoint {auth.token_url} failed with HTTP {status}; try again later; "
                        "nothing was written") from None
    except requests.exceptions.SSLError:
        raise AuthError(f"cannot reach the token endpoint {auth.token_url}: its TLS certificate is not trusted "
                        "(pass --ca-bundle or set REQUESTS_CA_BUNDLE for a private CA); nothing was written") from None
    except requests.exceptions.RequestException as exc:
        raise AuthError(f"cannot reach the token endpoint {auth.token_url} ({type(exc).__name__}); check the network "
                        "and the spec's auth.token_url, then run the command again; nothing was written") from None
    except ValueError:
        raise AuthError(f"the token endpoint {auth.token_url} answered with something that is not JSON; check the "
                        "spec's auth.token_url; nothing was written") from None
    return check_reply(auth, reply, requested_at, want_refresh=want_refresh)


def check_reply(auth: Auth, reply: dict[str, Any], requested_at: int, *, want_refresh: bool) -> TokenReply:
    """A TokenReply, or an AuthError when the reply carries an error or lacks a token (whatever its HTTP status)."""
    wanted = ["access_token"] + (["refresh_token"] if want_refresh else [])
    missing = [name for name in wanted if not isinstance(reply.get(name), str) or not reply.get(name)]
    if reply.get("error") or missing:
        raise AuthError(_provider_error(auth, reply.get("error"), reply.get("error_description"), missing))
    try:
        lifetime = int(reply.get("expires_in") or auth.access_token_lifetime)
    except (TypeError, ValueError):
        lifetime = auth.access_token_lifetime
    return TokenReply(reply["access_token"], reply.get("refresh_token"), requested_at + lifetime, requested_at, reply)


# What to do about the errors RFC 6749 §5.2 names; any other code gets the general advice.
ADVICE = {
    "invalid_client": "the client id or secret is wrong, or the spec's auth.client_auth (basic/body) is not what "
                      "the provider expects; check the app's credentials with the provider",
    "invalid_grant": "the code or refresh token is expired, used or revoked; run `adfgen auth login` again",
    "unauthorized_client": "the app is not allowed this grant; enable it in the provider's app settings",
    "invalid_scope": "the spec's auth.scopes asks for a scope the app may not have",
    "access_denied": "the user did not consent; run `adfgen auth login` again and approve the access",
}


def _provider_error(auth: Auth, error: Any, description: Any, missing: list[str] | None = None) -> str:
    """The provider's error code and description only: never the reply's other fields (tokens)."""
    what = f"the token endpoint {auth.token_url} refused"
    if not error and missing:
        what = f"the token endpoint {auth.token_url} answered without {' and '.join(missing)}"
    text = f"{what}: error: {_short(error)}; error_description: {_short(description)}"
    return f"{text.rstrip('.')}. {ADVICE.get(str(error), 'check the spec and the app registration')}; nothing was written"


def _short(value: Any) -> str:
    return str(value)[:300] if value not in (None, "") else "(none)"
