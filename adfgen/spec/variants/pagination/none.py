"""`none`: a single request."""

from __future__ import annotations

from typing import Literal

from adfgen.spec.variants.pagination import KINDS
from adfgen.spec.variants.pagination._base import PaginationUnit, Paging


@KINDS.register("none")
class NoPagination(PaginationUnit):
    """A single request."""

    summary = "a single request"
    rules_doc = "`SupportRFC5988: false` (so the connector follows no `Link` header on its own), one request"

    kind: Literal["none"]

    def paging(self, records_path: str | None) -> Paging:
        """One request: also stops the connector following RFC 5988 Link headers on its own."""
        return Paging(rules={"SupportRFC5988": "false"})
