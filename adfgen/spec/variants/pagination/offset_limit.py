"""`offset_limit`: `?offset=N&limit=L`, the offset advancing by the limit (ServiceNow, Xero Journals)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from adfgen.spec.variants.pagination import KINDS
from adfgen.spec.variants.pagination._base import PageRange, Paging, StoppingUnit


@KINDS.register("offset_limit")
class OffsetLimitPagination(StoppingUnit):
    """`?<offset_param>={offset}&<limit_param>=<limit>`, the offset advancing by the limit."""

    rules_doc = "per chunk `QueryParameters.{offset}: RANGE:<first>:<last>:<limit>` (expressions) + end condition"

    kind: Literal["offset_limit"]
    offset_param: str = Field("offset", description="the query parameter of the offset")
    limit_param: str = Field("limit", description="the query parameter of the page size")
    limit: int = Field(100, gt=0, description="records per page: sent as limit_param, and the step of {offset}")
    start: int = Field(0, description="the first offset")

    def records_per_page(self) -> int | None:
        """`limit`."""
        return self.limit

    def paging(self, records_path: str | None) -> Paging:
        """The offset as a RANGE stepping by the limit, the limit as a constant pair."""
        query = ((self.offset_param, "{offset}"), (self.limit_param, str(self.limit)))
        return Paging(query, PageRange("offset", self.start, self.limit), self.end_rule(records_path))
