"""Refuse a value still set to the `TODO` placeholder `adfgen init --blank` writes (a factory named TODO would build)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from adfgen.core.errors import Problem
from adfgen.spec.skeleton import TODO
from adfgen.spec.yaml_source import PathKey, YamlDocument, dotted_path


def leftover_todos(doc: YamlDocument, file: str) -> list[Problem]:
    """One problem per value that is still exactly `TODO`, at its line."""
    return [Problem(file, doc.line_of(path), dotted_path(path), f"still {TODO}, the placeholder `adfgen init` wrote: "
                    + ("name your Key Vault secret, or remove the line if your flow does not use it (its comment says)"
                       if "secrets" in path else "replace it with your own value"))
            for path in _todo_paths(doc.data)]


def _todo_paths(data: Any, path: PathKey = ()) -> Iterator[PathKey]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _todo_paths(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _todo_paths(value, path + (index,))
    elif data == TODO:
        yield path
