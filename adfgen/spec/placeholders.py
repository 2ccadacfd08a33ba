"""`{name}` placeholders in request parts: what each name stands for and which parts may hold it.

One mechanism for every value a request needs: API constants (`params`), identity values read from Key Vault
(`secrets.identity[].name`), the sync window (`{watermark}`, `{watermark_end}`), paging values written by ADF's
pagination rules (`{page}`, `{offset}`, `{position}`) and the parent record's key in a fan-out (`{projectId}`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from pydantic import AfterValidator

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# a placeholder already percent-encoded: ADF's rules replace only the literal `{var}`, and a build would send it as is
ENCODED = re.compile(r"%7B([A-Za-z_][A-Za-z0-9_]*)%7D", re.IGNORECASE)
WATERMARK, WATERMARK_END = "watermark", "watermark_end"
EPOCH_FORMATS = ("unix", "unix_ms")

# what a name stands for
CONSTANT, IDENTITY, WINDOW, PAGING, PARENT = "constant", "identity value", "sync window", "paging value", "parent key"
# the request parts (base_url, path, query, header, body, token_url) that refuse some kinds of value, and why
_ONLY_CONSTANTS = ("the token request runs in the refresh pipeline, before any identity value, window or page is "
                   "known: only params constants")
_NOT_IN_BODY = ("ADF's pagination rules write only AbsoluteUrl, QueryParameters and Headers of the next request "
                "(https://learn.microsoft.com/azure/data-factory/connector-rest#pagination-support), never a body")
_NOT_IN_BASE = "a base URL takes params constants and identity values; write the others in the path or query"
REFUSED: dict[str, dict[str, str]] = {
    "token_url": {IDENTITY: _ONLY_CONSTANTS, WINDOW: _ONLY_CONSTANTS, PAGING: _ONLY_CONSTANTS, PARENT: _ONLY_CONSTANTS},
    "base_url": {WINDOW: _NOT_IN_BASE, PAGING: _NOT_IN_BASE, PARENT: _NOT_IN_BASE},
    "body": {PAGING: _NOT_IN_BODY},
}


# .NET escapes for a few literal characters ('T', "Z", \T) are date formatting; anything longer is filter text
_SHORT_LITERAL = re.compile(r"""'[^']{1,3}'|"[^"]{1,3}"|\\.""")


# .NET standard date formats (one letter) that write the year (https://learn.microsoft.com/dotnet/standard/base-types/
# standard-date-and-time-format-strings); the others (t, T, M) write no year, so they cannot bound a sync window
_STANDARD_WITH_YEAR = set("dDfFgGOoRrsuUYy")


def _watermark_format(value: str) -> str:
    """A .NET date format, or unix / unix_ms; literal text (the old way to smuggle a filter in) is refused."""
    if value in EPOCH_FORMATS:
        return value
    if any(c in _SHORT_LITERAL.sub("", value) for c in "'\"\\") or not value.strip():
        raise ValueError("must be a date format such as yyyy-MM-ddTHH:mm:ss (or unix, unix_ms); quoted text "
                         "beyond a short escape such as 'T' is filter text: write the filter around the placeholder "
                         "instead, e.g. query: {query: \"SELECT * FROM Invoice WHERE Metadata.LastUpdatedTime > "
                         "'{watermark}'\"}")
    if len(value) == 1 and value not in _STANDARD_WITH_YEAR or len(value) > 1 and "y" not in _SHORT_LITERAL.sub(
            "", value):
        raise ValueError(f"{value!r} writes no year, so it cannot bound a sync window: give a .NET date format with "
                         "the year (yyyy-MM-ddTHH:mm:ss, or a standard one such as o, s, u), or unix / unix_ms for "
                         "Unix seconds / milliseconds")
    return value


WatermarkFormat = Annotated[str, AfterValidator(_watermark_format)]


@dataclass(frozen=True)
class Binding:
    """What one `{name}` stands for: its kind and its source (a constant's text, a secret name, a key field...)."""

    name: str
    kind: str
    source: str


