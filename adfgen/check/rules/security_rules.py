"""SE: secrets stay out of Git and URLs: no literal secrets, Key Vault reads with an api-version."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Iterator
from urllib.parse import unquote_plus

from adfgen.check.paths import join_key
from adfgen.check.rules.base import Context, Hit, Rule
from adfgen.check.semantics import is_keyvault_call, text_of, url_of
from adfgen.check.walk import ARM_EXPRESSION
from adfgen.spec.secret_values import CREDENTIAL_KEY, NOT_CREDENTIAL_KEY, SHAPES, fingerprint, high_entropy

JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
BEARER = re.compile(r"\bBearer\s+([A-Za-z0-9\-._~+/]{16,}=*)")
BASIC = re.compile(r"\bBasic\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])")
CLIENT_SECRET = re.compile(r"\bclient_secret=([^&\s'\"@{}]+)", re.I)
CONNECTION_KEY = re.compile(r"(?:^|;)\s*(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)\s*=\s*([^;'\"]+)", re.I)
SAS_SIGNATURE = re.compile(r"[?&]sig=([A-Za-z0-9%+/=]{16,})")
SECRET_KEYS = frozenset({"client_secret", "clientsecret", "password", "refresh_token", "access_token", "apikey",
                         "api_key", "accountkey", "sastoken"})
PLACEHOLDER_WORDS = re.compile(r"your|placeholder|changeme|change_me|example|dummy|redacted|replace|todo|sample|"
                               r"secret|password|xxx|\*\*\*|<|>|\{\{|\$\{|%[A-Za-z_]+%", re.I)


def is_placeholder(value: str) -> bool:
    """True for values that are obviously not a real secret (masks, templates, expressions, sample words)."""
    stripped = value.strip()
    if not stripped or len(stripped) < 6 or stripped.startswith("@") or ARM_EXPRESSION.match(stripped):
        return True
    if set(stripped) <= set("*xX.-_# "):
        return True
    if not PLACEHOLDER_WORDS.search(stripped):
        return False
    # a sample word inside or beside a random-looking token is no placeholder: "secret" in a real key must not hide
    # it (random-looking as the spec check judges it: adfgen.spec.secret_values)
    return not high_entropy(stripped)


def _basic_credentials(token: str) -> bool:
    try:
        decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    user, sep, password = decoded.partition(":")
    return bool(sep and user and password and decoded.isprintable())


def literal_secrets(text: str) -> list[tuple[str, int]]:
    """(what, position) for each literal secret in a string."""
    found = []
    for match in JWT.finditer(text):
        found.append(("a JWT", match.start()))
    for match in BEARER.finditer(text):
        if not is_placeholder(match.group(1)) and not JWT.match(match.group(1)):
            found.append(("a literal Bearer token", match.start()))
    for match in BASIC.finditer(text):
        if _basic_credentials(match.group(1)):
            found.append(("literal Basic credentials", match.start()))
    for match in CLIENT_SECRET.finditer(text):
        if not is_placeholder(match.group(1)):
            found.append(("a literal client_secret", match.start()))
    for match in CONNECTION_KEY.finditer(text):
        if not is_placeholder(match.group(2)):
            found.append((f"a connection string with a literal {match.group(1)}", match.start()))
    for match in SAS_SIGNATURE.finditer(text):
        if not is_placeholder(match.group(1)):
            found.append(("a SAS signature", match.start()))
    return found


class LiteralSecret(Rule):
    """A literal secret in the JSON: a JWT, `Bearer`/`Basic` with a literal value, `client_secret=` with a literal,
    a connection string with a key or password, a SAS signature, an inline SecureString value, a value with a
    credential's shape (private key, AWS access key, GitHub/Slack/Google/`sk_live_` keys), a password in a URL,
    or, in a request's body, headers or URL (Web activities, Copy REST sources, REST datasets and linked services), a
    literal after a credential key (`apiKey=...`, `"password": "..."`, `x-api-key: ...`).

    Placeholders (`**********`, `<secret>`, `{{...}}`, expressions) are not reported. Messages never show the
    value: they give its fingerprint (adfgen.spec.secret_values.fingerprint) so it can be found and rotated.

    Bad:
        {"linkedService/ls_blob": {"type": "AzureBlobStorage", "typeProperties": {
            "connectionString": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=q8ZbGQ7u0bN3k1vYt2Lw9sXcRf4HdJmPa6Ee5TgUy1Ko0iNl3Bv7Cx2Mz9Aq8Ws4Ed6Rf1Tg5Yh3Uj7Ik0Ol2Pp==;EndpointSuffix=core.windows.net"}}}


    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Login", "type": "WebActivity", "policy": {"secureInput": true, "secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://api.example.com/login",
               "body": "grant_type=password&scope=apiKey%3D4167ad79-29de-4e28-85ed-0f1cd4026dfa"}}]}}
    Good:
        {"linkedService/ls_kv": {"type": "AzureKeyVault", "typeProperties": {"baseUrl": "https://kv1.vault.azure.net/"}},
         "linkedService/ls_blob": {"type": "AzureBlobStorage", "typeProperties": {
            "connectionString": {"type": "AzureKeyVaultSecret", "store": {"referenceName": "ls_kv", "type": "LinkedServiceReference"}, "secretName": "blob-connection-string"}}}}
    """

    code = "SE006"
    name = "literal-secret"
    message = "literal secret in the resource"

    def check(self, ctx: Context) -> Iterator[Hit]:
        tree = ctx.tree
        for index, obj in tree.dicts:
            if obj.get("type") == "SecureString" and isinstance(obj.get("value"), str) and not is_placeholder(obj["value"]):
                yield Hit.in_tree(tree, index, "value", f"inline SecureString value ({_fingerprint(obj['value'])}): "
                                                        "store it in Key Vault and use an AzureKeyVaultSecret reference")
        # One look at all of the resource's strings first: most resources hold no hint of a secret at all, and the
        # per-string tests below then run only on the few that do (the corpus pass runs this on every resource).
        joined = "\n".join([string[3] for string in tree.strings])  # (node, member, key, text)
        hinted = _may_hold_literal_secret(joined) or bool(_SHAPE_HINT.search(joined)) or (
            "://" in joined and "@" in joined)
        for index, member, key, text in tree.strings:
            key = str(key)
            if key.lower() in SECRET_KEYS and not is_placeholder(text):
                yield Hit.in_tree(tree, index, member,
                                  f"literal value for '{key}' ({_fingerprint(text)}): read it from Key Vault instead")
                continue
            if not hinted:
                continue
            quick = _may_hold_literal_secret(text)
            if not quick and not _SHAPE_HINT.search(text) and not ("://" in text and "@" in text):
                continue
            found = literal_secrets(text) if quick else []
            if not found and not text.startswith("@"):
                found = shaped_secrets(text)
            for what, position in found:
                yield Hit.in_tree(tree, index, member, f"{what} in the JSON ({_fingerprint(text)}): read it from Key "
                                                       "Vault instead", position + 1)
        web = list(_web_request_literals(ctx)) if ctx.pipeline is not None else []
        yield from web
        reported = {hit.path for hit in web}
        yield from (hit for hit in _rest_request_literals(tree) if hit.path not in reported)


WEB_CALLS = frozenset({"webactivity", "webhook", "azurefunctionactivity"})
_CREDENTIAL_PAIR = re.compile(r"([A-Za-z][\w.-]*)[\"']?\s*[=:]\s*[\"']?")
_PAIR_END = re.compile(r"[&\"',;\s}{]")


def _fingerprint(value: str) -> str:
    """How a message names a secret without showing it."""
    return f"fingerprint {fingerprint(value)}"


# What every shape below starts with: one search rules out almost every string (the corpus pass runs it on each).
_SHAPE_HINT = re.compile(r"-----BEGIN|A(?:KIA|SIA|Iza)|g(?:h[pousr]_|ithub_pat_)|xox[abprs]-|[sr]k_(?:live|test)_|sk-")


# Lower-case words one of which every literal secret shape below holds (a JWT's "eyJ", Bearer, Basic, client_secret,
# AccountKey, SharedAccess..., Password, Pwd, sig=): substring tests on the lowered text are ~5x faster than a regex,
# and this filter runs on every string of every resource.
QUICK_WORDS = ("eyj", "bearer", "basic", "client_secret", "accountkey", "sharedaccess", "password", "pwd", "sig=")


def _may_hold_literal_secret(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in QUICK_WORDS)


def shaped_secrets(text: str) -> list[tuple[str, int]]:
    """(what, position) for values with a credential's shape (adfgen.spec.secret_values), or a password in a URL."""
    found = []
    if not _SHAPE_HINT.search(text):
        return _url_password(text)
    for what, pattern in SHAPES:
        match = pattern.search(text)
        if match and what not in ("an Authorization value", "a storage key or SAS", "a JSON Web Token"):  # literal_secrets' own
            found.append((what, match.start()))
    return found + _url_password(text)


