"""Base64 and binary values: base64(), base64ToBinary(), base64ToString(), decodeBase64() and binary().

Observed through data-factory-testing-framework 1.4.4 (see conversions.py). Binary values are the engine's own JSON
shape, {"$content-type": ..., "$content": <base64>} (see values.py).
"""

from __future__ import annotations

from typing import Any

from . import xmlvalues
from .conversion_args import b64, binary_argument, expects, not_valid, one, string_argument, utf8
from .registry import implements
from .values import CONTENT, CONTENT_TYPE, FunctionError, NotConvertible, binary_parts, content_text, content_type_of, \
    decode_base64, decode_text, json_text, make_binary, to_string


@implements("base64")
def base64(scope, args):
    """Base64 of a string's UTF-8, of an object's or array's JSON text, or a binary value's content as it is."""
    value = one("base64", args, "the string to encode into base64 representation")
    if isinstance(value, str):
        return b64(utf8(value))
    if isinstance(value, dict):
        envelope = binary_parts(value)
        if envelope is not None:
            try:
                content_type_of(envelope)
            except ValueError as error:  # the engine lets .NET's own message through (observed)
                raise FunctionError(str(error)) from None
            return content_text(envelope)
    if isinstance(value, (dict, list)):
        return b64(utf8(json_text(value)))
    raise expects("base64", "a string, an object or an array", value)


def _decode_base64(function: str, value: Any) -> bytes:
    text = string_argument(function, value)
    try:
        return decode_base64(text)
    except ValueError:
        raise not_valid(function, "The value cannot be decoded from base64 representation.") from None


@implements("base64ToBinary")
def base64_to_binary(scope, args):
    """A binary value holding base64 text (checked, then kept exactly as written)."""
    value = one("base64ToBinary", args, "the string to decode from base64 representation")
    _decode_base64("base64ToBinary", value)
    return {CONTENT_TYPE: "application/octet-stream", CONTENT: value}


def _base64_text(function: str, args: list[Any], what: str) -> str:
    """The UTF-8 text of base64; base64ToString and its older name decodeBase64."""
    return decode_text(_decode_base64(function, one(function, args, what)))


@implements("base64ToString")
def base64_to_string(scope, args):
    """The UTF-8 text of base64 (malformed bytes become U+FFFD)."""
    return _base64_text("base64ToString", args, "the base64 string to decode")


@implements("decodeBase64")
def decode_base64_(scope, args):
    """base64ToString under its older name."""
    return _base64_text("decodeBase64", args, "the string to decode from base64 representation")


@implements("binary")
def binary(scope, args):
    """A binary value of a value's text (UTF-8); a binary value stays as it is, an XML value loses its type."""
    value = one("binary", args, "the value that is to be converted to binary")
    binary_value = binary_argument("binary", value)
    if binary_value is not None:
        envelope, content_type = binary_value
        if xmlvalues.is_xml_type(content_type):  # an XML value becomes plain bytes (observed)
            return {CONTENT_TYPE: "application/octet-stream", CONTENT: content_text(envelope)}
        return value
    try:
        return make_binary(utf8(to_string(value)))
    except NotConvertible:
        raise not_valid("binary") from None
