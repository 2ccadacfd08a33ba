"""`none`: a single request."""

from __future__ import annotations

from typing import Literal

from adfgen.spec.variants.pagination import KINDS
from adfgen.spec.variants.pagination._base import PaginationUnit


@KINDS.register("none")
class NoPagination(PaginationUnit):
    """A single request (the connector is told not to follow RFC 5988 `Link` headers on its own)."""

    constant_rules = {"SupportRFC5988": "false"}

    kind: Literal["none"]