def _url_password(text: str) -> list[tuple[str, int]]:
    userinfo = URL_PASSWORD.search(text) if "://" in text and "@" in text else None
    if userinfo and not is_placeholder(userinfo.group(2)):
        return [("a password in a URL", userinfo.start())]
    return []


URL_PASSWORD = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://([^/?#@\s:]+):([^/?#@\s]+)@")


def _credential_key(name: str) -> bool:
    """A key or header name that says it holds a credential, as the spec check judges it (spec.secret_values)."""
    return bool(CREDENTIAL_KEY.search(name)) and not NOT_CREDENTIAL_KEY.search(name)


def credential_pairs(text: str) -> list[tuple[str, int, str]]:
    """(key, position, value) for each literal written right after a credential-named key in `text`.

    The text is URL-decoded first, so `scope=apiKey%3D...` reads as `apiKey=...`.
    """
    decoded = unquote_plus(text) if "%" in text or "+" in text else text
    found = []
    for match in _CREDENTIAL_PAIR.finditer(decoded):
        key = match.group(1)
        if not _credential_key(key):
            continue
        end = _PAIR_END.search(decoded, match.end())
        value = decoded[match.end():end.start() if end else len(decoded)]
        if value and value[0] not in "@{$[<" and not is_placeholder(value):
            found.append((key, match.start(), value))
    return found


