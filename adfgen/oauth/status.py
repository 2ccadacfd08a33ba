"""`auth status`: which secrets exist, the access token's expiry, the refresh token's age against its lifetime."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from adfgen.oauth.errors import CONSENT_GONE_EXIT, NEAR_EXPIRY_EXIT
from adfgen.oauth.stores import SecretStore
from adfgen.oauth.target import AuthTarget
from adfgen.spec.variants.auth import flow_of


@dataclass(frozen=True)
class SecretState:
    """One secret: present or not, when it was last written, its expiry (no value, ever)."""

    role: str
    name: str
    present: bool
    updated: int | None = None
    exp: int | None = None


@dataclass(frozen=True)
class Status:
    """The health of one API's tokens; `verdict` is ok, near_expiry or gone."""

    api: str
    store: str
    secrets: list[SecretState]
    verdict: str
    exit_code: int
    access_token_expires_in: int | None = None
    refresh_token_age: int | None = None
    refresh_token_lifetime: int | None = None
    refresh_token_remaining: int | None = None
    messages: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def warn_within(lifetime: int, keep_alive_seconds: int | None) -> int:
    """How close to the end a warning starts: two keep-alive periods (one missed run is no emergency, two are),
    at least a quarter of the lifetime."""
    return max(lifetime // 4, 2 * keep_alive_seconds) if keep_alive_seconds else lifetime // 4


def keep_alive_seconds(target: AuthTarget) -> int:
    """The keep-alive trigger's period in seconds: the spec's, or the default the build gives it."""
    from adfgen.build.contexts.triggers import default_keep_alive

    schedule = target.api.keep_alive or default_keep_alive(target.api)
    unit = {"Minute": 60, "Hour": 3600, "Day": 86400, "Week": 7 * 86400, "Month": 31 * 86400}[schedule.frequency]
    return unit * schedule.interval


def status(target: AuthTarget, store: SecretStore, now: float | None = None, warn: int | None = None) -> Status:
    """Read every secret the spec names (metadata only) and judge the consent."""
    now = int(now if now is not None else time.time())
    names = target.api.secrets
    roles = [("client_id", names.client_id), ("client_secret", names.client_secret),
             ("refresh_token", names.refresh_token), ("access_token", names.access_token),
             ("username", names.username), ("password", names.password)]
    roles += [(f"identity ({item.placeholder})", item.secret) for item in names.identity]
    states = []
    found: dict[str, Any] = {}
    for role, name in roles:
        if not name:
            continue
        stored = store.get(name)
        found[role] = stored
        states.append(SecretState(role, name, stored is not None, stored.updated if stored else None,
                                  stored.exp if stored else None))
    auth = target.api.auth
    messages: list[str] = []
    verdict, code = "ok", 0
    missing = [s.name for s in states if not s.present and not s.role.startswith("access")]
    if missing:
        verdict, code = "gone", CONSENT_GONE_EXIT
        messages.append(f"missing: {', '.join(missing)}; run `adfgen auth login {target.api.name}`")
    access = found.get("access_token")
    expires_in = access.exp - now if access is not None and access.exp is not None else None
    if expires_in is not None and expires_in <= 0:
        messages.append("the access token has expired (the next run refreshes it)")
    age = lifetime = remaining = None
    refresh = found.get("refresh_token")
    if flow_of(auth).keep_alive and refresh is not None and refresh.updated is not None:
        age = now - refresh.updated
        lifetime = auth.refresh_token_lifetime
        if lifetime:
            remaining = lifetime - age
            threshold = warn if warn is not None else warn_within(lifetime, keep_alive_seconds(target))
            if remaining <= 0:
                verdict, code = "gone", CONSENT_GONE_EXIT
                messages.append(f"the refresh token was last rotated {days_text(age)} ago, beyond its lifetime of "
                                f"{days_text(lifetime)}: the provider has most likely dropped it; run `adfgen auth login "
                                f"{target.api.name}` and check that the keep-alive trigger is started")
            elif remaining <= threshold and verdict == "ok":
                verdict, code = "near_expiry", NEAR_EXPIRY_EXIT
                messages.append(f"the refresh token was last rotated {days_text(age)} ago and expires unused in "
                                f"{days_text(remaining)}: check that the keep-alive trigger runs, or run `adfgen auth "
                                f"refresh {target.api.name}`")
    return Status(target.api.name, store.description, states, verdict, code, expires_in, age, lifetime, remaining,
                  messages)


def days_text(seconds: int) -> str:
    """A duration for people: days, hours or seconds."""
    if abs(seconds) >= 86400:
        return f"{seconds / 86400:.1f} days"
    if abs(seconds) >= 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds} s"
