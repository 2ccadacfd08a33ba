"""Normalise resource `properties` so that a built file and the live resource compare equal when ADF would treat them so."""

from __future__ import annotations

import json
from typing import Any

# Keys the service owns or adds: never part of what adfgen deploys.
READ_ONLY_KEYS = {"runtimeState", "lastPublishTime"}


def normalise(properties: dict[str, Any]) -> dict[str, Any]:
    """Drop read-only keys and empty values (None, {}, []) ADF adds or omits; keep every list's order."""
    cleaned = {k: v for k, v in properties.items() if k not in READ_ONLY_KEYS}
    return _drop_empty(cleaned)


def _drop_empty(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            value = _drop_empty(value)
            if value is None or value == {} or value == []:
                continue
            out[key] = value
        return out
    if isinstance(node, list):
        return [_drop_empty(v) for v in node]  # list items are positional: never dropped
    return node


def canonical_text(properties: dict[str, Any]) -> str:
    """Stable text of normalised properties for diffs (key order is not significant to ADF; list order is)."""
    return json.dumps(normalise(properties), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
