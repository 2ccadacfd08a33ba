"""Hypothesis strategies for hostile inputs: mutated specs, YAML documents built from YAML's own features."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import assume
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
XERO_TEXT = (REPO / "specs" / "xero.yaml").read_text(encoding="utf-8")
XERO = yaml.safe_load(XERO_TEXT)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value in `data` (mapping keys and list indexes)."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, prefix + (index,))
    return found


XERO_PATHS = _paths(XERO)

# text a careless or hostile user types: quotes, ARM and ADF expression syntax, control characters, long runs
_nasty_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["'", "''", "\x00", "\n", "\r\n", "\t", "[", "]", "@", "@{", "@@", "[concat('a')]", "{name}",
                     "{api}", "{", "}", "{0}", "{name!r}", "%", "#", "../", "..\\", "ls-{name}", "x" * 300,
                     "\u202e", "\ufeff", "é", "𝒳", "-", ".", " ", ""]),
).map(lambda s: s)
hostile_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 24, 60, 2**31, 2**63, -(2**63) - 1, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    _nasty_text,
    st.builds(lambda a, b: a + b, _nasty_text, _nasty_text),
)
hostile_values = st.recursive(hostile_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def _set(data: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


@st.composite
def mutated_specs(draw) -> str:
    """A shipped spec (xero or a catalog entry) with one to three values replaced by hostile ones, as YAML text."""
    data = draw(shipped_specs)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        current = _get(data, path)
        if draw(st.booleans()) and isinstance(current, (str, int)) and not isinstance(current, bool):
            # same type, hostile content: reaches planning, rendering and writing more often than a wrong type
            value = draw(_nasty_text if isinstance(current, str) else st.integers(-(2**64), 2**64))
        else:
            value = draw(hostile_values)
        _set(data, path, value)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# YAML's own features: tags (core, python, custom), anchors and aliases, merge keys, flow and block styles
_tags = st.sampled_from(["", "!!int ", "!!float ", "!!bool ", "!!null ", "!!str ", "!!binary ", "!!timestamp ",
                         "!!python/object:os.system ", "!!python/name:os.system ", "!custom ", "!!set ",
                         "!!omap ", "!!map ", "!!seq "])
_scalar_text = st.sampled_from(["x", "1", "-1", "0x1F", "1e999", ".nan", "~", "yes", "2024-13-45", "AAAA", "''",
                                '"\\0"', '"\\uD800"', "9" * 5000])


@st.composite
def yaml_documents(draw) -> str:
    """A YAML document mixing tags, anchors, aliases (including repeated ones) and merge keys."""
    lines = []
    anchors: list[str] = []
    for index in range(draw(st.integers(1, 8))):
        choice = draw(st.integers(0, 4))
        key = f"k{index}"
        if choice == 0 or not anchors:
            lines.append(f"{key}: &a{index} {draw(_tags)}{draw(_scalar_text)}")
        elif choice == 1:
            refs = ", ".join(f"*{draw(st.sampled_from(anchors))}" for _ in range(draw(st.integers(1, 12))))
            lines.append(f"{key}: &a{index} [{refs}]")
        elif choice == 2:
            lines.append(f"{key}: &a{index} {{<<: [*{draw(st.sampled_from(anchors))}], x{index}: 1}}")
        elif choice == 3:
            lines.append(f"{key}: &a{index} {draw(_tags)}[{draw(_scalar_text)}, {{y: *{draw(st.sampled_from(anchors))}}}]")
        else:
            depth = draw(st.integers(1, 200))
            lines.append(f"{key}: &a{index} " + "[" * depth + "]" * depth)
        anchors.append(f"a{index}")
    if draw(st.booleans()):
        lines.insert(0, "factory:")
        lines = [lines[0]] + ["  " + line for line in lines[1:]]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- ADF JSON for `adfgen check`

_BIG = "__BIG_INT__"
_json_text = st.one_of(st.text(max_size=20), st.text(st.characters(categories=["Cs", "Cc", "Lo"]), max_size=5),
                       st.sampled_from(["@foo(", "@{", "@concat('a',", "[concat('x')]", "@pipeline().parameters.p",
                                        "@@", _BIG, "\ud800", "\udfff"]))
_json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20),
                          st.floats(allow_nan=False, allow_infinity=False), _json_text)
json_values = st.recursive(_json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_json_text, inner, max_size=4)), max_leaves=12)
_activity = st.fixed_dictionaries({"name": _json_text, "type": st.sampled_from(
    ["Wait", "SetVariable", "WebActivity", "Copy", "ForEach", "IfCondition", "Until", "Lookup", "Nope"])},
    optional={"typeProperties": json_values, "dependsOn": json_values, "policy": json_values})


@st.composite
def adf_pipeline_files(draw) -> tuple[str, str]:
    """(file stem, JSON text) of a pipeline file: hostile names, values, lone surrogates and huge integers."""
    name = draw(st.one_of(st.just("pl_x"), _json_text))
    properties = draw(st.one_of(
        st.fixed_dictionaries({"activities": st.lists(_activity, max_size=6)},
                              optional={"parameters": json_values, "variables": json_values,
                                        "annotations": json_values}),
        json_values))
    text = json.dumps({"name": name, "properties": properties})  # ensure_ascii: surrogates become \\ud800 escapes
    digits = draw(st.sampled_from([1, 4300, 4301, 20000]))
    text = text.replace(json.dumps(_BIG), "9" * digits)
    return (name if _usable_file_stem(name) else "pl_x"), text


def _usable_file_stem(name: object) -> bool:
    """True when `name` can be a file name on Linux (no '/', NUL or lone surrogate; not too long)."""
    if not isinstance(name, str) or not name or "/" in name or "\x00" in name or name in (".", ".."):
        return False
    try:
        return len(name.encode("utf-8")) < 200
    except UnicodeEncodeError:
        return False


# ---------------------------------------------------------------- naming patterns

naming_patterns = st.builds(lambda before, after: before + "{name}" + after,
                            st.one_of(st.text(max_size=6), _nasty_text), st.one_of(st.text(max_size=6), _nasty_text))


@st.composite
def specs_with_naming(draw) -> str:
    """The shipped spec with hostile naming patterns and integration runtime name."""
    data = yaml.safe_load(XERO_TEXT)
    kinds = draw(st.lists(st.sampled_from(["linked_service", "dataset", "pipeline", "trigger"]), min_size=1,
                          unique=True))
    data["factory"]["naming"] = {kind: draw(naming_patterns) for kind in kinds}
    if draw(st.booleans()):
        data["factory"]["integration_runtime"] = draw(_nasty_text)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# ---------------------------------------------------------------- secrets


def _random_secret(seed: int, kind: int) -> str:
    """A credential of one of the usual shapes, made from a seeded generator (random-looking whatever the seed)."""
    import base64
    import random

    rng = random.Random(seed)
    raw = bytes(rng.getrandbits(8) for _ in range(32))
    b64 = base64.b64encode(raw).decode()
    url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    shapes = [
        b64, url, raw.hex(),
        "eyJhbGciOiJIUzI1NiJ9." + url[:20] + "." + url[20:],
        f"https://svc:{url[:16]}@api.example.com/v1",
        "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
        "ghp_" + url[:36],
        "Bearer " + url,
        f"https://api.example.com/v1/items?api_key={raw.hex()[:24]}",
    ]
    return shapes[kind % len(shapes)]


secret_values = st.builds(_random_secret, st.integers(0, 2**32), st.integers(0, 8))
CREDENTIAL_KEYS = ["X-Api-Key", "Authorization", "api_key", "apikey", "password", "client_secret", "access_token",
                   "X-Auth-Token", "Private-Key", "session", "x-functions-key", "token"]


def string_paths(data: Any) -> list[tuple]:
    """Paths of the string values in `data`."""
    return [p for p in _paths(data) if isinstance(_get(data, p), str)]


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


# words of the field paths a refusal names: a planted value equal to one of them would be "echoed" by the path
_PATH_WORDS = " ".join(CREDENTIAL_KEYS + ["apis", "factory", "endpoints", "headers", "query", "params", "token_params",
                                          "environments", "identity", "secrets", "redirect_uri", "body"])


def _planted(data: dict, secret: str) -> tuple[str, str]:
    """(spec text, secret), the secret written once and naming no key: else any field path would show it."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assume(text.count(secret) <= 1 and secret not in _PATH_WORDS)
    return text, secret


