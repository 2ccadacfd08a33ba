"""The ADF pipeline expression language: parser, AST, function table and reference extraction.

    parse_value(text)        -> Template | None   a JSON string value ('@expr', '...@{expr}...', escapes)
    parse_expression(text)   -> Node              an expression body (no leading '@')
    check_functions(node)    -> [ExpressionError] unknown functions ("did you mean") and wrong arities
    check_value(text)        -> [ExpressionError] parse + check_functions for one string value
    references(node)         -> Iterator[Reference] activity/parameter/variable/... references
    walk(node)               -> Iterator[Node]    every node, depth first
    unparse(node)            -> str               canonical source text of a node
Errors carry a 0-based `position` in the original string; str() says "at column N" with N = position + 1.
"""

from __future__ import annotations

from .errors import ExpressionError
from .functions import FUNCTIONS, Function, check_functions, lookup
from .nodes import Access, Call, Index, Literal, Node, Template, unparse, walk
from .parser import parse_expression, parse_value
from .references import Reference, references


def check_value(text: str) -> list[ExpressionError]:
    """All errors of one string value: its syntax error, else its unknown-function and arity errors."""
    try:
        template = parse_value(text)
    except ExpressionError as error:
        return [error]
    return [] if template is None else check_functions(template)


__all__ = [
    "FUNCTIONS",
    "Access",
    "Call",
    "ExpressionError",
    "Function",
    "Index",
    "Literal",
    "Node",
    "Reference",
    "Template",
    "check_functions",
    "check_value",
    "lookup",
    "parse_expression",
    "parse_value",
    "references",
    "unparse",
    "walk",
]
