"""Cross-field rules of an API's auth and secrets, read from its flow unit: the fields and secret roles the flow uses,
the flow's own rules, one secret per role, and where each identity value comes from."""

from __future__ import annotations

from typing import Callable

from adfgen.spec.model import AUTH_FIELD_FLOWS, Api
from adfgen.spec.variants.auth import ROLES, flow_of
from adfgen.spec.yaml_source import PathKey, dotted_path

Report = Callable[[PathKey, str], None]


def check_auth(api: Api, at: PathKey, report: Report) -> None:
    """Every auth problem of one API, reported under `at` (e.g. ("apis", 0))."""
    auth, secrets = api.auth, api.secrets
    flow = flow_of(auth)
    for key in sorted(auth.model_fields_set & set(AUTH_FIELD_FLOWS)):
        if auth.flow not in AUTH_FIELD_FLOWS[key]:
            report(at + ("auth", key), f"'{key}' does not apply to the {auth.flow} flow (only to "
                   f"{', '.join(AUTH_FIELD_FLOWS[key])}); remove it")
    used = flow.required_secrets + flow.optional_secrets
    for role in flow.required_secrets:
        if getattr(secrets, role) is None:
            report(at + ("secrets",), f"missing secret name '{role}': the {auth.flow} flow needs it")
    for role in ROLES:
        if role not in used and getattr(secrets, role) is not None:
            report(at + ("secrets", role), f"the {auth.flow} flow never uses secrets.{role}; remove it (this "
                   f"flow uses: {', '.join(used)})")
    if api.keep_alive is not None and not flow.keep_alive:
        report(at + ("keep_alive",), f"the {auth.flow} flow has no refresh token to keep alive; remove keep_alive")
    for path, message in flow.check(api):
        report(at + path, message)
    names: dict[str, str] = {}
    for role in ROLES:
        value = getattr(secrets, role)
        if value is None:
            continue
        if value in names:
            report(at + ("secrets", role), f"secret '{value}' is also used as {names[value]}; each role needs "
                   "its own secret")
        names.setdefault(value, role)
    _check_identity(api, at, names, report)


def _check_identity(api: Api, at: PathKey, names: dict[str, str], report: Report) -> None:
    """Identity values: own secrets, unique placeholder names, sources the flow has."""
    flow = flow_of(api.auth)
    placeholders: dict[str, int] = {}
    for i, identity in enumerate(api.secrets.identity):
        where = at + ("secrets", "identity", i)
        if identity.secret in names:
            report(where + ("secret",), f"secret '{identity.secret}' is also used as {names[identity.secret]}")
        names.setdefault(identity.secret, f"identity value {identity.placeholder}")
        if identity.placeholder in placeholders:
            report(where + ("name",), f"identity name '{identity.placeholder}' is also the name of "
                   f"secrets.identity[{placeholders[identity.placeholder]}]; each needs its own name")
        placeholders.setdefault(identity.placeholder, i)
        if identity.placeholder in api.params:  # a constant would win silently: the value read at login never sent
            report(where + ("name" if identity.name else "secret",),
                   f"{{{identity.placeholder}}} is both an identity value ({dotted_path(where)}) and a params constant "
                   f"({dotted_path(at + ('params', identity.placeholder))}); a placeholder stands for one value and "
                   "the constant would be sent in place of the value read at login: rename one of them")
        if identity.source == "consent_redirect" and not flow.consent:
            report(where + ("from",), f"the {api.auth.flow} flow has no consent redirect; choose token_reply or "
                   "connections_call")
        if identity.source == "connections_call" and identity.url is None and not api.base_url.startswith("https://"):
            report(where + ("from",), f"a connections call defaults to /connections on the base URL's host, but "
                   f"base_url {api.base_url!r} takes its host from a placeholder; give the connections URL as url")
        if identity.source != "connections_call":
            for key in ("url", "label"):
                if getattr(identity, key) is not None:
                    report(where + (key,), f"'{key}' applies to from: connections_call only")
