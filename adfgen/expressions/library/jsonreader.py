"""json()'s parser: Newtonsoft.Json's lenient reader as the engine uses it (observed through DFTF 1.4.4).

Strict JSON goes through the standard library (fast); anything else through a small reader with Newtonsoft's
leniencies: comments, single-quoted strings, unquoted property names, trailing commas, octal ('010' is 8) and
hex ('0x1F') integers, '.5' and '1.', NaN/Infinity, text after the first value ignored, and containers left open
at the end of the text closed (not after a dangling ':', nor after a ',' that follows a number, string or
literal, nor in a nested container). Empty or blank text is null.
Not reproduced: 'undefined', empty array slots ('[,1]'), comments kept inside containers, 'new Date(...)'
constructors (the engine returns values its own result writer cannot express as JSON), and the exact line and
position numbers of some error messages.
"""

from __future__ import annotations

import json
import re
from typing import Any

def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object as Newtonsoft builds it: a repeated name takes the last value and moves to the end (observed)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        result = {}
        for name, value in pairs:
            result.pop(name, None)
            result[name] = value
    return result


_STRICT = json.JSONDecoder(object_pairs_hook=_object)
_NUMBER_END = re.compile(r"[\s,\]}/)]|$")
_IDENTIFIER = re.compile(r"[\w$]+")
_WHITESPACE = (  # char.IsWhiteSpace, as Newtonsoft skips it
    " \t\r\n\x0b\x0c\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\x85"
)
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class JsonReadError(ValueError):
    """Text json() cannot parse; the message is Newtonsoft's (position details approximate)."""


def parse_json(text: str) -> Any:
    """The value json(text) returns."""
    try:
        value, end = _STRICT.raw_decode(text, _skip_json_space(text, 0))
    except ValueError:
        return _Reader(text).document()
    if end == len(text) or not text[end:].strip(" \t\r\n"):
        return value
    return _Reader(text).document()


def _skip_json_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


