"""The REST source: the request (URL join, headers, auth) and ADF's pagination rules, page by page."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from adfgen.local.activities import _jsonpath
from adfgen.local.activities._datasets import Dataset, secret
from adfgen.local.activities.web import body_bytes, text_headers
from adfgen.local.clock import parse_timespan
from adfgen.local.runner import ActivityContext, ActivityFailure
from adfgen.local.transport import HttpReply

DEFAULT_TIMEOUT = 100.0  # documented default httpRequestTimeout 00:01:40
DEFAULT_INTERVAL = 1.0  # documented default requestInterval 00:00:01
_KEY = re.compile(r"""^(AbsoluteUrl|QueryParameters|Headers)(?:\.(.+)|\[\s*'(.+)'\s*\])?$""")
_RANGE = re.compile(r"^RANGE:(-?\d+):(-?\d*):(-?\d+)$")
_LINK = re.compile(r"""<([^>]*)>\s*((?:;\s*[^;,]+)*)""")


@dataclass
class RangeRule:
    """`X.{var}: RANGE:start:end:step`: the placeholder {var} takes start, start+step, ... up to end."""

    target: str
    var: str
    start: int
    end: int | None
    step: int
    named: bool = False  # `QueryParameters.page: RANGE:...` without braces sets that parameter (or header)


@dataclass
class Rules:
    """Parsed paginationRules."""

    ranges: list[RangeRule] = field(default_factory=list)
    nexts: list[tuple[str, str | None, str]] = field(default_factory=list)  # (target, name, value path)
    ends: list[tuple[str, str]] = field(default_factory=list)  # (path, condition)
    max_requests: int | None = None
    rfc5988: bool = True
    defined: bool = False


def parse_rules(raw: Any) -> Rules:
    """Rules from a paginationRules object (keys are case-sensitive, as documented)."""
    rules = Rules()
    if not isinstance(raw, dict) or not raw:
        return rules
    rules.defined = True
    rules.rfc5988 = False  # documented: the default is true only when no rule is defined
    for key, value in raw.items():
        text = "" if value is None else (json.dumps(value) if isinstance(value, bool) else str(value))
        if key.startswith("EndCondition:"):
            rules.ends.append((key[len("EndCondition:"):], text))
            continue
        if key.lower() == "maxrequestnumber":
            if text.strip():
                try:
                    rules.max_requests = int(text)
                except ValueError:
                    raise ActivityFailure(f"MaxRequestNumber must be a number, found {text!r}",
                                          "InvalidPaginationRule") from None
            continue
        if key.lower() == "supportrfc5988":
            rules.rfc5988 = text.strip().lower() == "true"
            continue
        match = _KEY.match(key)
        if not match:
            raise ActivityFailure(f"unknown pagination rule key {key!r}", "InvalidPaginationRule")
        target, name = match.group(1), match.group(2) or match.group(3)
        ranged = _RANGE.match(text.strip())
        if name and name.startswith("{") and name.endswith("}"):
            if not ranged:
                raise ActivityFailure(f"pagination rule {key!r} needs a RANGE:start:end:step value, found {text!r}",
                                      "InvalidPaginationRule")
            start, end, step = ranged.groups()
            if int(step) == 0:
                raise ActivityFailure(f"pagination rule {key!r}: a RANGE step cannot be 0", "InvalidPaginationRule")
            rules.ranges.append(RangeRule(target, name[1:-1], int(start), int(end) if end else None, int(step)))
        elif ranged and target != "AbsoluteUrl" and name:
            start, end, step = ranged.groups()
            if int(step) == 0:
                raise ActivityFailure(f"pagination rule {key!r}: a RANGE step cannot be 0", "InvalidPaginationRule")
            rules.ranges.append(RangeRule(target, name, int(start), int(end) if end else None, int(step), named=True))
        elif ranged:
            raise ActivityFailure(f"pagination rule {key!r}: RANGE needs a {{placeholder}} key", "InvalidPaginationRule")
        else:
            if target != "AbsoluteUrl" and not name:
                raise ActivityFailure(f"pagination rule {key!r} needs a parameter or header name",
                                      "InvalidPaginationRule")
            rules.nexts.append((target, name, text))
    return rules


@dataclass
class Page:
    """One response of the source: its parsed body (None when empty), the reply and the URL requested."""

    document: Any
    reply: HttpReply
    url: str


def join_url(base: str, relative: str | None) -> str:
    """The linked service URL joined to the dataset's relativeUrl with one '/'."""
    if not relative:
        return base
    if urlsplit(relative).scheme:
        return relative
    return base.rstrip("/") + "/" + relative.lstrip("/")


