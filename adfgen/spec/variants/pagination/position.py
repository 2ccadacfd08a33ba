"""`position`: a `{position}` placeholder the spec puts where the API wants it, e.g. inside a query language's
text (QuickBooks: `SELECT * FROM Invoice STARTPOSITION {position} MAXRESULTS 1000`); the worked example of
CONTRIBUTING.md: one file, no other code changed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from adfgen.spec.variants.pagination import KINDS
from adfgen.spec.variants.pagination._base import PageRange, Paging, StoppingUnit


@KINDS.register("position")
class PositionPagination(StoppingUnit):
    """`{position}` from `start`, advancing by `page_size`, written where the request puts it (e.g. QuickBooks'
    `STARTPOSITION {position} MAXRESULTS 1000` inside the `query` value); adds no parameter."""

    rules_doc = ("per chunk `QueryParameters.{position}` (or `AbsoluteUrl.`/`Headers.`, where it is written): "
                 "`RANGE:<first>:<last>:<page_size>` (expressions) + end condition")

    kind: Literal["position"]
    start: int = Field(1, description="the first position (QuickBooks counts from 1)")
    page_size: int = Field(gt=0, description="records per page: the step of {position}")

    def records_per_page(self) -> int | None:
        """`page_size`."""
        return self.page_size

    def paging(self, records_path: str | None) -> Paging:
        """Only the RANGE: the request's own text carries `{position}`."""
        return Paging((), PageRange("position", self.start, self.page_size), self.end_rule(records_path))