class _Reader:
    __slots__ = ("text", "pos", "path")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.path: list[str] = []

    def fail(self, message: str) -> JsonReadError:
        line = self.text.count("\n", 0, self.pos) + 1
        column = self.pos - (self.text.rfind("\n", 0, self.pos) + 1)
        return JsonReadError(f"{message} Path '{'.'.join(self.path)}', line {line}, position {column}.")

    def skip(self) -> None:
        text, length = self.text, len(self.text)
        while self.pos < length:
            char = text[self.pos]
            if char in _WHITESPACE:
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = length if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.fail("Unexpected end while parsing comment.")
                self.pos = end + 2
            else:
                return

    def document(self) -> Any:
        self.skip()
        if self.pos >= len(self.text):
            return None
        return self.value()

    def value(self) -> Any:
        self.skip()
        if self.pos >= len(self.text):
            raise JsonReadError("Unexpected end when reading token. Path ''.")
        char = self.text[self.pos]
        if char == "{":
            return self.object()
        if char == "[":
            return self.array()
        if char in "\"'":
            return self.string()
        if char.isdigit() or char in "-.":
            return self.number()
        for word, result in (("true", True), ("false", False), ("null", None), ("NaN", float("nan")),
                             ("Infinity", float("inf"))):
            if char == word[0]:
                return self.literal(word, result)
        raise JsonReadError(
            f"Unexpected character encountered while parsing value: {char}. Path '{'.'.join(self.path)}', "
            "line 0, position 0."
        )

    def literal(self, word: str, result: Any) -> Any:
        end = self.pos + len(word)
        if self.text.startswith(word, self.pos) and (end >= len(self.text) or not self.text[end].isalnum()):
            self.pos = end
            return result
        if len(self.text) - self.pos < len(word) and word.startswith(self.text[self.pos:]):
            self.pos = len(self.text)
            raise self.fail("Unexpected end when reading JSON.")
        kind = {"true": "boolean", "false": "boolean"}.get(word, word)
        matched = 0
        while matched < len(word) and self.text[self.pos + matched:self.pos + matched + 1] == word[matched]:
            matched += 1
        self.pos += matched  # Newtonsoft reports the first character that does not fit
        raise self.fail(f"Error parsing {kind} value.")

    def number(self) -> Any:
        start = self.pos
        match = _NUMBER_END.search(self.text, start + 1)
        end = match.start() if match else len(self.text)
        token = self.text[start:end]
        self.pos = end
        if token == "-Infinity":
            return float("-inf")
        if token.startswith("-") and len(token) > 1 and not (token[1].isdigit() or token[1] == "."):
            self.pos = start + 1
            raise self.fail(f"Unexpected character encountered while parsing number: {token[1]}.")
        try:
            return _number(token)
        except ValueError:
            raise self.fail(f"Input string '{token}' is not a valid number.") from None

    def string(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        parts: list[str] = []
        text, length = self.text, len(self.text)
        while True:
            end = self.pos
            while end < length and text[end] != quote and text[end] != "\\":
                end += 1
            parts.append(text[self.pos:end])
            if end >= length:
                self.pos = length
                raise self.fail(f"Unterminated string. Expected delimiter: {quote}.")
            if text[end] == quote:
                self.pos = end + 1
                return "".join(parts)
            self.pos = end + 1
            parts.append(self.escape())

    def escape(self) -> str:
        if self.pos >= len(self.text):
            raise self.fail("Unterminated string. Expected delimiter: \".")
        char = self.text[self.pos]
        self.pos += 1
        if char in _ESCAPES:
            return _ESCAPES[char]
        if char != "u":
            raise self.fail(f"Bad JSON escape sequence: \\{char}.")
        digits = self.text[self.pos:self.pos + 4]
        if len(digits) < 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise self.fail("Unexpected end while parsing Unicode escape sequence.")
        self.pos += 4
        code = int(digits, 16)
        if 0xD800 <= code < 0xDC00 and self.text.startswith("\\u", self.pos):
            low = self.text[self.pos + 2:self.pos + 6]
            if len(low) == 4 and all(c in "0123456789abcdefABCDEF" for c in low) and 0xDC00 <= int(low, 16) < 0xE000:
                self.pos += 6
                return chr(0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00))
        return chr(code)

    def array(self) -> list[Any]:
        self.pos += 1
        items: list[Any] = []
        while True:
            self.skip()
            if self.pos >= len(self.text):
                if items and self.may_end_after(items[-1]):
                    return items
                raise JsonReadError("Unexpected end when reading token. Path ''.")
            if self.text[self.pos] == "]":
                self.pos += 1
                return items
            self.path.append(f"[{len(items)}]")
            items.append(self.value())
            more = self.separator("]")
            self.path.pop()
            if not more:
                return items

    def object(self) -> dict[str, Any]:
        self.pos += 1
        result: dict[str, Any] = {}
        while True:
            self.skip()
            if self.pos >= len(self.text):
                if result and self.may_end_after(list(result.values())[-1]):
                    return result
                raise JsonReadError("Unexpected end when reading token. Path ''.")
            char = self.text[self.pos]
            if char == "}":
                self.pos += 1
                return result
            name = self.property_name(char)
            self.skip()
            if self.pos >= len(self.text) or self.text[self.pos] != ":":
                got = self.text[self.pos] if self.pos < len(self.text) else "\x00"
                raise self.fail(f"Invalid character after parsing property name. Expected ':' but got: {got}.")
            self.pos += 1
            self.skip()
            self.path.append(name)
            result.pop(name, None)  # a repeated name moves to the end, as in _object
            result[name] = self.value()
            more = self.separator("}")
            self.path.pop()
            if not more:
                return result

    def property_name(self, char: str) -> str:
        if char in "\"'":
            return self.string()
        match = _IDENTIFIER.match(self.text, self.pos)
        if not match:
            raise self.fail(f"Invalid property identifier character: {char}.")
        self.pos = match.end()
        if self.pos < len(self.text) and not (self.text[self.pos] in _WHITESPACE or self.text[self.pos] == ":"):
            raise self.fail(f"Invalid JavaScript property identifier character: {self.text[self.pos]}.")
        return match.group()

    def separator(self, close: str) -> bool:
        """Past ',' (True), at close (True, not consumed) or at the end of the text (False: close everything)."""
        self.skip()
        if self.pos >= len(self.text):
            return False
        char = self.text[self.pos]
        if char == ",":
            self.pos += 1
            return True
        if char == close:
            return True
        raise self.fail(f"After parsing a value an unexpected character was encountered: {char}.")

    def may_end_after(self, last: Any) -> bool:
        """Whether the text may end just after a ',' that follows last, inside a container.

        Observed: '[[1],' closes, '[1,', '[[[1],' and '[[1], // c' do not: a dangling ',' is forgiven only in the
        outermost container, after a container and before nothing but white space.
        """
        tail = self.text[self.text.rfind(",") + 1:]
        return not self.path and isinstance(last, (list, dict)) and not tail.strip(_WHITESPACE)


def _number(token: str) -> Any:
    negative = token.startswith("-")
    body = token[1:] if negative else token
    if body[:2] in ("0x", "0X"):
        if negative:
            raise ValueError(token)
        return int(body[2:], 16)
    if len(body) > 1 and body[0] == "0" and body.isdigit():
        value = int(body, 8)
        return -value if negative else value
    if body.isdigit():
        return int(token)
    if not re.fullmatch(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", body):
        raise ValueError(token)
    return float(token)
