"""Hand-written tokenizer and recursive-descent parser for ADF string values and expressions.

The syntax follows what the engine behind ADF (the Logic Apps template language, as shipped in Microsoft's
data-factory-testing-framework) accepts; each rule below was checked against it:
- a value starting with "@@" is literal text minus the first "@" (no interpolation at all after it);
  a value "@" alone is the literal "@"; "@{" starts an interpolation; any other leading "@" makes the rest
  one expression (whitespace after the "@" is allowed);
- elsewhere "@{ expr }" interpolates and "@@{" is the literal text "@{";
- an expression is a literal (no accessors may follow it) or a call `name(args)` followed by any number of
  `.name`, `[expr]`, `?.name`, `?[expr]`; whitespace may separate every token;
- identifiers are letters, digits, "_" and "$", not starting with a digit; true/false/null are
  case-insensitive; numbers may carry a sign, a fraction and an exponent ("+1", "1.", "1e5").
"""

from __future__ import annotations

import re
from functools import lru_cache

from .errors import ExpressionError
from .nodes import Access, Call, Index, Literal, Node, Template

_WS = re.compile(r"\s*")
_IDENT = re.compile(r"(?:[^\W\d]|\$)[\w$]*")
_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?")
_STRING = re.compile(r"'(?:[^']|'')*'")
_KEYWORDS = {"true": True, "false": False, "null": None}
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _describe(text: str, pos: int) -> str:
    if pos >= len(text):
        return "end of expression"
    return repr(text[pos])


