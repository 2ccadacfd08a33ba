"""One worker's request: base URL, relative URL, headers, body and pagination rules, with every `{placeholder}`
written as ADF will send it.

Literal query text and constants are percent-encoded here (RFC 3986 unreserved characters kept: Python's
`quote(safe='')`), values known only at run time with `uriComponent()`, which encodes the same set (checked against
Microsoft's engine in tests/test_spec_requests.py). Paging placeholders stay `{var}` for ADF's RANGE rule to fill.
The REST source is assumed to send the relative URL as given (evidence row `rest.url_as_given`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from adfgen.build import activity_names as act
from adfgen.build import fragments as fx
from adfgen.spec.model import Api, Endpoint
from adfgen.spec.placeholders import (CONSTANT, EPOCH_FORMATS, IDENTITY, PAGING, PARENT, WATERMARK, WINDOW,
                                      endpoint_bindings, names_in, pieces)

URL_PARTS = ("base_url", "path", "query")
# where a RANGE placeholder sits decides the rule's key: documented, examples 1-3 of
# https://learn.microsoft.com/azure/data-factory/connector-rest#pagination-rules-examples ({offset} in the relative
# URL's query with QueryParameters.{offset} or AbsoluteUrl.{offset}; {id} in the base or relative URL with
# AbsoluteUrl.{id}; {id} in additionalHeaders with Headers.{id}). A {var} inside a longer value is assumed.
RULE_TARGET = {"base_url": "AbsoluteUrl", "path": "AbsoluteUrl", "query": "QueryParameters", "header": "Headers"}
EPOCH_DIVISOR = {"unix": 10000000, "unix_ms": 10000}  # ticks are 100 ns


def window_value(moment: str, date_format: str) -> str:
    """A window bound as the API wants it: a .NET date format, or Unix seconds / milliseconds."""
    if date_format in EPOCH_FORMATS:
        return f"string(div(sub(ticks({moment}), ticks('1970-01-01T00:00:00Z')), {EPOCH_DIVISOR[date_format]}))"
    return f"formatDateTime({moment}, {fx.quote_literal(date_format)})"


@dataclass(frozen=True)
class Values:
    """What each `{name}` of one worker becomes: a constant's text, or an expression evaluated at run time."""

    constants: dict[str, str]
    expressions: dict[str, str]
    paging: frozenset[str]


def worker_values(api: Api, endpoint: Endpoint, window_start: str | None, window_end: str | None,
                  parent_key: str | None) -> Values:
    """The values of one worker's placeholders; `window_*` and `parent_key` are the expressions it has."""
    constants, expressions, paging = {}, {}, set()
    for name, binding in endpoint_bindings(api, endpoint).items():
        if binding.kind == CONSTANT:
            constants[name] = binding.source
        elif binding.kind == IDENTITY:
            expressions[name] = fx.secret_value(act.read_identity(binding.source))
        elif binding.kind == PAGING:
            paging.add(name)
        elif binding.kind == WINDOW and window_start is not None:
            fmt = endpoint.incremental.format
            expressions[name] = window_value(window_start if name == WATERMARK else window_end, fmt)
        elif binding.kind == PARENT and parent_key is not None:
            expressions[name] = f"string({parent_key})"
    return Values(constants, expressions, frozenset(paging))


def render(text: str, part: str, values: Values) -> list[tuple[bool, str]]:
    """`text` as (is expression, text) pieces, encoded for `part`."""
    in_url = part in URL_PARTS
    found: list[tuple[bool, str]] = []
    for index, (piece, name) in enumerate(pieces(text)):
        # a base URL's leading value is its whole origin (Salesforce's instance_url, https://host): not encoded
        encode = in_url and not (part == "base_url" and index == 0)
        if name is None or name in values.paging:
            found.append((False, quote(piece, safe="") if part == "query" and name is None else piece))
        elif name in values.constants:
            found.append((False, quote(values.constants[name], safe="") if encode else values.constants[name]))
        else:
            value = values.expressions[name]
            found.append((True, f"uriComponent({value})" if encode else value))
    return found


