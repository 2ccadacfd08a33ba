"""Hypothesis strategies for hostile inputs: mutated specs, YAML documents built from YAML's own features."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
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
    """The shipped spec with one to three values replaced by hostile ones, as YAML text."""
    data = yaml.safe_load(XERO_TEXT)
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
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False), secret


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