@st.composite
def specs_with_a_secret(draw) -> tuple[str, str]:
    """(spec text, planted secret): a random-looking credential in any string field, or any value under a
    credential-named header, query parameter or token parameter."""
    data = yaml.safe_load(XERO_TEXT)
    if draw(st.booleans()):
        secret = draw(secret_values)
        _set(data, draw(st.sampled_from(string_paths(data))), secret)
    else:
        secret = draw(st.text(st.characters(codec="utf-8", exclude_characters="{}"), min_size=6, max_size=24)
                      .filter(lambda s: s.strip() == s and s))
        where = draw(st.sampled_from([("apis", 0, "headers"), ("apis", 0, "endpoints", 0, "query"),
                                      ("apis", 0, "endpoints", 1, "headers"), ("apis", 0, "auth", "token_params")]))
        target = data
        for part in where:
            target = target.setdefault(part, {}) if isinstance(target, dict) else target[part]
        target[draw(st.sampled_from(CREDENTIAL_KEYS))] = secret
    return _planted(data, secret)


@st.composite
def specs_with_ids(draw) -> str:
    """The shipped spec with GUIDs and ids where specs hold them: subscription, tenant and path segments."""
    import uuid

    data = yaml.safe_load(XERO_TEXT)
    guid = str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1))))
    data["factory"]["azure"]["subscription_id"] = guid
    hex_id = "%024x" % draw(st.integers(0, 16**24 - 1))
    number = draw(st.integers(0, 10**12))
    segment = draw(st.sampled_from([guid, hex_id, str(number), guid.upper(), f"org-{hex_id[:12]}"]))
    data["apis"][0]["endpoints"][0]["path"] = f"Invoices/{segment}/History"
    data["apis"][0]["endpoints"][1]["base_url"] = f"https://api.xero.com/tenants/{segment}/api.xro/2.0"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# ---------------------------------------------------------------- the spec format's newer fields

