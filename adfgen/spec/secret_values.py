"""Credential-looking values in a spec, by shape and entropy (never by words such as "example" in the value).

A spec names Key Vault secrets and never holds their values. This module finds values that look like credentials
anywhere in the parsed YAML, before the model is built, and gives the fingerprint that reports show in their place.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import parse_qsl

from adfgen.spec.fields import ORIGIN_PLACEHOLDER

PathKey = tuple[Any, ...]

# maps whose keys the user chooses (and may call "password"); params constants are written into requests as they are
FREE_FORM_MAPS = {"headers", "query", "token_params", "params"}
IDENTITY_DESCRIPTORS = {"name", "from", "field", "url", "label", "header"}  # keys of secrets.identity[i]
NOT_SCANNED = {"not_secrets"}  # the escape hatch itself: field paths and fingerprints
CREDENTIAL_KEY = re.compile(r"pass(word|wd)?|pwd|secret|token|api[-_]?key|apikey|access[-_]?key|private[-_]?key|"
                            r"auth|credential|signature|^sig$|^code$|session|cookie|(^|[-_])key$", re.I)
NOT_CREDENTIAL_KEY = re.compile(r"(type|name|url|uri|hint|expiry|expires|lifetime|format|scheme|method|grant_type|"
                                r"token_type|response_type|audience|scope)$", re.I)
SHAPES = [  # (what, pattern): formats with a recognisable shape
    ("a JSON Web Token", re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY")),
    ("an AWS access key", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\b(gh[pousr]|github_pat)_[A-Za-z0-9_]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("an API secret key", re.compile(r"\b[sr]k_(live|test)_[A-Za-z0-9]{10,}|\bsk-[A-Za-z0-9_-]{20,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{30,}")),
    ("an Authorization value", re.compile(r"\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]{8,}")),
    ("a storage key or SAS", re.compile(r"AccountKey=|SharedAccessKey=|[?&]sig=[A-Za-z0-9%+/=]{10,}", re.I)),
]
_USERINFO = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#@\s]+)@")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TOKEN = re.compile(r"[A-Za-z0-9+/=_.~-]{20,}")
_WORD = re.compile(r"[A-Z]?[a-z]+(?:[A-Z][a-z]+)*|[A-Z]+")  # Projects, BankTransactions, items, API
_BASE64 = re.compile(r"[A-Za-z0-9+/]{30,}={0,2}")
_ID = re.compile(r"([A-Za-z]{1,12}[-_])?[0-9a-fA-F_-]+")  # hex or numeric ids, maybe with a short prefix (kv-3f9a...)
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d([T ][\d:.]+Z?)?$")


@dataclass(frozen=True)
class Finding:
    """A value that looks like a credential, and where."""

    path: PathKey
    what: str
    value: str


def fingerprint(value: str) -> str:
    """A short, slow hash of a value: enough to recognise it again, too slow to guess weak values from."""
    return hashlib.pbkdf2_hmac("sha256", value.encode("utf-8", "surrogatepass"), b"adfgen-fingerprint",
                               10_000)[:6].hex()


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _random_looking(token: str) -> bool:
    """A long token mixing digits and letters with high entropy (hex needs less: 16 symbols at most)."""
    if _TIMESTAMP.match(token) or not re.search(r"[A-Za-z]", token):
        return False
    bits = entropy(token)
    if re.fullmatch(r"[0-9a-fA-F]+", token):
        return len(token) >= 32 and bits >= 3.0
    # words (invoice2024report, MyCompanyName) have high entropy too, but switch between character classes rarely
    classes = [("d" if c.isdigit() else "u" if c.isupper() else "l" if c.islower() else "s") for c in token]
    switches = sum(1 for a, b in zip(classes, classes[1:]) if a != b) / len(token)
    if re.search(r"\d", token):
        return bits >= 3.5 and switches >= 0.3
    return bits >= 4.0 and switches >= 0.35


def high_entropy(text: str, path_like: bool = False) -> bool:
    """A random-looking token in `text`; in URLs and paths, ids (GUIDs, hex, numbers) between '/' and '.' are fine."""
    stripped = _GUID.sub(" ", text)
    if not path_like or "/" not in stripped:  # a lone value is no path: its hex is not an id between segments
        return any(_random_looking(token.strip("._~-")) for token in _TOKEN.findall(stripped))
    parts = stripped.rstrip("=").split("/")
    # a word of a path has three letters at least: a blob's two-letter piece between '/' ("bl") is no word
    if _BASE64.fullmatch(stripped) and not any(len(part) > 2 and _WORD.fullmatch(part) for part in parts) \
            and any(len(part) > 4 and not _ID.fullmatch(part) for part in parts) \
            and _random_looking(re.sub(r"[+/=]", "", stripped)):
        return True  # one base64 blob that happens to hold '/', not a path of words and ids
    segments = re.split(r"[/.?#&;:,@\s]+", stripped)
    return any(len(segment) >= 20 and not _ID.fullmatch(segment) and _random_looking(segment)
               for segment in (s.strip("=_~-") for s in segments))


_JSON_PAIR = re.compile(r'"((?:[^"\\]|\\.)+)"\s*:\s*"((?:[^"\\]|\\.)*)"')


def body_pairs(text: str) -> list[tuple[str, str]]:
    """(key, value) pairs a request body writes: "key": "value" members of JSON, or a form's key=value pairs."""
    pairs = _JSON_PAIR.findall(text)
    if not text.lstrip().startswith(("{", "[", "<")) and "=" in text:
        pairs += parse_qsl(text.strip(), keep_blank_values=True)
    return pairs


