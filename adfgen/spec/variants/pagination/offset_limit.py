"""`offset_limit`: `?offset=N&limit=L`, the offset advancing by the limit (ServiceNow, Xero Journals)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from adfgen.spec.variants.pagination import KINDS
from adfgen.spec.variants.pagination._base import PageRange, Paging, StoppingUnit


@KINDS.register("offset_limit")
class OffsetLimitPagination(StoppingUnit):
    """`?<offset_param>={offset}&<limit_param>=<limit>`, the offset advancing by the limit until an empty page (or
    `stop_when`); a total count in the reply cannot end it, so the last request is the empty page after the total."""

    # ADF's end conditions test one node for Empty, NonExist, Exist or Const:<value>, never one value against another
    # such as offset >= total (documented: https://learn.microsoft.com/azure/data-factory/connector-rest#pagination-
    # support), so an "offset_total" kind could only refuse

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
