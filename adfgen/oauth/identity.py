"""Identity values a spec declares (secrets.identity): where each comes from after consent.

The spec names only the secret and the header it is sent as; the source is found in this order (assumed
conventions until the spec format declares sources, issue 12):
1. the token reply, a field named by the secret name's last two or more words (Salesforce `instance_url` ->
   sf-instance-url, Zoho `api_domain` -> zoho-api-domain);
2. the redirect's query, likewise (QuickBooks `realmId` -> qbo-realm-id);
3. a tenant id (secret name ending in `tenant-id`) from the provider's connections call,
   `GET <base_url host>/connections` with the new access token (Xero: documented at
   https://developer.xero.com/documentation/guides/oauth2/auth-flow/#5-check-the-tenants-youre-authorized-to-access).
"""

from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import urlsplit

from adfgen.oauth.errors import AuthError
from adfgen.spec.model import Api

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
        value = _match(item.secret, reply) or _match(item.secret, redirect_query)
        if value is None and _key(item.secret).endswith("tenantid"):
            value = choose_tenant(connections(api, access_token, verify), tenant, choose)
        if value is None:
            raise AuthError(f"cannot find a value for identity secret {item.secret} (header {item.header}): not in "
                            "the token reply, not in the redirect, and no connections call applies; nothing was "
                            "written")
        values[item.secret] = value
    return values


def connections(api: Api, access_token: str, verify: Any = True) -> list[dict[str, str]]:
    """The tenants this consent reaches: `GET /connections` on the API's host."""
    import requests

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
        tenants = [t for t in reply.json() if isinstance(t, dict) and t.get("tenantId")]
    except (ValueError, TypeError):
        tenants = []
    if not tenants:
        raise AuthError(f"{url} lists no connected tenant: choose an organisation on the consent page and run "
                        "`adfgen auth login` again; nothing was written")
    return tenants


def choose_tenant(tenants: list[dict[str, str]], wanted: str | None,
                  choose: Callable[[list[dict[str, str]]], str] | None) -> str:
    """The tenant named by --tenant (its id or name), the only one, or the one the user picks."""
    if wanted:
        for tenant in tenants:
            if wanted in (tenant.get("tenantId"), tenant.get("tenantName")):
                return str(tenant["tenantId"])
        raise AuthError(f"--tenant: not among the connected tenants ({_names(tenants)}); nothing was written")
    if len(tenants) == 1:
        return str(tenants[0]["tenantId"])
    if choose is None:
        raise AuthError(f"the consent reaches {len(tenants)} tenants ({_names(tenants)}); pass --tenant NAME or ID; "
                        "nothing was written")
    return choose(tenants)


def _names(tenants: list[dict[str, str]]) -> str:
    # tenant names only: ids are kept in the vault like secrets, and the user can pass a name to --tenant
    return ", ".join(repr(t.get("tenantName") or "(unnamed)") for t in tenants)
