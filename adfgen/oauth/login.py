"""`auth login`: obtain tokens by the spec's flow, collect identity values, then write and read back the store.

Nothing is written until every step that can fail at the provider has succeeded, and the refresh token (the one
value that cannot be obtained again without the user) is written first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from adfgen.oauth import consent, credentials, identity, tokens
from adfgen.oauth.errors import AuthError
from adfgen.oauth.stores import SecretStore
from adfgen.oauth.target import AuthTarget
from adfgen.spec.variants.auth import flow_of


@dataclass
class Interaction:
    """How login talks to the user: messages, a hidden or visible question, a tenant choice, browser and paste."""

    say: Callable[[str], None]
    ask: Callable[[str, bool], str] | None
    choose: Callable[[list[dict[str, str]]], str] | None = None
    open_browser: bool = True
    paste: bool = False
    tenant: str | None = None
    port: int | None = None
    timeout: float = 300.0
    verify: Any = True


@dataclass(frozen=True)
class LoginResult:
    """What was stored: secret names (never values) and the access token's expiry."""

    flow: str
    written: tuple[str, ...]
    access_expires_at: int
    identity: tuple[str, ...] = field(default_factory=tuple)


def login(target: AuthTarget, store: SecretStore, how: Interaction) -> LoginResult:
    """Run the spec's flow and seed the store; AuthError (with nothing written) on any failure before writing."""
    api, auth = target.api, target.api.auth
    flow = flow_of(auth)
    # fails early on 403, network or sign-in problems: before the user consents
    store.get(api.secrets.access_token or api.secrets.client_secret or api.secrets.client_id or "")
    given = credentials.resolve(api, store, how.ask)
    redirect_query: dict[str, str] = {}
    to_write: list[tuple[str, str, int | None]] = []
    if flow.consent:
        if not auth.authorize_url:
            raise AuthError(f"the spec of {api.name} has no auth.authorize_url; add the provider's authorize URL")
        grant = _consent(target, given.client, how)
        redirect_query = grant.query
        reply = tokens.exchange_code(auth, given.client, grant.code, grant.redirect_uri, grant.code_verifier,
                                     verify=how.verify)
        if not reply.refresh_token:
            raise AuthError(f"the provider issued no refresh token; add the scope that asks for one (often "
                            f"offline_access) to {api.name}'s auth.scopes; nothing was written")
        to_write.append((api.secrets.refresh_token, reply.refresh_token, None))
    else:
        values = _form_values(target, how)
        reply = tokens.by_grant(auth, given.client, values, verify=how.verify)
        to_write += [(getattr(api.secrets, role), value, None) for role, value in values.items()]
    identities = identity.collect(api, reply.access_token, reply.fields, redirect_query, tenant=how.tenant,
                                  choose=how.choose, verify=how.verify)
    if flow.stores_token:  # otherwise the linked service fetches its own: the token only proved the credentials
        to_write.append((api.secrets.access_token, reply.access_token, reply.expires_at))
    to_write += [(name, value, None) for name, value in identities.items()]
    to_write += [(name, value, None) for name, value in given.to_store.items()]
    to_write = [(n, v, e) for n, v, e in to_write if n]
    for name, value, exp in to_write:
        store.set(name, value, exp)
    for name, value, _ in to_write:
        stored = store.get(name)
        if stored is None or stored.value != value:
            raise AuthError(f"{store.description}: {name} reads back different from what was written; check the "
                            "vault (another writer?) and run `adfgen auth login` again")
    return LoginResult(auth.flow, tuple(n for n, _, _ in to_write), reply.expires_at, tuple(identities))


def _form_values(target: AuthTarget, how: Interaction) -> dict[str, str]:
    """The secret roles the flow's token form reads, from the user: a password grant's username and password."""
    roles = [f.secret_role for f in flow_of(target.api.auth).token_form(target.api.auth) if f.secret_role]
    if not roles:
        return {}
    if set(roles) != {"username", "password"}:  # the only roles a user types in; others come from consent
        raise AuthError(f"adfgen auth cannot ask for {', '.join(roles)}; put them into the vault yourself")
    username, password = credentials.resource_owner(target.api, how.ask)
    return {"username": username, "password": password}


def _consent(target: AuthTarget, client: tokens.Client, how: Interaction) -> consent.Grant:
    auth = target.api.auth
    declared = getattr(auth, "redirect_uri", None)  # set when the spec format declares the registered redirect URI

    def make_url(redirect_uri: str) -> tuple[str, str, str | None]:
        oauth = tokens.session(auth, client, redirect_uri=redirect_uri, verify=how.verify)
        return consent.authorization_url(oauth, auth.authorize_url, auth.pkce)

    redirect_uri = consent.redirect_uri_for(declared, how.port)
    if how.paste:
        if how.ask is None:
            raise AuthError("--paste needs an interactive terminal to paste the URL into")
        url, state, verifier = make_url(redirect_uri)
        return consent.by_paste(url, state, verifier, redirect_uri, read_line=lambda label: how.ask(label, True),
                                say=how.say)
    return consent.on_loopback(redirect_uri, make_url, open_browser=how.open_browser, timeout=how.timeout,
                               say=how.say)
