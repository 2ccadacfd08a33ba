"""`page_number`: `?page=N` from `start`, one step per request (Xero)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from adfgen.spec.variants.pagination import KINDS
from adfgen.spec.variants.pagination._base import PageRange, Paging, StoppingUnit


@KINDS.register("page_number")
class PageNumberPagination(StoppingUnit):
    """`?<param>={page}` from `start`, one step per request."""

    rules_doc = ("per chunk `QueryParameters.{page}: RANGE:<first>:<last>:1` (expressions) + end condition "
                 "(default: records empty)")

    kind: Literal["page_number"]
    param: str = Field("page", description="the query parameter of the page number")
    start: int = Field(1, description="the first page's number")
    page_size_param: str | None = Field(None, description="the query parameter of the page size, if the API takes one")
    page_size: int | None = Field(None, gt=0, description="records per page: sent as page_size_param, and the size "
                                  "max_results is checked with")

    def records_per_page(self) -> int | None:
        """`page_size`."""
        return self.page_size

    def paging(self, records_path: str | None) -> Paging:
        """The page number as a RANGE in `param`, the page size as a constant pair."""
        query = [(self.param, "{page}")]
        if self.page_size_param and self.page_size:
            query.append((self.page_size_param, str(self.page_size)))
        return Paging(tuple(query), PageRange("page", self.start, 1), self.end_rule(records_path))
