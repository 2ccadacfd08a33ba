"""`link_header`: RFC 5988 `Link: <...>; rel="next"` headers (ServiceNow, GitHub)."""

from __future__ import annotations

from typing import Literal

from adfgen.spec.variants.pagination import KINDS
from adfgen.spec.variants.pagination._base import PagedUnit, Paging


@KINDS.register("link_header")
class LinkHeaderPagination(PagedUnit):
    """RFC 5988 `Link: <...>; rel="next"` headers."""

    summary = "RFC 5988 `Link: <...>; rel=\"next\"` headers"
    rules_doc = "`SupportRFC5988: true`; as `cursor`"

    kind: Literal["link_header"]

    def paging(self, records_path: str | None) -> Paging:
        """The connector follows Link headers itself."""
        return Paging(rules={"SupportRFC5988": "true"})