def _substitute(text: str, values: dict[str, int]) -> str:
    for var, number in values.items():
        text = text.replace("{" + var + "}", str(number))
    return text


def _inside_value(url: str, var: str) -> bool:
    """Whether `{var}` stands inside a longer query value or path segment, not as the whole of one."""
    return any(not re.fullmatch(r"(?:[^=&/?]*=)?\{" + re.escape(var) + r"\}", part)
               for part in re.split(r"[&/?]", url) if "{" + var + "}" in part)


def _set_query(url: str, updates: dict[str, str]) -> str:
    if not updates:
        return url
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in updates]
    pairs += list(updates.items())
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def _value(page: Page, path: str) -> Any:
    """A rule value from the current response: `$...` from the body, `Headers.x` / `headers.x` from headers."""
    lowered = path.lower()
    if lowered.startswith("headers.") or lowered.startswith("headers["):
        name = path[len("headers."):] if lowered.startswith("headers.") else path[len("headers["):].strip("]'\" ")
        value = page.reply.header(name)
        return _jsonpath.MISSING if value is None else value
    if path.startswith("$"):
        try:
            return _jsonpath.select(page.document, path)
        except ValueError as exc:
            raise ActivityFailure(str(exc), "InvalidPaginationRule") from None
    return path  # a constant


def end_met(ctx: ActivityContext, page: Page, path: str, condition: str) -> bool:
    """Whether one EndCondition holds on the current response."""
    if condition.strip().lower() in ("nonempty", "notexist"):
        ctx.rely("rest.end_condition_extra")
    value = _value(page, path)
    kind = condition.strip()
    folded = kind.lower()
    empty = value is _jsonpath.MISSING or value is None or value in ("", [], {})
    if folded == "empty":
        return empty
    if folded == "nonempty":
        return not empty
    if folded == "exist":
        return value is not _jsonpath.MISSING
    if folded in ("nonexist", "notexist"):
        return value is _jsonpath.MISSING
    if folded.startswith("const:"):
        wanted = kind[len("const:"):]
        shown = json.dumps(value) if isinstance(value, bool) else ("" if value is None else str(value))
        return value is not _jsonpath.MISSING and shown == wanted
    raise ActivityFailure(f"unknown end condition {condition!r} (Empty, NonEmpty, Exist, NonExist, Const:value)",
                          "InvalidPaginationRule")


def next_link(reply: HttpReply) -> str | None:
    """The rel="next" target of an RFC 5988 Link header."""
    header = reply.header("Link")
    if not header:
        return None
    for target, params in _LINK.findall(header):
        if re.search(r"""rel\s*=\s*"?([^";]*\bnext\b[^";]*)"?""", params, re.IGNORECASE):
            return target
    return None


