"""What every pagination kind is: a spec model that also says how its pages are requested and when they stop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import AfterValidator, ConfigDict, Field
from typing_extensions import Annotated

from adfgen.spec.fields import Strict
from adfgen.spec.variants.registry import describe


def _json_path(value: str) -> str:
    if not value.startswith("$"):
        raise ValueError("must be a JSONPath starting with '$', e.g. $.Invoices or $['@odata.nextLink']")
    return value


JsonPath = Annotated[str, AfterValidator(_json_path)]
# what a problem of a unit names: a path below the pagination field ((): the pagination itself) and the message
UnitProblem = tuple[tuple[Any, ...], str]


class EndCondition(Strict):
    """When paging stops: the node at `path` is empty / missing / present, or equals a constant."""

    path: str = Field(description="JSONPath ($.x) of the response body, or headers.<name>")
    is_: Literal["empty", "missing", "present"] | None = Field(None, alias="is",
                                                              description="stop when the node is empty, missing "
                                                              "or present (or set equals)")
    equals: str | None = Field(None, description="stop when the node equals this text, e.g. \"true\" (or set is)")

    def rule(self) -> tuple[str, str]:
        """The `paginationRules` entry: the condition in the key, the test in the value (connector-rest doc)."""
        if self.equals is not None:
            return f"EndCondition:{self.path}", f"Const:{self.equals}"
        return f"EndCondition:{self.path}", {"empty": "Empty", "missing": "NonExist", "present": "Exist"}[self.is_]


@dataclass(frozen=True)
class PageRange:
    """A `RANGE` variable: ADF writes start, start+step, ... into the `{var}` placeholder of the request."""

    var: str
    start: int
    step: int


@dataclass(frozen=True)
class Paging:
    """How a kind pages: query pairs it adds (values may hold its `{var}`), its RANGE, and its other rules."""

    query: tuple[tuple[str, str], ...] = ()
    range: PageRange | None = None
    rules: dict[str, str] = field(default_factory=dict)  # without the RANGE rule and MaxRequestNumber


class PaginationUnit(Strict):
    """One pagination kind: its spec fields (the model) and, as class facts, what the build and the README need; a
    kind's docstring is its README sentence (what the API does)."""

    model_config = ConfigDict(json_schema_extra=describe)

    kind: str
    # the `paginationRules` of a kind whose rules never vary: `paging()` returns them, the README shows them
    constant_rules: ClassVar[dict[str, str] | None] = None
    rules_doc: ClassVar[str | None] = None  # the README row's ADF rules of a kind whose rules follow its fields
    # a new Copy can start at any page (a RANGE over numbers): the worker copies in chunks one token covers
    resumable: ClassVar[bool] = False
    # where ADF pagination rules can put a value it reads from the previous reply; a placeholder in a request body
    # cannot take one (rules reach AbsoluteUrl, QueryParameters and Headers only: connector-rest doc)

    @property
    def request_cap(self) -> int:
        """The cap on requests of one sync (`max_requests` of the kinds that page; a single request otherwise)."""
        return 1

    def records_per_page(self) -> int | None:
        """Records per full page, when the spec says it."""
        return None

    @property
    def paging_names(self) -> tuple[str, ...]:
        """The `{placeholders}` whose values ADF's rules write into the request (e.g. `page`)."""
        paging = self.paging(None)
        return (paging.range.var,) if paging.range else ()

    def paging(self, records_path: str | None) -> Paging:
        """How its pages are requested and when they stop: here its constant rules."""
        if self.constant_rules is None:
            raise NotImplementedError(f"{self.kind} pagination states neither constant_rules nor paging()")
        return Paging(rules=dict(self.constant_rules))

    def problems(self, records_path: str | None) -> list[UnitProblem]:
        """What the spec must fix before this kind can page (beyond its fields' own validation)."""
        return []

    def max_results_problems(self) -> list[UnitProblem]:
        """None here: only paged kinds have a result cap."""
        return []


class PagedUnit(PaginationUnit):
    """A kind that sends more than one request: a request cap, and the API's result cap if it has one."""

    max_requests: int = Field(1000, ge=1, le=1_000_000,
                              description="hard cap on requests per sync; past it the worker fails, never truncates")
    max_results: int | None = Field(
        None, gt=0, description="the API's cap on results of one query (HubSpot search: 10,000): max_requests x the "
        "page size must stay within it")

    @property
    def request_cap(self) -> int:
        """`max_requests`."""
        return self.max_requests

    def max_results_problems(self) -> list[UnitProblem]:
        """A result cap that the request cap could outrun: ADF cannot re-window a query on the last record seen."""
        if self.max_results is None:
            return []
        why = (f"the API returns at most {self.max_results} results per query and ADF's Copy cannot re-window "
               "(start a new query after the last record it read)")
        size = self.records_per_page()
        if size is None:
            return [(("max_results",), f"{why}; {self.kind} pagination has no known page size, so the build cannot "
                     "tell whether max_requests stays within it: use a kind with a page size, or remove max_results "
                     "and keep windows small with an incremental filter")]
        most = self.max_results // size
        if self.max_requests * size <= self.max_results:
            return []
        return [(("max_results",), f"{why}: max_requests {self.max_requests} x page size {size} could "
                 f"pass it and lose the rest silently; set max_requests to at most {most}, so a larger window fails "
                 "loudly at the request cap (the watermark stays), and keep windows small with an incremental "
                 "filter and a frequent schedule")]


class StoppingUnit(PagedUnit):
    """A kind that counts pages (a RANGE): it needs an end condition, by default an empty records page."""

    resumable: ClassVar[bool] = True
    stop_when: EndCondition | None = Field(None, description="defaults to: records_path is empty")

    def end_rule(self, records_path: str | None) -> dict[str, str]:
        """The end condition: `stop_when`, or an empty records page."""
        condition = self.stop_when or (EndCondition(path=records_path, **{"is": "empty"}) if records_path else None)
        if condition is None or (condition.is_ is None) == (condition.equals is None):
            return {}
        key, value = condition.rule()
        return {key: value}

    def problems(self, records_path: str | None) -> list[UnitProblem]:
        """An end is needed, and a stop_when says exactly one test."""
        found: list[UnitProblem] = []
        if not (self.stop_when or records_path):
            found.append(((), f"{self.kind} pagination needs an end: set records_path (stops on an empty page) "
                          "or pagination.stop_when"))
        cond = self.stop_when
        if cond and (cond.is_ is None) == (cond.equals is None):
            found.append((("stop_when",), "set exactly one of 'is' (empty, missing, present) or 'equals'"))
        return found
