"""Web activity: one real HTTP request through the transport; output = JSON object + response headers."""

from __future__ import annotations

import base64
import json
from typing import Any

from adfgen.expressions.library.values import to_string
from adfgen.core import adf_limits as limits
from adfgen.local.clock import parse_timespan
from adfgen.local.runner import ActivityContext, ActivityFailure, handles

DEFAULT_TIMEOUT = 60.0  # documented default httpRequestTimeout: 1 minute
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


def body_bytes(body: Any) -> bytes | None:
    """A request body as sent: strings as they are, other JSON values serialised."""
    if body is None:
        return None
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def text_headers(headers: Any) -> dict[str, str]:
    """Evaluated header values as strings."""
    if not isinstance(headers, dict):
        return {}
    return {str(k): v if isinstance(v, str) else to_string(v) for k, v in headers.items() if v is not None}


@handles("WebActivity")
def web(ctx: ActivityContext) -> Any:
    """Sends the request; a status outside 2xx, a JSON array, or over 4 MB fails the activity."""
    props = ctx.eval({k: v for k, v in ctx.props.items() if k not in ("authentication",)})
    method = str(props.get("method", "GET")).upper()
    url = props.get("url")
    if method not in METHODS:
        raise ActivityFailure(f"Web '{ctx.name}': unsupported method {method!r}", "InvalidMethod")
    if not isinstance(url, str) or not url:
        raise ActivityFailure(f"Web '{ctx.name}': url must be a non-empty string", "InvalidUrl")
    timeout = _timeout(ctx, props)
    headers = text_headers(props.get("headers"))
    body = props.get("body")
    if method == "GET" and body is not None:
        body = None  # the doc: a body is not allowed for GET
    msi = _authenticate(ctx, ctx.eval(ctx.props.get("authentication") or {}), headers)
    ctx.set_input({"method": method, "url": url, "headers": headers, "body": body,
                   **({"authentication": {"type": "MSI", "resource": msi}} if msi else {})})
    ctx.progress(f"{method} {url.split('?')[0]}")
    verify = props.get("disableCertValidation") is not True
    reply = ctx.http(method, url, headers, body_bytes(body), timeout=timeout, msi_resource=msi, verify=verify)
    if reply.status == 202 and reply.header("Location") and props.get("turnOffAsync") is not True:
        reply = _poll(ctx, reply, headers, timeout, msi)
    return _output(ctx, reply, url)


def _timeout(ctx: ActivityContext, props: dict[str, Any]) -> float:
    """The request timeout in seconds, within the bounds ADF documents for a Web activity."""
    try:
        timeout = parse_timespan(props["httpRequestTimeout"], "httpRequestTimeout") \
            if props.get("httpRequestTimeout") else DEFAULT_TIMEOUT
    except ValueError as exc:
        raise ActivityFailure(str(exc), "InvalidTimeout") from None
    if not limits.value("web.timeout.min") <= timeout <= limits.value("web.timeout.max"):
        raise ActivityFailure(f"Web '{ctx.name}': httpRequestTimeout {timeout:g} s is outside "
                              f"{limits.value('web.timeout.min')}..{limits.value('web.timeout.max')} s "
                              f"{limits.cite('web.timeout.min')}", "InvalidTimeout")
    return timeout


def _authenticate(ctx: ActivityContext, auth: Any, headers: dict[str, str]) -> str | None:
    """Apply the activity's authentication to the headers; the MSI resource when it uses the managed identity."""
    msi = None
    kind = str(auth.get("type", "")) if isinstance(auth, dict) else ""
    if kind.upper() == "MSI":
        ctx.rely("web.msi")
        msi = str(auth.get("resource") or "")
        if not msi:
            raise ActivityFailure(f"Web '{ctx.name}': MSI authentication needs a resource", "InvalidAuthentication")
    elif kind.lower() == "basic":
        user, password = str(auth.get("username", "")), _secret(auth.get("password"))
        ctx.runtime.secrets.add(password)
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    elif kind and kind.lower() != "anonymous":
        raise ActivityFailure(f"Web '{ctx.name}': authentication type {kind!r} is not supported by adfgen run",
                              "UnsupportedAuthentication")
    for name, value in headers.items():
        if name.lower() in ("authorization", "proxy-authorization"):
            ctx.runtime.secrets.add(value)  # credentials are never printed, secure or not
    return msi


def _output(ctx: ActivityContext, reply: Any, url: str) -> dict[str, Any]:
    """The activity's output: the JSON reply with its headers; a failure for a non-2xx status or over 4 MB."""
    response_headers = dict(reply.headers)
    ctx.rely("web.status")
    if not 200 <= reply.status < 300:
        text = reply.body[:2000].decode("utf-8", "replace")
        raise ActivityFailure(f"Error calling the endpoint '{url.split('?')[0]}'. Response status code: "
                              f"'{reply.status}'. Response: {text}", "2108",
                              output={"ADFWebActivityResponseHeaders": response_headers})
    ctx.rely("web.shape")
    if len(reply.body) > limits.value("web.response"):
        raise ActivityFailure(f"The Web activity response is {len(reply.body)} bytes; ADF allows "
                              f"{limits.value('web.response')} {limits.cite('web.response')}", "2001")
    output = parse_response(ctx, reply.body)
    output["ADFWebActivityResponseHeaders"] = response_headers
    ctx.rely("web.output")
    return output


def _poll(ctx: ActivityContext, reply: Any, headers: dict[str, str], timeout: float, msi: str | None) -> Any:
    """ADF's asynchronous pattern: follow a 202's Location with GETs until the reply is not 202 (documented)."""
    ctx.rely("web.async")
    while reply.status == 202 and reply.header("Location"):
        location = reply.header("Location")
        try:
            wait = float(reply.header("Retry-After") or 1)
        except ValueError:
            wait = 1.0
        ctx.sleep(wait)
        reply = ctx.http("GET", location, headers, None, timeout=timeout, msi_resource=msi)
    return reply


def parse_response(ctx: ActivityContext, body: bytes) -> dict[str, Any]:
    """The output object of a 2xx reply: a JSON object, {} when empty, {"Response": text} when not JSON."""
    if not body.strip():
        ctx.rely("web.empty")
        return {}
    try:
        document = json.loads(body)
    except ValueError:
        ctx.rely("web.text")
        return {"Response": body.decode("utf-8", "replace")}
    if not isinstance(document, dict):
        raise ActivityFailure("The Web activity response must be a JSON object; a JSON "
                              f"{'array' if isinstance(document, list) else type(document).__name__} is not supported "
                              f"{limits.cite('web.response')}", "2001")
    return document


def _secret(value: Any) -> str:
    """A password field: a plain string or {"type": "SecureString", "value": ...}."""
    if isinstance(value, dict):
        return str(value.get("value", ""))
    return "" if value is None else str(value)