class _Parser:
    __slots__ = ("n", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def skip(self, pos: int) -> int:
        if pos < self.n and self.text[pos].isspace():  # Unicode spaces too (U+00A0 ...), as the engine does
            return _WS.match(self.text, pos).end()  # type: ignore[union-attr]
        return pos

    def fail(self, message: str, pos: int) -> ExpressionError:
        return ExpressionError(message, pos)

    def expression(self, pos: int) -> tuple[Node, int]:
        text = self.text
        pos = self.skip(pos)
        if pos >= self.n:
            raise self.fail("expected an expression but found the end", pos)
        c = text[pos]
        if c == "'":
            m = _STRING.match(text, pos)
            if m is None:
                raise self.fail("string literal is not terminated (quote it with ' and double any ' inside)", pos)
            return self.literal(Literal(m.group()[1:-1].replace("''", "'"), pos), m.end())
        if c.isdigit() or c in "+-":
            m = _NUMBER.match(text, pos)
            if m is None:
                raise self.fail(f"{_describe(text, pos)} does not start a number", pos)
            raw = m.group()
            value: int | float = float(raw) if (m.group(1) or m.group(2)) else int(raw)
            if isinstance(value, int) and not _INT64_MIN <= value <= _INT64_MAX:  # the engine's integers are 64-bit
                raise self.fail(f"the value '{raw}' cannot be converted to number", pos)
            return self.literal(Literal(value, pos), m.end())
        m = _IDENT.match(text, pos)
        if m is None:
            raise self.fail(f"unexpected {_describe(text, pos)}, expected a function call or a literal", pos)
        name = m.group()
        after = self.skip(m.end())
        keyword = name.lower()
        if keyword in _KEYWORDS:
            if after < self.n and text[after] == "(":
                raise self.fail(f"unexpected '(' after the literal {keyword}", after)
            return self.literal(Literal(_KEYWORDS[keyword], pos), m.end())
        if after >= self.n or text[after] != "(":
            raise self.fail(f"expected '(' after function name {name!r}, found {_describe(text, after)}", after)
        node, end = self.call(name, pos, after)
        return self.accessors(node, end)

    def literal(self, node: Literal, end: int) -> tuple[Literal, int]:
        # The engine rejects accessors after a literal ("@'a'.length"); say why instead of "unexpected '.'".
        pos = self.skip(end)
        if pos < self.n and self.text[pos] in ".[?":
            raise self.fail(
                f"{self.text[pos]!r} cannot follow a literal: property and index access apply only to function results",
                pos,
            )
        return node, end

    def call(self, name: str, start: int, paren: int) -> tuple[Call, int]:
        text = self.text
        args: list[Node] = []
        pos = self.skip(paren + 1)
        if pos < self.n and text[pos] == ")":
            return Call(name, (), start), pos + 1
        while True:
            arg, pos = self.expression(pos)
            args.append(arg)
            pos = self.skip(pos)
            if pos >= self.n:
                raise self.fail(f"call of {name!r} is not closed: expected ',' or ')' but found the end", pos)
            c = text[pos]
            if c == ",":
                pos += 1
            elif c == ")":
                return Call(name, tuple(args), start), pos + 1
            else:
                raise self.fail(f"expected ',' or ')' in the arguments of {name!r}, found {c!r}", pos)

    def accessors(self, node: Node, pos: int) -> tuple[Node, int]:
        text = self.text
        while True:
            pos = self.skip(pos)
            if pos >= self.n:
                return node, pos
            c = text[pos]
            null_safe = c == "?"
            start = pos
            if null_safe:
                pos = self.skip(pos + 1)
                c = text[pos] if pos < self.n else ""
                if c not in (".", "["):
                    raise self.fail(f"expected '.' or '[' after '?', found {_describe(text, pos)}", pos)
            if c == ".":
                pos = self.skip(pos + 1)
                m = _IDENT.match(text, pos)
                if m is None:
                    raise self.fail(
                        f"expected a property name after '.', found {_describe(text, pos)}"
                        " (use ['...'] for names that are not identifiers)",
                        pos,
                    )
                node = Access(node, m.group(), null_safe, pos)
                pos = m.end()
            elif c == "[":
                index, pos = self.expression(pos + 1)
                pos = self.skip(pos)
                if pos >= self.n or text[pos] != "]":
                    raise self.fail(f"expected ']' to close '[', found {_describe(text, pos)}", pos)
                node = Index(node, index, null_safe, start)
                pos += 1
            else:
                return node, pos

    def whole(self, start: int) -> Node:
        node, pos = self.expression(start)
        pos = self.skip(pos)
        if pos < self.n:
            raise self.fail(f"unexpected {_describe(self.text, pos)} after the end of the expression", pos)
        return node

    def interpolation(self, start: int) -> tuple[Node, int]:
        """Parse `@{ expr }` whose '@' is at start; return the node and the offset after '}'."""
        node, pos = self.expression(start + 2)
        pos = self.skip(pos)
        if pos >= self.n:
            raise self.fail(f"'@{{' at column {start + 1} is not closed by '}}'", start)
        if self.text[pos] != "}":
            raise self.fail(f"expected '}}' to close '@{{' at column {start + 1}, found {self.text[pos]!r}", pos)
        return node, pos + 1


def _guard(parse, *args):
    try:
        return parse(*args)
    except RecursionError:
        raise ExpressionError("expression is nested too deeply", 0) from None


def parse_expression(text: str) -> Node:
    """Parse an expression body (the text after the leading '@'); positions are offsets into text."""
    return _guard(_Parser(text).whole, 0)


@lru_cache(maxsize=16384)
def parse_value(text: str) -> Template | None:
    """Parse a JSON string value; None when it is a plain literal whose value is the text itself."""
    if not text.startswith("@") and "@{" not in text:
        return None
    if text.startswith("@@"):
        return Template((text[1:],))
    if text.startswith("@") and not text.startswith("@{"):
        if len(text) == 1:
            return None
        return Template((_guard(_Parser(text).whole, 1),), is_whole=True)
    return _guard(_parse_interpolated, text)


def _parse_interpolated(text: str) -> Template:
    parser = _Parser(text)
    parts: list[str | Node] = []
    buffer: list[str] = []
    i = 0
    while True:
        j = text.find("@{", i)
        if j < 0:
            buffer.append(text[i:])
            break
        if j > i and text[j - 1] == "@":
            buffer.append(text[i : j - 1])
            buffer.append("@{")
            i = j + 2
            continue
        buffer.append(text[i:j])
        literal = "".join(buffer)
        if literal:
            parts.append(literal)
        buffer = []
        node, i = parser.interpolation(j)
        parts.append(node)
    literal = "".join(buffer)
    if literal:
        parts.append(literal)
    return Template(tuple(parts))
