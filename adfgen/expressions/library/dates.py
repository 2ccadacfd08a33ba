"""dates functions of the expression language."""

from __future__ import annotations

from .registry import implements  # noqa: F401
