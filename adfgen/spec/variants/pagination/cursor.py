"""`cursor`: a cursor read from the reply and sent as a query parameter or header (HubSpot `after`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from adfgen.spec.variants.pagination import KINDS
from adfgen.spec.variants.pagination._base import JsonPath, PagedUnit, Paging, UnitProblem

# the request parts ADF's pagination rules can write (connector-rest doc, "Pagination support": AbsoluteUrl,
# QueryParameters, Headers): a body is not among them
_TARGETS = {"query": "QueryParameters", "header": "Headers"}


@KINDS.register("cursor")
class CursorPagination(PagedUnit):
    """A cursor: `<param>` from `cursor_path` of the previous reply, sent as a query parameter (or
    `send_in: header`)."""

    rules_doc = ("`QueryParameters.<param>: <cursor_path>` (or `Headers.`), ends when the cursor is absent; "
                 "`send_in: body` is refused")

    kind: Literal["cursor"]
    param: str = Field(description="the query parameter (or header) the next request carries the cursor in")
    cursor_path: JsonPath = Field(description="JSONPath of the next cursor in each reply, e.g. $.paging.next.after")
    send_in: Literal["query", "header", "body"] = Field(
        "query", description="where the next request carries the cursor; body is refused (ADF cannot)")

    def paging(self, records_path: str | None) -> Paging:
        """The cursor rule and its end."""
        target = _TARGETS.get(self.send_in, "QueryParameters")
        return Paging(rules={f"{target}.{self.param}": self.cursor_path,
                             f"EndCondition:{self.cursor_path}": "NonExist"})

    def problems(self, records_path: str | None) -> list[UnitProblem]:
        """A cursor in a POST body cannot be sent by a Copy."""
        if self.send_in != "body":
            return []
        return [(("send_in",), "a cursor inside a request body cannot be paged by ADF: the Copy's pagination rules "
                 "write only AbsoluteUrl, QueryParameters and Headers of the next request (https://learn.microsoft."
                 "com/azure/data-factory/connector-rest#pagination-support); use the API's GET form that takes the "
                 "cursor as a query parameter (HubSpot: GET /crm/v3/objects/<object>?after=...), send_in: query "
                 "or header")]
