"""Fiddly ADF fragments built in Python: expressions, URLs, request bodies, pagination rules."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from adfgen.spec.pacing import page_seconds, request_interval_millis  # noqa: F401 (re-exported)
from adfgen.spec.model import PaginationUnit

UNIX_NOW = "div(sub(ticks(utcNow()), ticks('1970-01-01T00:00:00Z')), 10000000)"
MSI_VAULT_AUTH = {"type": "MSI", "resource": "https://vault.azure.net"}


def quote_literal(text: str) -> str:
    """An expression string literal: single quotes, inner quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def expression(body: str) -> dict[str, str]:
    """The Expression wrapper ADF Studio writes for dynamic content."""
    return {"value": "@" + body, "type": "Expression"}


def literal(text: str) -> str:
    """A literal JSON string value that ADF must not read as an expression (escapes `@` and `@{`)."""
    if text.startswith("@"):
        return "@" + text  # a leading `@@` makes the whole string literal, interpolations included
    return text.replace("@{", "@@{")


def concat(*parts: str) -> str:
    """`concat(a, b, ...)`, or the single part itself."""
    return parts[0] if len(parts) == 1 else f"concat({', '.join(parts)})"


def secret_value(activity: str) -> str:
    """The secret read by a Key Vault GET Web activity."""
    return f"activity({quote_literal(activity)}).output.value"


def key_vault_secret_url(secret_name: str, api_version: str) -> dict[str, str]:
    """URL of a secret in the vault named by the pipeline's KeyVaultUrl parameter."""
    return expression(concat("pipeline().parameters.KeyVaultUrl",
                             quote_literal(f"secrets/{secret_name}?api-version={api_version}")))


REPLY_DEFAULTS = {"access_token": "", "refresh_token": "", "error": "(none)", "error_description": "(none)"}


def reply_field(activity: str, name: str) -> str:
    """One field of a token reply, or its default when the reply lacks it (`?.` is not portable to every engine)."""
    import json

    defaults = quote_literal(json.dumps(REPLY_DEFAULTS, separators=(",", ":")))
    return f"union(json({defaults}), activity({quote_literal(activity)}).output).{name}"


def json_string(value_expr: str) -> str:
    """Escape an expression's value for use inside a JSON string literal (backslash, then quote)."""
    # ADF string literals have no backslash escapes: '\' is one backslash, '"' one quote
    return f"replace(replace({value_expr}, '\\', '\\\\'), '\"', '\\\"')"


def secret_put_body(value_expr: str, expires_at_expr: str | None = None) -> dict[str, str]:
    """Body of a Key Vault PUT: `{"value": ...}` plus `attributes.exp` (Unix seconds) when given."""
    if expires_at_expr is None:
        return expression(concat("'{\"value\":\"'", json_string(value_expr), "'\"}'"))
    return expression(concat("'{\"value\":\"'", json_string(value_expr), "'\",\"attributes\":{\"exp\":'",
                             f"string({expires_at_expr})", "'}}'"))


def form_body(fields: list[tuple[str, str | None]]) -> dict[str, str]:
    """A form-encoded body; each field is (name, expression) or (name, None) for a literal value in the name."""
    parts: list[str] = []
    pending = ""
    for index, (name, value_expr) in enumerate(fields):
        sep = "&" if index else ""
        if value_expr is None:  # a literal `name=value` pair, already encoded
            pending += sep + name
            continue
        pending += f"{sep}{name}="
        parts += [quote_literal(pending), f"uriComponent({value_expr})"]
        pending = ""
    if pending:
        parts.append(quote_literal(pending))
    return expression(concat(*parts))


def form_pair(name: str, value: str) -> str:
    """A literal, URL-encoded `name=value` form pair."""
    return f"{quote(name, safe='')}={quote(value, safe='')}"


def basic_auth_header(id_expr: str, secret_expr: str) -> dict[str, str]:
    """`Authorization: Basic base64(id:secret)`."""
    return expression(concat("'Basic '", f"base64(concat({id_expr}, ':', {secret_expr}))"))