def describe(value: str, key: Any = None, in_free_map: bool = False, in_path: bool = False) -> str | None:
    """What credential `value` looks like (None when it does not)."""
    for what, pattern in SHAPES:
        if pattern.search(value):
            return what
    userinfo = _USERINFO.match(value)
    if userinfo:
        return "credentials in the URL (user:password@)" if ":" in userinfo.group(1) else "a user name in the URL"
    if in_free_map and isinstance(key, str) and CREDENTIAL_KEY.search(key) and not NOT_CREDENTIAL_KEY.search(key) \
            and value.strip() and not re.fullmatch(r"\{[^{}]*\}", value.strip()):
        return f"a literal value for '{key}'"
    base, _, query = value.partition("?")
    if query and "=" in query:
        for name, item in parse_qsl(query, keep_blank_values=True):
            found = describe(item, name, in_free_map=True)
            if found:
                return f"{found} in the query string"
    if key == "body":
        for name, item in body_pairs(value):
            found = describe(item, name, in_free_map=True)
            if found:
                return f"{found} in the body"
    if high_entropy(value, path_like=in_path or bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", base))):
        return "a random-looking value (high entropy)"
    return None


def scan(data: Any, path: PathKey = ()) -> Iterator[Finding]:
    """Every credential-looking string in the parsed spec, with its path."""
    if isinstance(data, dict):
        for key, value in data.items():
            if not path and key in NOT_SCANNED:
                continue
            yield from scan(value, path + (key,))
        return
    if isinstance(data, list):
        for index, value in enumerate(data):
            yield from scan(value, path + (index,))
        return
    if not isinstance(data, str):
        return
    key = path[-1] if path else None
    in_free_map = len(path) >= 2 and path[-2] in FREE_FORM_MAPS
    # ids in a path or URL are judged segment by segment (a URL whose origin is a {placeholder} included); a URL
    # field holding no URL is judged whole
    in_path = isinstance(key, str) and (key == "path" or (key.endswith("url") and
                                                          ("://" in data or bool(ORIGIN_PLACEHOLDER.match(data)))))
    what = describe(data, key, in_free_map, in_path)
    if what:
        yield Finding(path, what, data)


def secret_bearing_values(data: Any, path: PathKey = ()) -> Iterator[str]:
    """Values a report must never show: everything under `secrets`, and credential-named free-form entries."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from secret_bearing_values(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from secret_bearing_values(value, path + (index,))
    elif isinstance(data, str) and len(data) >= 3:
        key = path[-1] if path else None
        # an identity value's descriptors (its placeholder name, source, field...) are spec words, not secret names
        described = len(path) >= 3 and path[-3] == "identity" and key in IDENTITY_DESCRIPTORS
        if ("secrets" in path and not described) or (len(path) >= 2 and path[-2] in FREE_FORM_MAPS and isinstance(key, str)
                                 and CREDENTIAL_KEY.search(key)):
            yield data
