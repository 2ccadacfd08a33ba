"""Values for reviewers: ADF expressions broken over indented lines when long, JSON values compact."""

from __future__ import annotations

import json
from typing import Any

from adfgen.expressions import Access, Call, ExpressionError, Index, Node, parse_value, unparse
from adfgen.review.leaves import MISSING

WIDTH = 72


def _format(node: Node, indent: int) -> str:
    """`node` on one line when it fits in WIDTH, else each call's arguments on their own lines."""
    flat = unparse(node)
    if indent + len(flat) <= WIDTH:
        return flat
    pad = " " * (indent + 2)
    if isinstance(node, Call) and node.args:
        args = [_format(arg, indent + 2) for arg in node.args]
        return f"{node.name}(\n" + ",\n".join(pad + a for a in args) + "\n" + " " * indent + ")"
    if isinstance(node, Access):
        return f"{_format(node.target, indent)}{'?' if node.null_safe else ''}.{node.name}"
    if isinstance(node, Index):
        return f"{_format(node.target, indent)}{'?' if node.null_safe else ''}[{unparse(node.index)}]"
    return flat


def pretty_expression(text: str) -> str:
    """An ADF string value with its expressions pretty-printed; the text as it is when it holds none or is invalid."""
    try:
        template = parse_value(text)
    except ExpressionError:
        return text
    if template is None or template.literal is not None:
        return text
    if template.is_whole:
        return "@" + _format(template.parts[0], 0)  # type: ignore[arg-type]
    # literal text gets its '@{' escape back; each interpolation is formatted on its own
    return "".join(part.replace("@{", "@@{") if isinstance(part, str) else "@{" + _format(part, 0) + "}"
                   for part in template.parts)


def show(value: Any) -> str:
    """A value as a reviewer reads it: '(none)' for absent, expressions pretty, strings bare, JSON otherwise."""
    if value is MISSING or value is None:
        return "(none)"
    if isinstance(value, str):
        return pretty_expression(value)
    flat = json.dumps(value, ensure_ascii=False, sort_keys=False)
    if isinstance(value, list) and len(flat) > WIDTH and value and all(isinstance(v, str) for v in value):
        return "\n".join(" ".join(v.splitlines()) for v in value)  # e.g. a data flow's scriptLines, line by line
    return flat