def names_in(text: str) -> list[str]:
    """The placeholder names in `text`, in order (repeats kept)."""
    return PLACEHOLDER.findall(text)


def pieces(text: str) -> list[tuple[str, str | None]]:
    """`text` cut into (literal, None) and (placeholder text, name) pieces, in order."""
    found: list[tuple[str, str | None]] = []
    at = 0
    for match in PLACEHOLDER.finditer(text):
        if match.start() > at:
            found.append((text[at:match.start()], None))
        found.append((match.group(0), match.group(1)))
        at = match.end()
    if at < len(text):
        found.append((text[at:], None))
    return found


def api_bindings(api: Any) -> dict[str, Binding]:
    """Names valid in every request of an API: its params constants and identity values."""
    bound = {name: Binding(name, CONSTANT, value) for name, value in api.params.items()}
    for identity in api.secrets.identity:
        bound.setdefault(identity.placeholder, Binding(identity.placeholder, IDENTITY, identity.secret))
    return bound


def endpoint_bindings(api: Any, endpoint: Any) -> dict[str, Binding]:
    """Names valid in one endpoint's requests: the API's, plus its window, paging values and parent key."""
    bound = api_bindings(api)
    if endpoint.incremental is not None:
        for name in (WATERMARK, WATERMARK_END):
            bound.setdefault(name, Binding(name, WINDOW, name))
    for name in (endpoint.pagination or api.pagination).paging_names:
        bound.setdefault(name, Binding(name, PAGING, name))
    if endpoint.parent is not None:
        name = endpoint.parent.placeholder or endpoint.parent.key
        bound.setdefault(name, Binding(name, PARENT, endpoint.parent.key))
    return bound


def reserved_by(api: Any, endpoint: Any) -> dict[str, str]:
    """Names the endpoint itself defines (window, paging, parent key) → what defines them: a constant or identity
    value may not take one."""
    taken = {}
    if endpoint.incremental is not None:
        taken.update({WATERMARK: "the sync window", WATERMARK_END: "the sync window"})
    pagination = endpoint.pagination or api.pagination
    taken.update({name: f"{pagination.kind} pagination" for name in pagination.paging_names})
    if endpoint.parent is not None:
        taken[endpoint.parent.placeholder or endpoint.parent.key] = "the parent key"
    return taken


def choices(bound: dict[str, Binding], part: str) -> str:
    """The names a part may hold, for messages."""
    usable = sorted("{" + n + "}" for n, b in bound.items() if b.kind not in REFUSED.get(part, {}))
    return ", ".join(usable) if usable else "(none)"


def constants_written(api: Any) -> Any:
    """The API with its params constants written into its base URLs and token/authorize URLs (percent-encoded), so
    that every reader (refresh pipeline, linked services, ARM parameters, `adfgen auth`) sees the real URL."""
    if not api.params:
        return api

    def fill(text: str | None) -> str | None:
        if text is None:
            return None
        # a constant at the very start is the whole origin (https://host): written as it is, and it must be one
        return PLACEHOLDER.sub(lambda m: (api.params[m.group(1)] if m.start() == 0 else
                                          quote(api.params[m.group(1)], safe="")) if m.group(1) in api.params
                               else m.group(0), text)

    def origin(text: str | None) -> str | None:
        filled = fill(text)
        if filled is not None and not PLACEHOLDER.match(filled) and not filled.startswith("https://"):
            raise ValueError(f"base_url {text!r} begins with a params constant that is no https:// origin: "
                             f"{filled!r}; write https:// in the base_url, or the whole origin in the constant")
        return filled

    auth = api.auth.model_copy(update={k: fill(getattr(api.auth, k)) for k in ("token_url", "authorize_url")
                                       if getattr(api.auth, k) is not None})  # Auth has every flow's fields
    endpoints = [e.model_copy(update={"base_url": origin(e.base_url)}) if e.base_url else e for e in api.endpoints]
    return api.model_copy(update={"base_url": origin(api.base_url), "auth": auth, "endpoints": endpoints})
