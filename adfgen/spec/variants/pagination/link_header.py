"""`link_header`: RFC 5988 `Link: <...>; rel="next"` headers (ServiceNow, GitHub)."""

from __future__ import annotations

from typing import Literal

from adfgen.spec.variants.pagination import KINDS
from adfgen.spec.variants.pagination._base import PagedUnit


@KINDS.register("link_header")
class LinkHeaderPagination(PagedUnit):
    """RFC 5988 `Link: <...>; rel="next"` headers, which the connector follows itself."""

    constant_rules = {"SupportRFC5988": "true"}

    kind: Literal["link_header"]
