"""Values a diff must not print: secrets inline in a resource (a SecureString, a credential-named field).

adfgen's own output holds none (secrets stay in Key Vault), but `adfgen diff A B` reads any factory, and its output
may be posted on a pull request, so a changed credential is reported as changed without its value.
"""

from __future__ import annotations

import re
from typing import Any

HIDDEN = "(secret value hidden)"
# Field names ADF uses for credentials (linked services' password, servicePrincipalKey, accountKey, sasUri,
# connectionString, encryptedCredential, ...) and headers that carry them, in any spelling: x-api-key,
# Ocp-Apim-Subscription-Key, x-functions-key, X-Auth-Token, Cookie. Not "auth" alone: authenticationType is no secret.
_CREDENTIAL_KEY = re.compile(
    r"pass(word|wd)|pwd|secret|credential|account[-_]?key|principal[-_]?key|connection[-_]?string|sas[-_]?(uri|token)|"
    r"api[-_]?key|access[-_]?key|private[-_]?key|subscription[-_]?key|functions?[-_]?key|"
    r"(access|refresh|auth|id)[-_]?token|authorization|cookie|signature|^token$|^key$|[-_]key$", re.IGNORECASE)


def _node(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        if isinstance(document, dict) and isinstance(step, str):
            document = document.get(step)
        elif isinstance(document, list) and isinstance(step, int) and step < len(document):
            document = document[step]
        else:
            return None
    return document


def is_secret(path: tuple[Any, ...], *documents: Any) -> bool:
    """True when the leaf at `path` is a credential-named field (or its value/defaultValue) or a SecureString's value.

    Only the leaf's own name counts: a variable named Token still has a plain `type`.
    """
    named = [step for step in path[-2:] if isinstance(step, str)]
    if named and (_CREDENTIAL_KEY.search(named[-1]) or (
            len(named) == 2 and named[-1] in ("value", "defaultValue") and _CREDENTIAL_KEY.search(named[0]))):
        return True
    parent = path[:-1]
    return any(isinstance(_node(d, parent), dict) and _node(d, parent).get("type") == "SecureString"
               for d in documents)


# A credential in a query string or a form body: an Azure Function's ?code=, a SAS's sig=, client_secret=...
# (https://learn.microsoft.com/azure/azure-functions/function-keys-how-to, .../storage/common/storage-sas-overview).
_QUERY_SECRET = re.compile(
    r"((?:^|[?&;])(?:code|sig|key|[\w-]*api[-_]?key|[\w-]*token|[\w-]*secret|password|pwd)=)([^&#\s'\"]+)",
    re.IGNORECASE)


def mask_query_secrets(text: str) -> str:
    """`text` with the values of credential parameters in URLs and form bodies replaced by HIDDEN."""
    return _QUERY_SECRET.sub(lambda m: m.group(1) + HIDDEN, text)


def shown(value: Any, secret: bool) -> Any:
    """The value, or HIDDEN for a present secret (an absent side stays absent; an expression is code, not a secret).

    Any other text has its credential query parameters masked.
    """
    if isinstance(value, str) and not secret:
        return mask_query_secrets(value)
    if not secret or value is None or (isinstance(value, str) and value.startswith("@") and len(value) > 1):
        return value
    from adfgen.review.leaves import MISSING

    return value if value is MISSING else HIDDEN
