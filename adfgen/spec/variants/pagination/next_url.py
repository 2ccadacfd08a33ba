"""`next_url`: the next page's URL read from the reply (Microsoft Graph `@odata.nextLink`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from adfgen.spec.variants.pagination import KINDS
from adfgen.spec.variants.pagination._base import JsonPath, PagedUnit, Paging


@KINDS.register("next_url")
class NextUrlPagination(PagedUnit):
    """The next page's URL from `next_url_path` of the previous reply."""

    rules_doc = "`AbsoluteUrl: <next_url_path>`, ends when it is absent"

    kind: Literal["next_url"]
    next_url_path: JsonPath = Field(description="JSONPath of the next page's URL in each reply, e.g. "
                                    "$['@odata.nextLink']")

    def paging(self, records_path: str | None) -> Paging:
        """The next-URL rule and its end."""
        return Paging(rules={"AbsoluteUrl": self.next_url_path, f"EndCondition:{self.next_url_path}": "NonExist"})
