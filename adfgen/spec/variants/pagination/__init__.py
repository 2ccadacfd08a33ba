"""Pagination kinds, one module each; `Pagination` is their discriminated union, built from the registry.

A module registers one `@KINDS.register("<kind>")` model deriving `PaginationUnit`, `PagedUnit` (sends more than one
request) or `StoppingUnit` (counts pages with a RANGE and can resume), from `_base.py`: its `kind: Literal["<kind>"]`
and described fields, `paging()` (or `constant_rules`), `problems()` for what ADF cannot do, `rules_doc` for the README
row of rules that follow its fields, and its docstring as its README sentence."""

from __future__ import annotations

from adfgen.spec.variants.pagination._base import (EndCondition, JsonPath, PagedUnit, PageRange, Paging,
                                                   PaginationUnit, UnitProblem)
from adfgen.spec.variants.registry import Registry, summary

__all__ = ["KINDS", "EndCondition", "JsonPath", "PageRange", "Paging", "Pagination", "PaginationUnit", "UnitProblem",
           "markdown_table", "rules_cell"]

KINDS: Registry[type[PaginationUnit]] = Registry("pagination kind", __name__, name_field="kind")
Pagination = KINDS.discriminated_union()


def markdown_table() -> str:
    """The README's table of pagination kinds: name, spec fields, what it does and the ADF rules it becomes."""
    lines = ["| kind | spec fields | pages | ADF `paginationRules` |", "| --- | --- | --- | --- |"]
    for name, unit in KINDS:
        shared = [key for key in unit.model_fields if any(key in base.model_fields for base in unit.__mro__[1:]
                                                          if isinstance(base, type) and issubclass(base, PaginationUnit))]
        own = [key for key in unit.model_fields if key not in shared]
        fields = ", ".join(f"`{unit.model_fields[key].alias or key}`" for key in own + shared if key != "kind") or "—"
        lines.append(f"| `{name}` | {fields} | {summary(unit)} | {rules_cell(unit)} |")
    return "\n".join(lines)


def rules_cell(unit: type[PaginationUnit]) -> str:
    """A kind's README cell of ADF rules: its constant rules or its own text, plus the one-Copy limit of a kind that
    pages but cannot resume (the worker copies it in one Copy, under one access token)."""
    text = unit.rules_doc or ", ".join(f"`{key}: {value}`" for key, value in (unit.constant_rules or {}).items())
    if issubclass(unit, PagedUnit) and not unit.resumable:
        text += "; one Copy, so `max_requests` must fit one token"
    return text