def token_header(scheme: str, token_expr: str) -> dict[str, str]:
    """The header value carrying the access token: `<scheme> <token>`, or the bare token."""
    return expression(concat(quote_literal(scheme + " "), token_expr) if scheme else token_expr)


def pagination(unit: PaginationUnit, records_path: str | None,
               target: str = "QueryParameters") -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Query pairs the kind adds to the request (values may hold its `{var}`) and the Copy source's
    `paginationRules`; `target` is where the request writes the RANGE placeholder (AbsoluteUrl, QueryParameters or
    Headers: the connector-rest doc's `X.{var}` keys)."""
    paging = unit.paging(records_path)
    rules: dict[str, Any] = {}
    if paging.range is not None:
        rules[f"{target}.{{{paging.range.var}}}"] = f"RANGE:{paging.range.start}::{paging.range.step}"
    rules.update(paging.rules)
    rules["MaxRequestNumber"] = str(unit.request_cap)
    return list(paging.query), rules


def chunk_pagination(unit: PaginationUnit, records_path: str | None, first: str, pages: str,
                     target: str = "QueryParameters") -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Like `pagination`, but a kind with a RANGE pages one chunk: from variable `first` (pages already done)
    over variable `pages` pages. The RANGE bounds are expressions, which ADF does not document (assumed)."""
    query, rules = pagination(unit, records_path, target)
    paging = unit.paging(records_path)
    if paging.range is None:
        return query, rules
    start, step = paging.range.start, paging.range.step
    done, count = f"int(variables({quote_literal(first)}))", f"int(variables({quote_literal(pages)}))"
    last = f"sub(add({done}, {count}), 1)"
    low = f"add({start}, mul({done}, {step}))" if step != 1 else f"add({start}, {done})"
    high = f"add({start}, mul({last}, {step}))" if step != 1 else f"add({start}, {last})"
    rules[f"{target}.{{{paging.range.var}}}"] = expression(
        concat("'RANGE:'", f"string({low})", "':'", f"string({high})", quote_literal(f":{step}")))
    rules["MaxRequestNumber"] = expression(f"variables({quote_literal(pages)})")
    return query, rules


def collection_reference(records_path: str) -> str:
    """`$.a.b` → `$['a']['b']`, the form the Copy translator's collectionReference uses."""
    if not records_path.startswith("$.") or any(c in records_path for c in "[]*?"):
        return records_path
    return "$" + "".join(f"['{part}']" for part in records_path[2:].split("."))


# Pacing math lives in the spec layer (adfgen.spec.pacing): semantics checks budgets with it too.


def copy_start_wait(requests_per_minute: int, lanes: int, since: str) -> str:
    """Whole seconds a Wait must pause before a Copy so that its first request follows the lane's previous request by
    the interval: the interval less the time elapsed since `since` (an expression: when the lane's last Copy ended,
    or empty when unknown: then the whole interval). Wait takes whole seconds (documented, waitTimeInSeconds is an
    Integer: https://learn.microsoft.com/azure/data-factory/control-flow-wait-activity), so it rounds up."""
    millis = request_interval_millis(requests_per_minute, lanes)
    moment = f"if(empty({since}), utcNow(), {since})"
    elapsed = f"div(sub(ticks(utcNow()), ticks({moment})), 10000)"  # ticks are 100 ns
    return f"max(0, div(add(sub({millis}, {elapsed}), 999), 1000))"


def request_interval(requests_per_minute: int, lanes: int) -> str:
    """`request_interval_millis` as the Copy source's `requestInterval` (hh:mm:ss.fff)."""
    millis = request_interval_millis(requests_per_minute, lanes)
    seconds, millis = divmod(millis, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def timespan(seconds: int) -> str:
    """Seconds as hh:mm:ss (httpRequestTimeout)."""
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"