HEADER_MAPS = frozenset({"additionalheaders", "authheaders", "headers"})
# what holds a REST or HTTP request: a Copy's source or sink, a dataset, a linked service
REQUEST_TYPES = frozenset({"RestSource", "RestSink", "HttpSource", "RestResource", "HttpFile", "RestService",
                           "HttpServer"})
REQUEST_TEXTS = frozenset({"relativeurl", "url", "requestbody", "body"})


def _rest_request_literals(tree) -> Iterator[Hit]:
    """What _web_request_literals finds in a Web activity, in every resource's request parts: a Copy's REST source
    (additionalHeaders, requestBody), a REST dataset (relativeUrl) and linked service (url, authHeaders)."""
    # cheap tests first, this runs on every resource: only one holding a REST or HTTP request has such parts; then the
    # header maps' nodes once, and a length test before lower-casing a member name (REQUEST_TEXTS: 11 at most)
    if not any(isinstance(obj.get("type"), str) and obj["type"] in REQUEST_TYPES for _, obj in tree.dicts):
        return
    header_nodes = {i for i, key in enumerate(tree.keys) if isinstance(key, str) and key.lower() in HEADER_MAPS}
    for index, member, _, text in tree.strings:
        named = isinstance(member, str)
        header = named and index in header_nodes
        if not (header or (named and len(member) <= 11 and member.lower() in REQUEST_TEXTS)) \
                or not _literal_request_text(text):
            continue
        if header:
            if _credential_key(member) and not is_placeholder(text) and not text.startswith("{"):  # {var}: paging
                yield Hit.in_tree(tree, index, member, f"literal '{member}' header ({_fingerprint(text)}): read it "
                                                       "from Key Vault instead")
            continue
        for key, position, value in credential_pairs(text)[:1]:
            yield Hit.in_tree(tree, index, member, f"literal value for '{key}' in the {member} "
                                                   f"({_fingerprint(value)}): read it from Key Vault instead",
                              position + 1)


def _literal_request_text(text: str) -> bool:
    """Not an expression (its literal parts are not told apart here), nor one literal_secrets reports already."""
    return bool(text) and not text.startswith("@") and not ARM_EXPRESSION.match(text) and not literal_secrets(text)


def _web_request_literals(ctx: Context) -> Iterator[Hit]:
    for activity in ctx.pipeline.all:
        if activity.kind not in WEB_CALLS:
            continue
        props = activity.type_properties
        parts = [("body", text_of(props.get("body"))), ("url", text_of(props.get("url")))]
        for part, text in parts:
            if not text or text.lstrip().startswith("@"):
                continue  # an expression: its literal parts are not told apart here
            for key, position, value in credential_pairs(text)[:1]:
                yield Hit(f"{activity.path}.typeProperties.{part}",
                          f"'{activity.name}' sends a literal value for '{key}' in its {part} ({_fingerprint(value)}): "
                          f"read it from Key Vault instead", position + 1, activity=activity.name)
        headers = props.get("headers")
        for name, value in (headers.items() if isinstance(headers, dict) else ()):
            text = value if isinstance(value, str) else ""
            if (text and not text.startswith("@") and _credential_key(str(name)) and not is_placeholder(text)
                    and not literal_secrets(text)):  # Bearer/Basic literals are reported with the strings above
                yield Hit(join_key(f"{activity.path}.typeProperties.headers", str(name)),
                          f"'{activity.name}' sends a literal '{name}' header ({_fingerprint(text)}): read it from Key "
                          f"Vault instead", activity=activity.name)


class KeyVaultWithoutApiVersion(Rule):
    """A Web activity calling Key Vault without `api-version` in the URL; Key Vault rejects the request.

    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Get Secret", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/s1",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}}]}}

    Good:
        {"pipeline/pl_x": {"activities": [
            {"name": "Get Secret", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/s1?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}}]}}
    """

    code = "SE007"
    name = "keyvault-without-api-version"
    message = "Key Vault URL without api-version"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        for activity in ctx.pipeline.all:
            if not is_keyvault_call(activity):
                continue
            url = url_of(activity)
            lowered = url.lower()
            if ("vault." in lowered or "secrets" in lowered) and "api-version" not in lowered:
                yield Hit(f"{activity.path}.typeProperties.url",
                          f"'{activity.name}' calls Key Vault without ?api-version=... (e.g. 7.4)", activity=activity.name)
