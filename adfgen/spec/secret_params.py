"""Literal secrets reached through a placeholder: a `params` constant written where a credential goes.

`params: {key: hunter2}` with `headers: {X-Api-Key: '{key}'}` sends the constant as the API key, so the constant is a
literal secret however plain its name and value look (shape and entropy cannot tell a short password)."""

from __future__ import annotations

from typing import Any, Iterator
from urllib.parse import parse_qsl

from adfgen.spec.placeholders import names_in
from adfgen.spec.secret_values import (CREDENTIAL_KEY, FREE_FORM_MAPS, NOT_CREDENTIAL_KEY, Finding, PathKey,
                                       body_pairs)
from adfgen.spec.yaml_source import dotted_path


def constants_in_credentials(data: Any) -> Iterator[Finding]:
    """One finding per params constant (base or environment override) that a credential slot of its API uses."""
    apis = data.get("apis") if isinstance(data, dict) else None
    for a, api in enumerate(apis if isinstance(apis, list) else []):
        constants = _constants(api, ("apis", a)) if isinstance(api, dict) else {}
        if not constants:
            continue
        reported: set[PathKey] = set()
        for key, text, where in _credential_slots(api, ("apis", a)):
            for name in names_in(text):
                for path, value in constants.get(name, []):
                    if path not in reported and value.strip():
                        reported.add(path)
                        yield Finding(path, f"a literal value for '{key}', written into {dotted_path(where)}", value)


def _constants(api: dict[str, Any], at: PathKey) -> dict[str, list[tuple[PathKey, str]]]:
    """Each params name → (path, value) of its base value and of every environment's override."""
    found: dict[str, list[tuple[PathKey, str]]] = {}
    sources = [(at + ("params",), api.get("params"))]
    environments = api.get("environments")
    for env, override in environments.items() if isinstance(environments, dict) else ():
        if isinstance(override, dict):
            sources.append((at + ("environments", env, "params"), override.get("params")))
    for where, params in sources:
        for name, value in params.items() if isinstance(params, dict) else ():
            if isinstance(name, str) and isinstance(value, str):
                found.setdefault(name, []).append((where + (name,), value))
    return found


def _credential_slots(node: Any, path: PathKey) -> Iterator[tuple[str, str, PathKey]]:
    """(credential key, text, field path) of every string an API writes under a credential-named header, query
    parameter, token parameter or body member (in the free-form maps, URLs' query strings and bodies)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "params":  # the constants themselves: secret_values judges them by their names
                yield from _credential_slots(value, path + (key,))
        return
    if isinstance(node, list):
        for index, value in enumerate(node):
            yield from _credential_slots(value, path + (index,))
        return
    if not isinstance(node, str):
        return
    pairs = []
    if len(path) >= 2 and path[-2] in FREE_FORM_MAPS and isinstance(path[-1], str):
        pairs.append((path[-1], node))
    if "?" in node:
        pairs += parse_qsl(node.partition("?")[2], keep_blank_values=True)
    if path[-1] == "body":
        pairs += body_pairs(node)
    for key, text in pairs:
        if CREDENTIAL_KEY.search(key) and not NOT_CREDENTIAL_KEY.search(key):
            yield key, text, path
