"""AST of the ADF pipeline expression language: four frozen node types and a Template for whole string values."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

Scalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Literal:
    """A string, integer, float, true/false or null constant; position is its first character."""

    value: Scalar
    position: int


@dataclass(frozen=True, slots=True)
class Call:
    """A function call `name(args...)`; name is kept as written (lookups are case-insensitive)."""

    name: str
    args: tuple[Node, ...]
    position: int

    @property
    def key(self) -> str:
        """The lower-case name used for function-table lookups."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Access:
    """Property access `target.name` (or `target?.name`); position is the property name's first character."""

    target: Node
    name: str
    null_safe: bool
    position: int


@dataclass(frozen=True, slots=True)
class Index:
    """Index access `target[index]` (or `target?[index]`); position is the '[' (or the '?')."""

    target: Node
    index: Node
    null_safe: bool
    position: int


Node = Literal | Call | Access | Index


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed string value: literal text and expression nodes in order.

    `is_whole` is true for "@expr" (the value is the expression's native result); false for a string with
    `@{...}` interpolations or escapes (the value is always a string).
    """

    parts: tuple[str | Node, ...]
    is_whole: bool = False

    @property
    def nodes(self) -> tuple[Node, ...]:
        """The expression parts only."""
        return tuple(p for p in self.parts if not isinstance(p, str))

    @property
    def literal(self) -> str | None:
        """The decoded text when the value holds no expression (only escapes), else None."""
        if any(not isinstance(p, str) for p in self.parts):
            return None
        return "".join(self.parts)  # type: ignore[arg-type]


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of node, in source order."""
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Access):
        return (node.target,)
    if isinstance(node, Index):
        return (node.target, node.index)
    return ()


def walk(node: Node | Template) -> Iterator[Node]:
    """Yield every node depth first, parents before children (a Template yields each expression's nodes)."""
    stack: list[Node] = list(reversed(node.nodes)) if isinstance(node, Template) else [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def unparse(node: Node) -> str:
    """Canonical source text of node (no '@'): single-quoted strings, lower-case keywords, no spaces but after ','."""
    if isinstance(node, Literal):
        value = node.value
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        return repr(value)
    if isinstance(node, Call):
        return f"{node.name}({', '.join(unparse(a) for a in node.args)})"
    if isinstance(node, Access):
        return f"{unparse(node.target)}{'?' if node.null_safe else ''}.{node.name}"
    return f"{unparse(node.target)}{'?' if node.null_safe else ''}[{unparse(node.index)}]"
