"""What activities mean for the security and reliability rules: Key Vault calls, token calls, secret outputs."""

from __future__ import annotations

import json
import re
from typing import Any

from adfgen.check.exprs import analyse
from adfgen.check.walk import Activity, Pipeline, value_text

KEYVAULT_HOST = re.compile(r"\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)", re.I)
SECRETS_SEGMENT = re.compile(r"(^|[/'])secrets/", re.I)
TOKEN_URL = re.compile(r"/tokens?(?=$|[?'\"/#}])", re.I)
GRANT_TYPE = re.compile(r"grant_type", re.I)
REFRESH_GRANT = re.compile(r"grant_type\W{0,6}refresh_token", re.I)
CREDENTIAL_IN_BODY = re.compile(r"client_secret|refresh_token|password|client_assertion|[?&'\"]code=|\bcode\b\W{0,4}[:=]", re.I)
KEYVAULT_SECRET_FIELDS = frozenset({"value"})
TOKEN_SECRET_FIELDS = frozenset({"access_token", "refresh_token", "id_token"})
NO_POLICY_TYPES = frozenset({"foreach", "ifcondition", "until", "switch", "filter", "wait", "fail", "validation"})


def text_of(value: Any) -> str:
    """A searchable text for a literal, an Expression wrapper, or a JSON body object."""
    text = value_text(value)
    if text or value is None or isinstance(value, str):
        return text
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return ""


def is_web(activity: Activity) -> bool:
    """A Web activity."""
    return activity.kind == "webactivity"


def method_of(activity: Activity) -> str:
    """The HTTP method, upper case ('' when dynamic or missing)."""
    return value_text(activity.type_properties.get("method")).upper()


def url_of(activity: Activity) -> str:
    """The URL text (literal or expression)."""
    return value_text(activity.type_properties.get("url"))


def _msi_for_keyvault(activity: Activity) -> bool:
    auth = activity.type_properties.get("authentication")
    return isinstance(auth, dict) and "vault.azure" in value_text(auth.get("resource")).lower()


def is_keyvault_call(activity: Activity) -> bool:
    """A Web activity that calls the Key Vault data plane."""
    if not is_web(activity):
        return False
    url = url_of(activity)
    if KEYVAULT_HOST.search(url):
        return True
    # A vault-audience token alone is not enough (it is copied around); the URL must look like Key Vault too.
    return _msi_for_keyvault(activity) and bool(re.search(r"secrets|vault", url, re.I))


def is_keyvault_read(activity: Activity) -> bool:
    """A Key Vault GET (a secret read)."""
    return is_keyvault_call(activity) and method_of(activity) in ("GET", "")


def is_keyvault_write(activity: Activity) -> bool:
    """A Key Vault PUT (a secret write)."""
    return is_keyvault_call(activity) and method_of(activity) == "PUT"


def body_text(activity: Activity) -> str:
    """The request body as text."""
    return text_of(activity.type_properties.get("body"))


def is_token_call(activity: Activity) -> bool:
    """A Web POST to an OAuth token endpoint (by its URL or a grant_type in the body)."""
    if not is_web(activity) or method_of(activity) != "POST" or is_keyvault_call(activity):
        return False
    return bool(GRANT_TYPE.search(body_text(activity)) or TOKEN_URL.search(url_of(activity)))


def is_refresh_grant(activity: Activity) -> bool:
    """A token call that redeems a refresh token (the token may rotate)."""
    return is_token_call(activity) and bool(REFRESH_GRANT.search(body_text(activity)))


def sends_credentials(activity: Activity) -> bool:
    """A token call whose body or Authorization header carries a credential."""
    headers = activity.type_properties.get("headers")
    if isinstance(headers, dict) and any(str(k).lower() == "authorization" for k in headers):
        return True
    return bool(CREDENTIAL_IN_BODY.search(body_text(activity)))


def is_true(value: Any) -> bool:
    """A JSON true (or the string "true")."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def secure_input(activity: Activity) -> bool:
    """policy.secureInput is true."""
    return is_true(activity.policy.get("secureInput"))


def secure_output(activity: Activity) -> bool:
    """policy.secureOutput is true."""
    return is_true(activity.policy.get("secureOutput"))


def secret_producers(pipeline: Pipeline) -> dict[str, frozenset[str]]:
    """Activities whose output holds a secret, by lower-case name, with the output fields that are secret."""
    cached = getattr(pipeline, "_secret_producers", None)
    if cached is not None:
        return cached
    found: dict[str, frozenset[str]] = {}
    for activity in pipeline.all:
        if is_keyvault_read(activity):
            found[activity.name.lower()] = KEYVAULT_SECRET_FIELDS
        elif is_token_call(activity):
            found[activity.name.lower()] = TOKEN_SECRET_FIELDS
    pipeline._secret_producers = found  # type: ignore[attr-defined]
    return found


def secret_reads(text: str, producers: dict[str, frozenset[str]]) -> list[tuple[str, int, str]]:
    """(producer as written, position, field) for each reference in `text` to a secret output field."""
    hits = []
    for ref in analyse(text).refs:
        if ref.kind != "activity" or not ref.name or ref.name.lower() not in producers:
            continue
        members = ref.members
        if not members or members[0].lower() != "output":
            if members:
                continue  # e.g. activity('X').status
            hits.append((ref.name, ref.position, "output"))
            continue
        field = members[1] if len(members) > 1 else ""
        if not field or field.lower() in producers[ref.name.lower()] or field.startswith("["):
            hits.append((ref.name, ref.position, field or "output"))
    return hits


def keyvault_secret_name(activity: Activity) -> str:
    """The secret name in a Key Vault URL ('' when not literal)."""
    match = re.search(r"secrets/([0-9A-Za-z-]+)", url_of(activity))
    return match.group(1) if match else ""
