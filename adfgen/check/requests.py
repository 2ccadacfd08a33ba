"""The REST requests of a pipeline as the checker sees them: each Copy from a REST source (through its dataset and
linked service and their parameters) and each Web activity to an API, with their URLs, headers and pagination rules."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from adfgen.check.exprs import analyse
from adfgen.check.paths import join_key
from adfgen.check.walk import Activity, value_text

if TYPE_CHECKING:  # rules import this module; it only reads a rule's Context
    from adfgen.check.rules.base import Context

PLACEHOLDER = re.compile(r"\{([A-Za-z_$][\w.$-]*)\}")
ENCODED = re.compile(r"%7B([A-Za-z_$][\w.$-]*)%7D", re.I)
# `QueryParameters.{offset}`, `AbsoluteUrl['{id}']`, `Headers.X-Cursor`: target and name
RULE_KEY = re.compile(r"""^(AbsoluteUrl|QueryParameters|Headers)(?:\.(.+)|\[\s*'(.+)'\s*\])$""")
RANGE = re.compile(r"^\s*RANGE:", re.I)
WHOLE_PARAMETER = re.compile(r"^@\{?\s*(dataset|linkedService)\(\)\.([A-Za-z_][\w]*)\s*\}?$")
REST_SOURCE = "restsource"
STORAGE_OR_VAULT = re.compile(r"storage\.azure\.com|vault\.azure|\.blob\.core|\.dfs\.core", re.I)


def is_range(value: Any) -> bool:
    """A RANGE rule value, literal or built by an expression (adfgen's chunked copies compute their bounds)."""
    text = value_text(value)
    return bool(RANGE.match(text)) or (text.startswith("@") and "RANGE:" in text.upper())


def strip_interpolations(text: str) -> str:
    """`text` without its `@{...}` interpolations (their braces are expression syntax, not placeholders)."""
    start = text.find("@{")
    if start < 0:
        return text  # most strings: nothing to strip (this runs on every request string of every resource)
    out, i = [text[:start]], start
    while i < len(text):
        if text.startswith("@{", i):
            depth, i = 1, i + 2
            while i < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            continue
        following = text.find("@{", i)
        end = len(text) if following < 0 else following
        out.append(text[i:end])
        i = end
    return "".join(out)


def placeholders(text: str) -> list[str]:
    """The `{name}` placeholders written in a value (inside an expression's string literals too)."""
    if text.startswith("@@"):
        text = text[1:]
    return PLACEHOLDER.findall(strip_interpolations(text))


@dataclass
class Part:
    """One piece of a request: what it is (for messages) and its text."""

    what: str
    text: str


@dataclass
class Request:
    """What one Copy with a REST source (or one Web activity) sends, resolved through its dataset and linked service."""

    activity: Activity
    urls: list[Part] = field(default_factory=list)
    headers: dict[str, Part] = field(default_factory=dict)
    rules: dict[str, Any] = field(default_factory=dict)
    rules_path: str = ""
    body: str = ""
    passed: dict[str, str] = field(default_factory=dict)  # dataset parameter -> the text the Copy passes
    dataset: Any = None  # the input dataset entry, when found

    def sent_texts(self) -> list[str]:
        """Every text the request sends (URLs, headers, body)."""
        return [p.text for p in self.urls] + [p.text for p in self.headers.values()] + [self.body]

    def range_vars(self) -> dict[str, tuple[str, str]]:
        """`{var}` of each RANGE rule -> (rule key, target)."""
        found = {}
        for key, value in self.rules.items():
            kind, name = _rule_target(key)
            if name and name.startswith("{") and name.endswith("}") and is_range(value):
                found[name[1:-1]] = (str(key), kind)
        return found

    def named_rules(self, target: str) -> dict[str, str]:
        """Names set by rules without braces (`QueryParameters.cursor`), for one target -> rule key."""
        found = {}
        for key in self.rules:
            kind, name = _rule_target(key)
            if kind == target and name and not name.startswith("{"):
                found[name] = str(key)
        return found


def request_cap(rules: dict) -> Any:
    """The `MaxRequestNumber` of a set of pagination rules (its key in any case), or None."""
    return next((v for k, v in rules.items() if str(k).lower() == "maxrequestnumber"), None)


def _rule_target(key: Any) -> tuple[str | None, str | None]:
    """(target, name) a pagination rule key sets (`QueryParameters.{offset}`: QueryParameters, {offset}), or Nones."""
    match = RULE_KEY.match(str(key))
    return (match.group(1), match.group(2) or match.group(3)) if match else (None, None)


def _headers(value: Any) -> dict[str, Part]:
    """A request's headers object as parts by name ({} when it is not an object)."""
    return {str(k): Part(f"header {k}", value_text(v)) for k, v in value.items()} if isinstance(value, dict) else {}


def _bind(text: str, values: dict[str, str], defaults: dict[str, str], kind: str) -> str:
    """A value that is exactly `@dataset().X` (or `@linkedService().X`) replaced by what X is given."""
    match = WHOLE_PARAMETER.match(text.strip())
    if match and match.group(1) == kind:
        name = match.group(2)
        return values.get(name, defaults.get(name, text))
    return text


_REF_KIND = {"dataset": "dataset_parameter", "linkedService": "linked_service_parameter"}


def _parts(what: str, text: str, values: dict[str, str], defaults: dict[str, str], kind: str) -> list[Part]:
    """A URL text as parts: itself with a whole-parameter value bound, else itself plus each parameter value it
    builds on (`@concat('v1/', dataset().Realm)`: the Realm the Copy passes is part of the URL)."""
    bound = _bind(text, values, defaults, kind)
    if bound != text:
        return [Part(what, bound)]
    names = dict.fromkeys(r.name for r in analyse(text).refs if r.kind == _REF_KIND[kind])
    return [Part(what, text)] + [Part(f"{kind} parameter {n} ({what})", values.get(n, defaults.get(n, "")))
                                 for n in names if values.get(n, defaults.get(n))]


def _defaults(properties: dict) -> dict[str, str]:
    params = properties.get("parameters")
    if not isinstance(params, dict):
        return {}
    return {k: value_text(v.get("defaultValue")) for k, v in params.items() if isinstance(v, dict)}


def _copy_request(ctx: Context, activity: Activity) -> Request | None:
    """The request of a Copy whose source is a REST source, or None."""
    source = activity.type_properties.get("source")
    if not isinstance(source, dict) or str(source.get("type", "")).lower() != REST_SOURCE:
        return None
    request = Request(activity)
    inputs = activity.body.get("inputs")
    reference = inputs[0] if isinstance(inputs, list) and inputs and isinstance(inputs[0], dict) else {}
    passed = reference.get("parameters") if isinstance(reference.get("parameters"), dict) else {}
    request.passed = {k: value_text(v) for k, v in passed.items()}
    name = reference.get("referenceName")
    dataset = ctx.view.lookup("dataset", name) if isinstance(name, str) else None
    request.dataset = dataset
    dataset_tp: dict = {}
    if dataset is not None and isinstance(dataset.properties.get("typeProperties"), dict):
        dataset_tp = dataset.properties["typeProperties"]
    defaults = _defaults(dataset.properties) if dataset is not None else {}
    ls_ref = dataset.properties.get("linkedServiceName") if dataset is not None else None
    if isinstance(ls_ref, dict) and isinstance(ls_ref.get("referenceName"), str):
        linked = ctx.view.lookup("linkedService", ls_ref["referenceName"])
        ls_tp = linked.properties.get("typeProperties") if linked is not None else None
        if isinstance(ls_tp, dict) and value_text(ls_tp.get("url")):
            ls_values = {k: _bind(value_text(v), request.passed, defaults, "dataset")
                         for k, v in (ls_ref.get("parameters") or {}).items()} \
                if isinstance(ls_ref.get("parameters"), dict) else {}
            request.urls += _parts(f"the base URL (linked service {linked.name})", value_text(ls_tp["url"]),
                                   ls_values, _defaults(linked.properties), "linkedService")
    relative = value_text(dataset_tp.get("relativeUrl"))
    if relative:
        request.urls += _parts(f"the relative URL (dataset {dataset.name})", relative, request.passed, defaults,
                               "dataset")
    request.headers = _headers(source.get("additionalHeaders"))
    request.body = value_text(source.get("requestBody"))
    rules, rules_path = source.get("paginationRules"), join_key(activity.path, "typeProperties.source.paginationRules")
    if not (isinstance(rules, dict) and rules) and isinstance(dataset_tp.get("paginationRules"), dict):
        rules, rules_path = dataset_tp["paginationRules"], "the dataset's paginationRules"
    request.rules = rules if isinstance(rules, dict) else {}
    request.rules_path = rules_path
    return request


def _web_request(activity: Activity) -> Request | None:
    """The request of a Web activity to an API (not Key Vault or storage), or None."""
    if activity.kind != "webactivity":
        return None
    tp = activity.type_properties
    url = value_text(tp.get("url"))
    auth = tp.get("authentication")
    if not url or STORAGE_OR_VAULT.search(url) or (isinstance(auth, dict) and STORAGE_OR_VAULT.search(
            value_text(auth.get("resource")))):
        return None
    return Request(activity, urls=[Part("the URL", url)], headers=_headers(tp.get("headers")))


_REQUESTS: "weakref.WeakKeyDictionary[Context, list[Request]]" = weakref.WeakKeyDictionary()


def requests(ctx: Context) -> list[Request]:
    """Every REST request of a pipeline (computed once per pipeline for all the RQ rules)."""
    found = _REQUESTS.get(ctx)
    if found is None:
        found = _REQUESTS[ctx] = [r for r in (_copy_request(ctx, a) or _web_request(a) for a in ctx.pipeline.all)
                                  if r is not None]
    return found


def query_keys(text: str) -> list[str]:
    """Literal query parameter names of a URL text (expression-built ones are skipped)."""
    return [key for key, _ in query_pairs(text) if key and re.fullmatch(r"[\w.$\[\]-]+", key)]


def query_pairs(text: str) -> list[tuple[str, str]]:
    """(name, literal value) of the query parameters written in a URL text, up to its fragment.

    A `#` ends the query: the fragment (and a `?` inside it) is never sent to the server (RFC 3986 §3.5).
    """
    text = strip_interpolations(text).split("#", 1)[0]
    if "?" not in text:
        return []
    pairs = []
    for pair in re.split(r"&|'", text.split("?", 1)[1]):
        if "=" in pair:
            key, value = pair.split("=", 1)
            pairs.append((key.strip(), value))
    return pairs


def dataset_request_texts(properties: dict) -> list[str]:
    """The texts of a REST dataset that shape its request: relativeUrl, rules, the linked service's parameters."""
    tp = properties.get("typeProperties") if isinstance(properties.get("typeProperties"), dict) else {}
    texts = [value_text(tp.get("relativeUrl"))]
    for key in ("paginationRules", "additionalHeaders", "requestBody"):
        value = tp.get(key)
        if isinstance(value, dict):
            texts += [value_text(v) for v in value.values()]
        else:
            texts.append(value_text(value))
    ls = properties.get("linkedServiceName")
    if isinstance(ls, dict) and isinstance(ls.get("parameters"), dict):
        texts += [value_text(v) for v in ls["parameters"].values()]
    return [t for t in texts if t]
