"""Value helpers shared by the function implementations: the engine's type names, string conversion, type checks.

Values are JSON values as Python holds them (str, int, float, bool, None, list, dict). Binary values are what the
engine itself returns for them: an object {"$content-type": ..., "$content": <base64>} (observed: binary('x') gives
{"$content-type": "application/octet-stream", "$content": "eA=="}, and the engine treats any object with those two
properties, matched without regard to case, as binary). Integers beyond Int64 are the engine's BigInteger values.
Where .NET formats a value differently from Python (True, 1E+20), these helpers follow .NET, since the engine is
Microsoft's Logic Apps template engine running on .NET 8 (observed through data-factory-testing-framework 1.4.4).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import math
import re
from json.encoder import encode_basestring
from typing import Any

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
CONTENT_TYPE, CONTENT = "$content-type", "$content"
OCTET_STREAM = "application/octet-stream"


class FunctionError(Exception):
    """A function refused its arguments; the evaluator adds the position of the call."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotConvertible(FunctionError):
    """to_string() met a value the engine cannot write as text (a BigInteger, a broken binary envelope).

    The message is the one '@{...}' interpolation gives; string() and concat() catch this and word their own.
    """

    def __init__(self) -> None:
        super().__init__(
            "Template language expression cannot be evaluated: one of string interpolation segments is not valid. "
            "The value cannot be converted to string."
        )


def type_name(value: Any) -> str:
    """The engine's name for value's type, as its error messages spell it ('String', 'Integer', ...)."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Object"
    return type(value).__name__


def ordinal(index: int) -> str:
    """'first', 'second', ... for a 0-based argument index."""
    return ORDINALS[index] if index < len(ORDINALS) else f"{index + 1}th"


def usage(function: str, *, keep_case: bool = False) -> str:
    """The engine's usage pointer that ends its function error messages (some keep the name's case: #createArray)."""
    anchor = function if keep_case else function.lower()
    return f"Please see https://aka.ms/logicexpressions#{anchor} for usage details."


def expected(function: str, index: int, what: str, value: Any) -> FunctionError:
    """The engine's wrong-type error: "... expects its second parameter to be <what>. The provided value is ..."."""
    return FunctionError(
        f"The template language function '{function}' expects its {ordinal(index)} parameter to be {what}. "
        f"The provided value is of type '{type_name(value)}'. {usage(function)}"
    )


def is_big_integer(value: Any) -> bool:
    """True for an integer outside Int64, which the engine holds as a BigInteger."""
    return type(value) is int and not INT64_MIN <= value <= INT64_MAX


def format_double(value: float) -> str:
    """A float as .NET 8's double.ToString(InvariantCulture): shortest round-trip digits, 'E+17' from 1E+17 up.

    Python's repr has the same shortest digits; .NET switches to scientific notation one decade later (1E+17, not
    1e+16) and writes the exponent with at least two digits ('1E-05'); both switch below 1E-04 (observed).
    """
    text = repr(value)
    if "e" not in text:
        if text.endswith(".0"):
            return text[:-2]
        if text == "inf":
            return "Infinity"
        if text == "-inf":
            return "-Infinity"
        return "NaN" if text == "nan" else text
    mantissa, _, exponent = text.partition("e")
    power = int(exponent)
    if power == 16:  # plain in .NET: at most 17 digits, no fraction at this size
        sign = "-" if mantissa.startswith("-") else ""
        digits = mantissa.lstrip("-").replace(".", "")
        return sign + digits.ljust(17, "0")
    return f"{mantissa}E{'-' if power < 0 else '+'}{abs(power):02d}"


def _json_double(value: float) -> str:
    # Newtonsoft writes ToString("R") and adds ".0" when there is no '.' or exponent; non-finite as strings.
    if math.isinf(value) or math.isnan(value):
        return f'"{format_double(value)}"'
    text = format_double(value)
    return text if ("." in text or "E" in text) else text + ".0"


_NEWTONSOFT_EXTRA = re.compile("[\u0085\u2028\u2029]")


def _json_string(text: str) -> str:
    # The C encoder escapes '"', '\\' and controls as Newtonsoft does; Newtonsoft also escapes NEL, LS and PS.
    quoted = encode_basestring(text)
    if quoted.isascii() or not _NEWTONSOFT_EXTRA.search(quoted):
        return quoted
    return _NEWTONSOFT_EXTRA.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _json_list(value: list[Any]) -> str:
    return "[" + ",".join([json_text(item) for item in value]) + "]"


def _json_object(value: dict[str, Any]) -> str:
    return "{" + ",".join([_json_string(k) + ":" + json_text(v) for k, v in value.items()]) + "}"


_JSON_WRITERS = {
    str: _json_string,
    int: str,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
    float: _json_double,
    list: _json_list,
    dict: _json_object,
}