SHIPPED_TEXTS = [XERO_TEXT] + [p.read_text(encoding="utf-8") for p in sorted((REPO / "specs" / "catalog").glob("*.yaml"))]
shipped_specs = st.sampled_from(SHIPPED_TEXTS).map(yaml.safe_load)  # every flow, kind, params, environments per API

_placeholder_names = st.sampled_from(["instance", "tenant", "region", "v", "api_key", "_x1"])
_window_and_paging = ["watermark", "watermark_end", "page", "offset", "position", "projectId"]
# what the build must refuse or encode: unknown and encoded names, half braces, format fields, quotes, expressions
_placeholder_noise = st.sampled_from(["{nope}", "%7Bpage%7D", "%7bwatermark%7d", "{", "}", "{0}", "{{x}}", "{ x }",
                                      "{name}", "{api}", "'", "''", "@", "@{", "@@", "[", "[x]", "?", "&", "=", "#",
                                      "%", "%ZZ", " ", "+", "/", "..", "\n", "\u202e", "é"])
_https_prefix = st.sampled_from(["https://", "https://api.example.com/", "https://{instance}.example.com/",
                                 "https://x.example.com/{tenant}/", "http://", ""])


@st.composite
def templates(draw, names: list[str]) -> str:
    """Request text with `{name}` placeholders (the API's own names, others', noise) among literal pieces."""
    pieces = []
    for _ in range(draw(st.integers(1, 5))):
        choice = draw(st.integers(0, 3))
        if choice == 0 and names:
            pieces.append("{" + draw(st.sampled_from(names)) + "}")
        elif choice == 1:
            pieces.append("{" + draw(st.sampled_from(_window_and_paging)) + "}")
        elif choice == 2:
            pieces.append(draw(_placeholder_noise))
        else:
            pieces.append(draw(st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=8)))
    return "".join(pieces)


