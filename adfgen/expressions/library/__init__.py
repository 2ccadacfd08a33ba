"""The implementations of the expression language's functions, one module per category, behind one registry.

A function is registered with `@implements("name")` and called as `impl(scope, args)` with evaluated arguments;
`lazy=True` passes zero-argument callables instead, for the functions the engine short-circuits (`if`, `and`,
`or`, `coalesce`). Implementations raise `FunctionError(message)`; the evaluator adds the call's position.
"""

from __future__ import annotations

from .registry import IMPLEMENTATIONS, Implementation, implements

# Importing the category modules fills IMPLEMENTATIONS.
from . import (  # noqa: E402,F401  isort: skip
    accessors, binaries, collections, conversions, datauris, date_formatting, date_zones, dates, jsonxml, logic,
    maths, strings, uris,
)

__all__ = ["IMPLEMENTATIONS", "Implementation", "implements"]
