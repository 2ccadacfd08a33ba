"""Editing one property of an ADF object as azure.datafactory.tools' stage config does (its ObjectProperty.ps1).

A path is relative to `properties`: `a.b`, `[0]` indexes an array, `["Copy Data"]` picks the element with that
`name`; property names match case-insensitively, as PowerShell reads them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import yaml

_ENV_TOKEN = re.compile(r"\$\(\$Env:([A-Za-z_][A-Za-z0-9_]*)\)|\$Env:([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_SEGMENT = re.compile(r"""\[(?:(\d+)|"([^"]*)"|'([^']*)')\]|([^.\[\]]+)""")


def _segments(path: str) -> list[Any]:
    """`a.b[0]["X"]` → ["a", "b", 0, ("X",)]: ints index arrays, 1-tuples pick an element by its name."""
    out: list[Any] = []
    position = 0
    for match in _SEGMENT.finditer(path):
        if path[position:match.start()] not in ("", "."):
            raise ValueError(f"cannot read the path '{path}'")
        index, double, single, key = match.groups()
        if index is not None:
            out.append(int(index))
        elif double is not None or single is not None:
            out.append((double if double is not None else single,))
        else:
            out.append(key)
        position = match.end()
    if path[position:] or not out:
        raise ValueError(f"cannot read the path '{path}'")
    return out


def _child(node: Any, step: Any) -> tuple[Any, Any]:
    """(container key, child) for one step, or raise LookupError."""
    if isinstance(step, int):
        if isinstance(node, list) and 0 <= step < len(node):
            return step, node[step]
        raise LookupError(f"[{step}]")
    if isinstance(step, tuple):
        if isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, dict) and str(item.get("name", "")).lower() == step[0].lower():
                    return i, item
        raise LookupError(f'["{step[0]}"]')
    if isinstance(node, dict):
        if step in node:
            return step, node[step]
        for key in node:  # PowerShell reads property names case-insensitively
            if isinstance(key, str) and key.lower() == step.lower():
                return key, node[key]
    raise LookupError(step)


def _convert(value: str, current: Any) -> Any:
    """The value as the type of the one it replaces (raises ValueError)."""
    if isinstance(current, str) or current is None:
        return value
    if value == "":
        raise ValueError(f"an empty value cannot replace a {type(current).__name__}")
    if isinstance(current, bool):
        if value.strip().lower() not in ("true", "false", "$true", "$false"):
            raise ValueError("the value is not a boolean (true or false)")
        return value.strip().lower().lstrip("$") == "true"
    if isinstance(current, (int, float)):
        try:
            number = float(value)
        except ValueError:
            raise ValueError("the value is not a number") from None
        return int(number) if number.is_integer() and isinstance(current, int) else number
    try:
        parsed = json.loads(value)
    except ValueError:
        try:  # ConvertFrom-Json accepts single-quoted strings: {'type': 'int32'}
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            raise ValueError("the value is not JSON") from None
    if not isinstance(parsed, type(current)):
        raise ValueError(f"the value is not a JSON {'object' if isinstance(current, dict) else 'array'}")
    return parsed


def expand_env(value: str, environ: Mapping[str, str]) -> str:
    """Replace `$($Env:NAME)` / `$Env:NAME` (raises ValueError for an unset one or another `$(...)`)."""
    def substitute(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name not in environ:
            raise ValueError(f"environment variable {name} is not set")
        return environ[name]

    expanded = _ENV_TOKEN.sub(substitute, value)
    leftover = re.search(r"\$\((?!\$Env:)", value, re.IGNORECASE)
    if leftover:
        raise ValueError("only $($Env:NAME) is expanded here; other PowerShell expressions are not evaluated")
    return expanded


def apply_one(properties: dict, action: str, path: str, value: str) -> None:
    """Update, add or remove the property at `path` (raises LookupError/ValueError)."""
    steps = _segments(path)
    node: Any = properties
    for step in steps[:-1]:
        try:
            _, node = _child(node, step)
        except LookupError:
            if action != "add" or not isinstance(step, str) or not isinstance(node, dict):
                raise
            node[step] = {}
            node = node[step]
    last = steps[-1]
    if action == "add":
        if not isinstance(node, dict) or not isinstance(last, str):
            raise LookupError(str(last))
        if any(isinstance(key, str) and key.lower() == last.lower() for key in node):
            # azure.datafactory.tools' Add-ObjectProperty uses Add-Member without -Force, which fails on an
            # existing member (documented: https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/add-member)
            raise ValueError("the property exists already: + adds a new one; write the path without + to update it")
        node[last] = value
        return
    key, current = _child(node, last)
    if action == "remove":
        del node[key]
    else:
        node[key] = _convert(value, current)