_param_values = st.one_of(st.sampled_from(["acme", "eu", "v2", "00000000-0000-0000-0000-000000000000", "",
                                           "a b", "a'b", "@x", "[x]", "https://evil.example.com", "{x}", "%41",
                                           "a/b?c=d#e", "\u202e", "x" * 300]), _nasty_text)
_PAGINATIONS = {
    "none": {}, "link_header": {}, "next_url": {"next_url_path": "$.next"},
    "cursor": {"param": "after", "cursor_path": "$.paging.next.after"},
    "page_number": {"param": "page", "page_size_param": "size", "page_size": 50},
    "offset_limit": {"offset_param": "offset", "limit_param": "limit", "limit": 100},
    "position": {"start": 1, "page_size": 100},
}
_pagination_extras = st.fixed_dictionaries({}, optional={
    "max_requests": st.integers(0, 2000), "max_results": st.integers(0, 20000), "start": st.integers(-2, 3),
    "send_in": st.sampled_from(["query", "header", "body"]), "page_size": st.integers(0, 1000),
    "stop_when": st.one_of(st.fixed_dictionaries({"path": st.sampled_from(["$.x", "headers.X-More", "x", "$['a'']"]),
                                                  "is": st.sampled_from(["empty", "missing", "present"])}),
                           st.fixed_dictionaries({"path": st.just("$.done"), "equals": _nasty_text}))})


@st.composite
def paginations(draw) -> dict:
    """A pagination of any kind, with its own fields and sometimes another kind's or a hostile value."""
    kind = draw(st.sampled_from(sorted(_PAGINATIONS)))
    value = {"kind": kind, **_PAGINATIONS[kind]}
    if draw(st.booleans()):
        value.update(draw(_pagination_extras))
    return value


def _flow(draw, flow: str) -> tuple[dict, dict]:
    """(auth, secrets) of one flow, with its own fields drawn (hostile text sometimes)."""
    url = draw(st.sampled_from(["https://login.example.com/{tenant}/token", "https://login.example.com/token"]))
    auth: dict = {"flow": flow, "token_url": url, "scopes": draw(st.lists(st.sampled_from(
        ["read", "offline_access", "https://graph.microsoft.com/.default", "a'b", "@x"]), max_size=3))}
    secrets: dict = {"client_secret": "api-client-secret"}
    if flow == "client_credentials_native":
        auth["client_id"] = draw(st.one_of(st.just("11111111-1111-1111-1111-111111111111"), _nasty_text))
        if draw(st.booleans()):
            auth["resource"] = draw(st.one_of(st.just("https://graph.microsoft.com"), _nasty_text))
        return auth, secrets
    secrets.update({"client_id": "api-client-id", "access_token": "api-access-token"})
    auth["client_auth"] = draw(st.sampled_from(["basic", "body"]))
    if draw(st.booleans()):
        auth["token_params"] = draw(st.dictionaries(st.sampled_from(["audience", "resource", "x'y", ""]), _nasty_text,
                                                    max_size=2))
    if flow == "authorization_code":
        auth["authorize_url"] = "https://login.example.com/authorize"
        secrets["refresh_token"] = "api-refresh-token"
        if draw(st.booleans()):
            auth["redirect_uri"] = draw(st.one_of(st.sampled_from(
                ["https://me.example.com/cb", "http://localhost:8765/callback", "http://127.0.0.1/cb",
                 "http://example.com/cb", "https://me.example.com/cb?x='@{a}'", "https://"]), _nasty_text))
        auth["pkce"] = draw(st.booleans())
    if flow == "password":
        secrets.update({"username": "api-username", "password": "api-password"})
    return auth, secrets