def as_value(found: list[tuple[bool, str]], literal: Any = fx.literal) -> Any:
    """A JSON value: a literal string when nothing is dynamic, else one Expression of adjacent pieces merged."""
    if not any(dynamic for dynamic, _ in found):
        return literal("".join(text for _, text in found))
    merged: list[str] = []
    pending = ""
    for dynamic, text in found:
        if dynamic:
            if pending:
                merged.append(fx.quote_literal(pending))
                pending = ""
            merged.append(text)
        else:
            pending += text
    if pending:
        merged.append(fx.quote_literal(pending))
    return fx.expression(fx.concat(*merged))


def relative_url(endpoint: Endpoint, paging_query: list[tuple[str, str]], values: Values) -> Any:
    """The Copy's RelativeUrl: the path, then the spec's query pairs (sorted), then the pagination's."""
    pairs = sorted((k, str(v).lower() if isinstance(v, bool) else str(v)) for k, v in endpoint.query.items())
    found = render(endpoint.path, "path", values)
    for index, (name, value) in enumerate(pairs + list(paging_query)):
        separator = "&" if index or "?" in endpoint.path else "?"
        found.append((False, f"{separator}{quote(name, safe='')}="))
        found += render(value, "query", values)
    return as_value(found)


def paging_target(api: Api, endpoint: Endpoint) -> str:
    """Which rule key (AbsoluteUrl, QueryParameters, Headers) the pagination's RANGE placeholder needs."""
    pagination = endpoint.pagination or api.pagination
    for name in pagination.paging_names:
        for part, text in request_texts(api, endpoint):
            if name in names_in(text):
                return RULE_TARGET[part]
    return "QueryParameters"  # the kind's own query pair (page={page}, offset={offset})


def request_texts(api: Api, endpoint: Endpoint) -> list[tuple[str, str]]:
    """(part, text) of every request part that may hold a placeholder."""
    texts = [("base_url", endpoint.base_url or api.base_url), ("path", endpoint.path)]
    texts += [("query", v) for v in endpoint.query.values() if isinstance(v, str)]
    texts += [("header", v) for v in list(api.headers.values()) + list(endpoint.headers.values())]
    if endpoint.body is not None:
        texts.append(("body", endpoint.body))
    return texts


def used_identities(api: Api, endpoint: Endpoint) -> list[Any]:
    """The identity values a worker reads: those sent as headers or written as `{name}` in its request."""
    used = {name for _, text in request_texts(api, endpoint) for name in names_in(text)}
    return [i for i in api.secrets.identity if i.header or i.placeholder in used]


def request_context(api: Api, endpoint: Endpoint, values: Values, token_in_vault: bool,
                    vault_api_version: str) -> dict[str, Any]:
    """The Copy's request: base and relative URL, method, body, headers, pagination rules and the identity reads."""
    query, rules = fx.chunk_pagination(endpoint.pagination or api.pagination, endpoint.records_path, "ChunkStart",
                                       "ChunkPages", paging_target(api, endpoint))
    static: dict[str, tuple[str, str]] = {}  # header names are case-insensitive: the endpoint's override the API's
    for key, value in list(api.headers.items()) + list(endpoint.headers.items()):
        static[key.lower()] = (key, value)
    headers: dict[str, Any] = {key: as_value(render(value, "header", values))
                               for key, value in sorted(static.values())}
    if token_in_vault:  # otherwise the linked service authenticates
        headers[api.auth.token_header.name] = fx.token_header(api.auth.token_header.scheme,
                                                              fx.secret_value("Get Access Token"))
    reads = []
    for identity in used_identities(api, endpoint):
        activity = act.read_identity(identity.secret)
        reads.append({"activity": activity, "url": fx.key_vault_secret_url(identity.secret, vault_api_version)})
        if identity.header:  # without one the value is only a {placeholder}
            headers[identity.header] = fx.expression(fx.secret_value(activity))
    return {
        "identity_reads": reads,
        "base_url": as_value(render(endpoint.base_url or api.base_url, "base_url", values)),
        "relative_url": relative_url(endpoint, query, values),
        "method": endpoint.method,
        "body": as_value(render(endpoint.body, "body", values)) if endpoint.body is not None else None,
        "headers": headers,
        "pagination_rules": rules,
    }
