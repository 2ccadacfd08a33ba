"""The registry of function implementations: lower-case name -> Implementation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Implementation:
    """One function's Python body; lazy bodies receive thunks (zero-argument callables) instead of values."""

    name: str
    body: Callable[..., Any]
    lazy: bool = False


IMPLEMENTATIONS: dict[str, Implementation] = {}


def implements(name: str, *, lazy: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated `body(scope, args)` as the implementation of the function `name`."""

    def register(body: Callable[..., Any]) -> Callable[..., Any]:
        key = name.lower()
        if key in IMPLEMENTATIONS:
            raise RuntimeError(f"function {name!r} is implemented twice")
        IMPLEMENTATIONS[key] = Implementation(name, body, lazy)
        return body

    return register