_identity = st.fixed_dictionaries({"secret": st.sampled_from(["api-realm-id", "api-tenant-id", "api-org"])}, optional={
    "name": st.sampled_from(["realmId", "tenant_id", "org", "instance", "watermark", "page", "bad-name"]),
    "header": st.sampled_from(["X-Org", "xero-tenant-id", "Bad Header"]),
    "from": st.sampled_from(["consent_redirect", "token_reply", "connections_call", "elsewhere"]),
    "field": st.one_of(st.just("realmId"), _nasty_text), "label": st.just("tenantName"),
    "url": st.sampled_from(["https://api.example.com/connections", "https://api.example.com/{tenant}/c", "http://x"])})


def _request_parts(api: dict) -> list[tuple]:
    """Paths (relative to the API) of every request part that may hold placeholders."""
    parts = [("base_url",), ("auth", "token_url"), ("headers", "X-Api-Version"), ("headers", "X-Org")]
    if api["auth"].get("flow") == "authorization_code":
        parts += [("auth", "authorize_url"), ("auth", "redirect_uri")]
    for e in range(len(api.get("endpoints", []))):
        parts += [("endpoints", e, "path"), ("endpoints", e, "query", "q"), ("endpoints", e, "query", "filter"),
                  ("endpoints", e, "headers", "X-Since"), ("endpoints", e, "body"), ("endpoints", e, "base_url")]
    return parts


def _place(api: dict, part: tuple, text: str) -> None:
    target = api
    for key in part[:-1]:
        target = target.setdefault(key, {}) if isinstance(target, dict) else target[key]
    target[part[-1]] = text
    if part[-1] == "body":
        target["method"] = "POST"


@st.composite
def api_overrides(draw, api: dict, names: list[str]) -> dict:
    """One environment's override of an API: params, URLs, headers, endpoints by name, auth, limits, pagination."""
    override: dict = {}
    if api.get("params") and draw(st.booleans()):
        override["params"] = {name: draw(_param_values) for name in draw(st.lists(st.sampled_from(
            sorted(api["params"]) + ["unknown"]), min_size=1, max_size=2, unique=True))}
    if draw(st.booleans()):
        override["base_url"] = draw(_https_prefix) + draw(templates(names))
    if draw(st.booleans()):
        override["headers"] = {"X-Env": draw(templates(names))}
    if draw(st.booleans()):
        endpoint = draw(st.sampled_from(api["endpoints"]))
        item = {"name": draw(st.sampled_from([endpoint.get("name"), "missing", None, ["x"], {"a": 1}]))}
        item[draw(st.sampled_from(["path", "query", "headers", "body", "pagination"]))] = draw(st.one_of(
            templates(names), st.fixed_dictionaries({"q": templates(names)}), paginations()))
        override["endpoints"] = [item]
    if draw(st.booleans()):
        override["auth"] = {"token_url": draw(_https_prefix) + draw(templates(names)), "scopes": ["env"]}
    if draw(st.booleans()):
        override["pagination"] = draw(paginations())
    if draw(st.booleans()):
        override[draw(st.sampled_from(["rate_limit", "name", "environments", "secrets", "auth"]))] = draw(hostile_values)
    return override