def json_text(value: Any) -> str:
    """Compact JSON as the engine (Newtonsoft.Json) writes objects and arrays inside strings."""
    writer = _JSON_WRITERS.get(type(value))
    if writer is None:
        raise TypeError(f"not a JSON value: {type(value).__name__}")
    return writer(value)


def primitive_text(value: Any) -> str:
    """A JSON primitive as .NET's ToString writes it (True, 1.5, 1E+20); '' for null."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return format_double(value)
    return str(value)


def to_string(value: Any) -> str:
    """The engine's conversion of any value to text (string(), concat(), '@{...}' interpolation).

    Raises NotConvertible where the engine refuses: integers beyond Int64, binary envelopes that do not decode.
    """
    kind = type(value)
    if kind is str:
        return value
    if kind is dict:
        envelope = binary_parts(value)
        if envelope is None:
            return json_text(value)
        try:
            return decode_text(binary_bytes(envelope), charset_of(content_type_of(envelope)))
        except ValueError:
            raise NotConvertible() from None
    if kind is list:
        return json_text(value)
    if kind is int and not INT64_MIN <= value <= INT64_MAX:
        raise NotConvertible()
    return primitive_text(value)


# --- binary values -------------------------------------------------------------------------------------------

_BASE64_SPACE = re.compile(r"[ \t\r\n]")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MEDIA_TYPE = re.compile(
    rf"[ \t]*{_TOKEN}[ \t]*/[ \t]*{_TOKEN}[ \t]*"
    rf"(?:;[ \t]*(?:{_TOKEN}[ \t]*=[ \t]*(?:{_TOKEN}|\"(?:[^\"\\]|\\.)*\")[ \t]*)?)*"
)
_CHARSET = re.compile(r";\s*charset\s*=\s*\"?([^\";\s]+)", re.IGNORECASE)


def make_binary(data: bytes, content_type: str = OCTET_STREAM) -> dict[str, str]:
    """The engine's binary value for data."""
    return {CONTENT_TYPE: content_type, CONTENT: base64.b64encode(data).decode("ascii")}


def binary_parts(value: Any) -> tuple[Any, Any] | None:
    """(content type, content) when value is a binary envelope, else None.

    Observed: both properties must be present (names matched without regard to case) and hold non-null primitives;
    other properties may be present too.
    """
    if type(value) is not dict or len(value) < 2:
        return None
    content_type = content = None
    found_type = found_content = False
    for key, item in value.items():
        if key[:1] != "$":  # cheap test first: most objects are not envelopes
            continue
        folded = key.lower()
        if folded == CONTENT_TYPE:
            content_type, found_type = item, True
        elif folded == CONTENT:
            content, found_content = item, True
    if not (found_type and found_content) or content_type is None or content is None:
        return None
    if isinstance(content_type, (list, dict)) or isinstance(content, (list, dict)):
        return None
    return content_type, content


def content_type_of(envelope: tuple[Any, Any]) -> str:
    """The envelope's content type, validated as .NET's MediaTypeHeaderValue does; ValueError with its message."""
    text = primitive_text(envelope[0])
    if text == "":
        raise ValueError("The value cannot be an empty string. (Parameter 'contentType')")
    if not _MEDIA_TYPE.fullmatch(text):
        raise ValueError(f"The provided content-type header value '{text}' is not well formed.")
    return text


def content_text(envelope: tuple[Any, Any]) -> str:
    """The envelope's $content as text (base64, not checked), as base64() returns it."""
    return primitive_text(envelope[1])


def binary_bytes(envelope: tuple[Any, Any]) -> bytes:
    """The decoded bytes of an envelope; ValueError when its content type or base64 is not valid."""
    content_type_of(envelope)
    return decode_base64(content_text(envelope))


def decode_base64(text: str) -> bytes:
    """Bytes of base64 text with .NET's Convert.FromBase64String rules (whitespace ignored, padding required)."""
    compact = _BASE64_SPACE.sub("", text) if _BASE64_SPACE.search(text) else text
    if not _BASE64.fullmatch(compact):
        raise ValueError("not base64")
    try:
        return base64.b64decode(compact)
    except binascii.Error as error:
        raise ValueError(str(error)) from None


def charset_of(content_type: str) -> str:
    """The charset parameter of a content type, utf-8 when it has none."""
    match = _CHARSET.search(content_type)
    return match.group(1) if match else "utf-8"


def decode_text(data: bytes, charset: str = "utf-8") -> str:
    """Bytes as text in charset; malformed sequences become U+FFFD, as .NET's decoders do. ValueError if unknown."""
    try:
        codec = codecs.lookup(charset)
    except LookupError:
        raise ValueError(f"unknown charset {charset!r}") from None
    return data.decode(codec.name, errors="replace")