def auth_headers(ctx: ActivityContext, dataset: Dataset) -> tuple[dict[str, str], str | None]:
    """Headers the REST linked service's authentication adds, and the MSI resource if it uses one."""
    props = dataset.linked_service_properties
    kind = str(props.get("authenticationType") or "Anonymous")
    headers: dict[str, str] = text_headers(props.get("authHeaders")) if isinstance(props.get("authHeaders"), dict) else {}
    ctx.runtime.secrets.add(list(headers.values()))
    if kind == "Anonymous":
        return headers, None
    if kind == "Basic":
        password = secret(ctx, props.get("password")) or ""
        ctx.runtime.secrets.add(password)
        token = base64.b64encode(f"{props.get('userName', '')}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
        return headers, None
    if kind == "OAuth2ClientCredential":
        ctx.rely("rest.oauth2_client_credential")
        ctx.rely("rest.oauth2_client_in_body")
        ctx.rely("rest.oauth2_token_per_copy")  # read_pages authenticates once, before its first page
        form = {"grant_type": "client_credentials", "client_id": str(props.get("clientId", "")),
                "client_secret": secret(ctx, props.get("clientSecret")) or ""}
        for optional in ("scope", "resource"):
            if props.get(optional):
                form[optional] = str(props[optional])
        ctx.runtime.secrets.add(form["client_secret"])
        reply = ctx.http("POST", str(props.get("tokenEndpoint", "")),
                         {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                         urlencode(form).encode())
        try:
            token = json.loads(reply.body).get("access_token") if 200 <= reply.status < 300 else None
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str):
            raise ActivityFailure(f"the OAuth2 token endpoint of linked service {dataset.linked_service} answered "
                                  f"HTTP {reply.status} without an access_token", "OAuth2TokenFailed")
        ctx.runtime.secrets.add(token)
        headers["Authorization"] = f"Bearer {token}"
        return headers, None
    if kind in ("ManagedServiceIdentity", "AadServicePrincipal"):
        resource = props.get("aadResourceId")
        if kind == "AadServicePrincipal" or not resource:
            raise ActivityFailure(f"REST authentication {kind} is not supported by adfgen run", "UnsupportedAuthentication")
        return headers, str(resource)
    raise ActivityFailure(f"REST authentication type {kind!r} is not supported by adfgen run", "UnsupportedAuthentication")


@dataclass
class Request:
    """What every request of one Copy source shares: URL template, method, body, headers, timing and rules."""

    template: str
    method: str
    body: Any
    headers: dict[str, str]
    msi: str | None
    timeout: float
    interval: float
    rules: Rules


@dataclass
class Paging:
    """What changes from one request to the next: RANGE counters, named values, and values read from a page."""

    counters: dict[str, int]
    values: dict[str, int]
    next_url: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    header_overrides: dict[str, str] = field(default_factory=dict)


def read_pages(ctx: ActivityContext, dataset: Dataset, source: dict[str, Any]) -> Iterator[Page]:
    """Send the source's requests page by page as ADF's pagination rules say; raise on a failed request."""
    request = _request(ctx, dataset, source)
    rules = request.rules
    named = [r for r in rules.ranges if r.named]
    paging = Paging({r.var: r.start for r in rules.ranges if not r.named}, {r.var: r.start for r in named})
    _rely_on_rules(ctx, request, paging)
    sent = 0
    while True:
        if rules.max_requests is not None and sent >= rules.max_requests:
            ctx.rely("rest.max_requests")
            return
        if sent:
            ctx.rely("rest.request_interval")
            ctx.sleep(request.interval)
        url = paging.next_url or _substitute(request.template, paging.counters)
        url = _set_query(url, {**paging.query,
                               **{r.var: str(paging.values[r.var]) for r in named if r.target == "QueryParameters"}})
        headers = {k: _substitute(v, paging.counters) for k, v in request.headers.items()}
        headers.update(paging.header_overrides)
        headers.update({r.var: str(paging.values[r.var]) for r in named if r.target == "Headers"})
        ctx.progress(f"page {sent + 1}")
        reply = ctx.http(request.method, url, headers, body_bytes(request.body), timeout=request.timeout,
                         msi_resource=request.msi)
        sent += 1
        document = _read_reply(ctx, reply, url)
        if document is None:
            return
        page = Page(document, reply, url)
        yield page
        if not _advance(ctx, rules, paging, page):
            return


def _request(ctx: ActivityContext, dataset: Dataset, source: dict[str, Any]) -> Request:
    """The request every page shares, from the linked service, the dataset and the Copy source."""
    props = dataset.properties
    base = dataset.linked_service_properties.get("url")
    if not isinstance(base, str) or not base:
        raise ActivityFailure(f"linked service {dataset.linked_service} has no url", "InvalidLinkedService")
    ctx.rely("rest.url_join")
    method = str(source.get("requestMethod") or props.get("requestMethod") or "GET").upper()
    ctx.rely("rest.headers_once")
    headers = text_headers(source.get("additionalHeaders") or props.get("additionalHeaders") or {})
    headers = {k: v for k, v in headers.items() if k.lower() != "accept"}
    headers["Accept"] = "application/json"
    ctx.rely("rest.accept")
    extra, msi = auth_headers(ctx, dataset)
    headers.update(extra)
    try:
        timeout = parse_timespan(source["httpRequestTimeout"], "httpRequestTimeout") \
            if source.get("httpRequestTimeout") else DEFAULT_TIMEOUT
        interval = parse_timespan(source["requestInterval"], "requestInterval") \
            if source.get("requestInterval") not in (None, "") else DEFAULT_INTERVAL
    except ValueError as exc:
        raise ActivityFailure(str(exc), "InvalidSource") from None
    raw_rules = source.get("paginationRules") if source.get("paginationRules") is not None else props.get("paginationRules")
    return Request(join_url(base, props.get("relativeUrl")), method,
                   source.get("requestBody", props.get("requestBody")) if method != "GET" else None,
                   headers, msi, timeout, interval, parse_rules(raw_rules))


def _rely_on_rules(ctx: ActivityContext, request: Request, paging: Paging) -> None:
    """Record the evidence rows the URL template and the rules lean on."""
    if "%" in request.template:
        ctx.rely("rest.url_as_given")
    if any(_inside_value(request.template, var) for var in paging.counters):
        ctx.rely("rest.range_in_value")
    if request.rules.ranges:
        ctx.rely("rest.range_first")
    if paging.values:
        ctx.rely("rest.range_named")


def _read_reply(ctx: ActivityContext, reply: HttpReply, url: str) -> Any:
    """The reply's JSON document; None when the source ends here (204, 304, an empty body); raise on failure."""
    if reply.status == 204:
        ctx.rely("rest.204")
        return None
    if reply.status == 304:
        ctx.rely("rest.304")
        return None
    if not 200 <= reply.status < 300:
        if reply.status == 429 or reply.status >= 500:
            ctx.rely("rest.no_retry_429")
        shown = url.split("?")[0]
        payload = reply.body[:1000].decode("utf-8", "replace")
        raise ActivityFailure(f"Failure happened on 'Source' side. ErrorCode=RestSourceCallFailed,'The HttpStatusCode "
                              f"{reply.status} indicates failure. Request URL: {shown} Response payload:{payload}'",
                              "RestSourceCallFailed")
    try:
        document = json.loads(reply.body) if reply.body.strip() else None
    except ValueError:
        raise ActivityFailure(f"the response of {url.split('?')[0]} is not JSON", "RestSourceInvalidJson") from None
    if document is None:
        ctx.rely("rest.empty_body")  # nothing to read and nothing to page from
    return document


def _advance(ctx: ActivityContext, rules: Rules, paging: Paging, page: Page) -> bool:
    """Move the paging state past `page` as the rules say; False when the source has no next page."""
    reply, url = page.reply, page.url
    if rules.ends:
        ctx.rely("rest.end_condition")
        if any(end_met(ctx, page, path, condition) for path, condition in rules.ends):
            return False
    if not rules.defined:
        link = next_link(reply) if rules.rfc5988 else None
        if link:
            ctx.rely("rest.rfc5988")
            paging.next_url = urljoin(url, link)
            return True
        return False
    if rules.rfc5988 and next_link(reply):
        ctx.rely("rest.rfc5988")
        paging.next_url = urljoin(url, next_link(reply))
    for rule in rules.ranges:
        table = paging.values if rule.named else paging.counters
        table[rule.var] += rule.step
        if rule.end is not None and (table[rule.var] > rule.end if rule.step > 0 else table[rule.var] < rule.end):
            return False
    for target, name, path in rules.nexts:
        value = _value(page, path)
        if value is _jsonpath.MISSING or value is None:
            ctx.rely("rest.null_ends")
            return False
        text = json.dumps(value) if isinstance(value, bool) else str(value)
        if target == "AbsoluteUrl":
            paging.next_url = urljoin(url, text)
        elif target == "QueryParameters":
            paging.query[str(name)] = text
        else:
            paging.header_overrides[str(name)] = text
    # nothing would change the next request: one page only
    return bool(rules.ranges or rules.nexts or (rules.rfc5988 and next_link(reply)))