@st.composite
def specs_with_new_fields(draw) -> str:
    """A shipped spec (any flow, kind, sink) given params, identity values, another flow or pagination, placeholders
    in any request part and per-environment API overrides: the class of inputs the newer spec fields opened."""
    data = draw(shipped_specs)
    api = data["apis"][0]
    if draw(st.booleans()):
        api["params"] = {name: draw(_param_values) for name in draw(st.lists(_placeholder_names, max_size=3,
                                                                            unique=True))}
    if draw(st.booleans()):
        api["auth"], api["secrets"] = _flow(draw, draw(st.sampled_from(
            ["authorization_code", "client_credentials", "client_credentials_native", "password"])))
    if draw(st.booleans()):
        api["secrets"]["identity"] = draw(st.lists(_identity, max_size=2))
    if draw(st.booleans()):
        api["pagination"] = draw(paginations())
    names = sorted(api.get("params", {})) + [i.get("name") or str(i.get("secret", "")).replace("-", "_")
                                             for i in api["secrets"].get("identity", [])]
    for _ in range(draw(st.integers(0, 5))):
        part = draw(st.sampled_from(_request_parts(api)))
        prefix = draw(_https_prefix) if part[-1].endswith(("url", "uri")) else ""
        _place(api, part, prefix + draw(templates(names)))
    environments = sorted(data["factory"].get("environments", {})) or ["prod"]
    if draw(st.booleans()):
        api["environments"] = {env: draw(api_overrides(api, names)) for env in draw(st.lists(
            st.sampled_from(environments + ["nowhere"]), min_size=1, max_size=2, unique=True))}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def specs_with_a_secret_in_new_fields(draw) -> tuple[str, str]:
    """(spec text, planted secret): a literal credential in a newer field: a credential-named params constant, a
    constant written into a credential header, query or body member, a body member, redirect_uri, an identity value's
    URL, field or label, or an environment's override of any of those."""
    data = draw(shipped_specs)
    api = data["apis"][0]
    key = draw(st.sampled_from(CREDENTIAL_KEYS))
    # printable, no placeholder braces, nothing a form or JSON pair would split on: the secret stays one value
    secret = draw(st.text(st.characters(codec="ascii", categories=["L", "N"], include_characters="-_.~!*"),
                          min_size=6, max_size=24))
    endpoint = api["endpoints"][0]
    env = next(iter(sorted(data["factory"].get("environments", {}))), None)
    where = draw(st.sampled_from(["params", "param into header", "param into query", "param into body",
                                  "param into token_url", "json body", "form body", "redirect_uri userinfo",
                                  "redirect_uri query", "identity url", "random in identity field",
                                  "env params", "env header"]))
    if where.startswith("param") or where == "env params":
        name = "cred" if where != "params" else key.replace("-", "_")
        api["params"] = {**api.get("params", {}), name: secret}
        use = "{" + name + "}"
        if where == "param into header":
            api["headers"] = {**api.get("headers", {}), key: use}
        elif where == "param into query":
            endpoint["query"] = {**endpoint.get("query", {}), key.replace("-", "_"): use}
        elif where == "param into body":
            endpoint.update(method="POST", body=json.dumps({key: use}))
        elif where == "param into token_url":
            api["auth"]["token_url"] = api["auth"]["token_url"].split("?")[0] + f"?{key}={use}"
        elif where == "env params" and env:
            api["params"][name] = "x"
            api["headers"] = {**api.get("headers", {}), key: use}
            api["environments"] = {env: {"params": {name: secret}}}
    elif where in ("json body", "form body"):
        body = json.dumps({key: secret}) if where == "json body" else f"grant=x&{key}={secret}"
        endpoint.update(method="POST", body=body)
    elif where.startswith("redirect_uri"):
        api["auth"], api["secrets"] = _flow(draw, "authorization_code")
        api["auth"]["redirect_uri"] = (f"https://me:{secret}@example.com/cb" if where.endswith("userinfo")
                                       else f"https://example.com/cb?{key}={secret}")
    elif where == "identity url":
        api["secrets"]["identity"] = [{"secret": "api-org", "from": "connections_call",
                                       "url": f"https://api.example.com/connections?{key}={secret}"}]
    elif where == "random in identity field":
        secret = draw(secret_values)
        api["secrets"]["identity"] = [{"secret": "api-org", "field": secret}]
    elif where == "env header" and env:
        api["environments"] = {env: {"headers": {key: secret}}}
    else:  # no environment to override: the base API's header
        api["headers"] = {**api.get("headers", {}), key: secret}
    return _planted(data, secret)
