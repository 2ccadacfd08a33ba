"""Leaf-by-leaf comparison of two JSON values: (path, old, new) for every differing leaf."""

from __future__ import annotations

from typing import Any

MISSING = object()  # a key present on one side only


def leaves(value: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    """Every leaf of a JSON value by path; an `{"value", "type": "Expression"}` wrapper counts as one leaf."""
    if isinstance(value, dict) and value and not _is_expression_wrapper(value):
        found: dict[tuple[Any, ...], Any] = {}
        for key, item in value.items():
            found.update(leaves(item, path + (key,)))
        return found
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        found = {}
        for index, item in enumerate(value):
            found.update(leaves(item, path + (index,)))
        return found
    return {path: value}


def _is_expression_wrapper(value: dict[str, Any]) -> bool:
    return set(value) == {"value", "type"} and value.get("type") == "Expression"


def unwrap(value: Any) -> Any:
    """The expression text of an `{"value", "type": "Expression"}` wrapper, other values as they are."""
    return value["value"] if isinstance(value, dict) and _is_expression_wrapper(value) else value


def changed_leaves(old: Any, new: Any) -> list[tuple[tuple[Any, ...], Any, Any]]:
    """(path, old, new) for each leaf that differs, MISSING where a side lacks it, sorted by path."""
    before, after = leaves(old), leaves(new)
    paths = sorted(set(before) | set(after), key=lambda p: [str(step) for step in p])
    return [(p, before.get(p, MISSING), after.get(p, MISSING)) for p in paths
            if before.get(p, MISSING) != after.get(p, MISSING)]


def path_text(path: tuple[Any, ...]) -> str:
    """`typeProperties.source.paginationRules["QueryParameters.{page}"]`-style text of a leaf path."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif step.replace("_", "a").isalnum():
            out += ("." if out else "") + step
        else:
            out += f'["{step}"]'
    return out
