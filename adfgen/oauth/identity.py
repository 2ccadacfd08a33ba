"""Identity values a spec declares (secrets.identity): where each comes from after consent.

Each value names its source with `from`:
- `token_reply`: a field of the token endpoint's reply (Salesforce `instance_url`, Zoho `api_domain`);
- `consent_redirect`: a query parameter of the consent redirect (QuickBooks `realmId`);
- `connections_call`: a GET after consent with the new access token, one item chosen (Xero's tenants: documented at
   https://developer.xero.com/documentation/guides/oauth2/auth-flow/#5-check-the-tenants-youre-authorized-to-access).
A value without `from` is looked for in this order (the assumed conventions of specs written before `from` existed):
1. the token reply, a field named by the secret name's last two or more words (`instance_url` -> sf-instance-url);
2. the redirect's query, likewise (`realmId` -> qbo-realm-id);
3. a tenant id (secret name ending in `tenant-id`) from `GET <base_url host>/connections`.
"""

from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import urlsplit

from adfgen.oauth.errors import AuthError
from adfgen.spec.model import Api, IdentityValue

TIMEOUT = 30


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _match(secret: str, values: dict[str, Any]) -> Any:
    """A value whose field name is the secret name's last two or more words, or all of it (ignoring case, dashes
    and underscores): `realmId` fits qbo-realm-id, but a bare `id` fits no tenant-id."""
    words = [w for w in secret.lower().split("-") if w]
    suffixes = {"".join(words[i:]) for i in range(len(words) - 1)} | {"".join(words)}
    found = [(len(_key(k)), str(v)) for k, v in values.items()
             if _key(k) in suffixes and isinstance(v, (str, int)) and not isinstance(v, bool) and str(v)]
    return max(found)[1] if found else None


def collect(api: Api, access_token: str, token_fields: dict[str, Any], redirect_query: dict[str, str], *,
            tenant: str | None, choose: Callable[[list[dict[str, str]]], str] | None, verify: Any = True
            ) -> dict[str, str]:
    """Secret name -> value for every identity value the spec declares; an AuthError when one cannot be found."""
    ignored = {"access_token", "refresh_token", "token_type", "expires_in", "expires_at", "scope", "id_token"}
    reply = {k: v for k, v in token_fields.items() if k not in ignored}
    values: dict[str, str] = {}
    for item in api.secrets.identity:
        value = _from_source(api, item, access_token, reply, redirect_query, tenant, choose, verify)
        if value is None:
            raise AuthError(_not_found(item))
        values[item.secret] = value
    return values


SOURCE_TEXT = {"token_reply": "the token reply", "consent_redirect": "the consent redirect's query",
               "connections_call": "the connections call"}


def _not_found(item: IdentityValue) -> str:
    """Why an identity value could not be found, naming its source and field."""
    if item.source is None:
        return (f"cannot find a value for identity secret {item.secret}: not in the token reply, not in the redirect, "
                "and no connections call applies; set its `from` in the spec; nothing was written")
    return (f"cannot find identity value {item.placeholder} (field {item.field or item.placeholder!r}) in "
            f"{SOURCE_TEXT[item.source]}; check secrets.identity in the spec; nothing was written")


def _from_source(api: Api, item: IdentityValue, access_token: str, reply: dict[str, Any],
                 redirect_query: dict[str, str], tenant: str | None,
                 choose: Callable[[list[dict[str, str]]], str] | None, verify: Any) -> str | None:
    """One identity value from its declared source, or by the conventions when it declares none."""
    wanted = item.field or item.placeholder
    if item.source == "token_reply":
        return _plain(reply.get(wanted))
    if item.source == "consent_redirect":
        return _plain(redirect_query.get(wanted))
    if item.source == "connections_call":
        key, label = item.field or "tenantId", item.label or "tenantName"
        return choose_tenant(connections(api, access_token, verify, item.url, key), tenant, choose, key, label)
    value = _match(item.secret, reply) or _match(item.secret, redirect_query)
    if value is None and _key(item.secret).endswith("tenantid"):
        value = choose_tenant(connections(api, access_token, verify), tenant, choose)
    return value


def _plain(value: Any) -> str | None:
    """A non-empty string or number as text; anything else (a missing field, an object) is not a value."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value):
        return None
    return str(value)


def connections(api: Api, access_token: str, verify: Any = True, url: str | None = None,
                key: str = "tenantId") -> list[dict[str, str]]:
    """The items (e.g. tenants) this consent reaches: `GET url` (default: `/connections` on the API's host)."""
    import requests

    if url is None:
        parts = urlsplit(api.base_url)
        url = f"{parts.scheme}://{parts.netloc}/connections"
    try:
        reply = requests.get(url, headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
                             timeout=TIMEOUT, verify=verify)
    except requests.exceptions.RequestException as exc:
        raise AuthError(f"cannot reach {url} to list the connected tenants ({type(exc).__name__}); check the "
                        "network and run `adfgen auth login` again; nothing was written") from None
    if reply.status_code != 200:
        raise AuthError(f"{url} answered HTTP {reply.status_code} when listing the connected tenants; run `adfgen "
                        "auth login` again and make sure the consent includes an organisation; nothing was written")
    try:
        tenants = [t for t in reply.json() if isinstance(t, dict) and t.get(key)]
    except (ValueError, TypeError):
        tenants = []
    if not tenants:
        raise AuthError(f"{url} lists no connected tenant: choose an organisation on the consent page and run "
                        "`adfgen auth login` again; nothing was written")
    return tenants


def choose_tenant(tenants: list[dict[str, str]], wanted: str | None,
                  choose: Callable[[list[dict[str, str]]], str] | None, key: str = "tenantId",
                  label: str = "tenantName") -> str:
    """The item named by --tenant (its `key` or `label`), the only one, or the one the user picks."""
    # one shape for the chooser and the messages, whatever the provider calls its fields
    tenants = [{"tenantId": str(t[key]), "tenantName": str(t.get(label) or "")} for t in tenants]
    if wanted:
        for tenant in tenants:
            if wanted in (tenant["tenantId"], tenant["tenantName"]):
                return tenant["tenantId"]
        raise AuthError(f"--tenant: not among the connected tenants ({_names(tenants)}); nothing was written")
    if len(tenants) == 1:
        return tenants[0]["tenantId"]
    if choose is None:
        raise AuthError(f"the consent reaches {len(tenants)} tenants ({_names(tenants)}); pass --tenant NAME or ID; "
                        "nothing was written")
    return choose(tenants)


def _names(tenants: list[dict[str, str]]) -> str:
    # tenant names only: ids are kept in the vault like secrets, and the user can pass a name to --tenant
    return ", ".join(repr(t.get("tenantName") or "(unnamed)") for t in tenants)
