"""URI components: uriComponent(), uriComponentToString(), uriComponentToBinary() and their older names.

Observed through data-factory-testing-framework 1.4.4 (see conversions.py); the decoding follows .NET's
HttpUtility, which data URIs (datauris.py) use too.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from .conversion_args import FUNCTION, at_least_one, one, string_argument
from .registry import implements
from .values import FunctionError, NotConvertible, decode_text, make_binary, to_string


def _uri_component(function: str, args: list[Any], what: str) -> str:
    at_least_one(function, args, what)
    pieces = []
    for index, value in enumerate(args):
        try:
            pieces.append(to_string(value))
        except NotConvertible:
            raise FunctionError(
                f"{FUNCTION} '{function}' was invoked with invalid parameters. "
                f"The parameter at index '{index}' cannot be converted to URI component."
            ) from None
    # .NET's Uri.EscapeDataString: everything but RFC 3986 unreserved characters, upper-case hex.
    return quote("".join(pieces), safe="", encoding="utf-8", errors="surrogatepass")


@implements("uriComponent")
def uri_component(scope, args):
    """The arguments' text, joined and percent-encoded as a URI component."""
    return _uri_component("uriComponent", args, "the value to convert to URI component")


@implements("encodeUriComponent")
def encode_uri_component(scope, args):
    """uriComponent under its older name."""
    return _uri_component("encodeUriComponent", args, "the string to URL encode")


_PERCENT_U = re.compile(r"%u([0-9A-Fa-f]{4})")


def url_decode_bytes(text: str) -> bytes:
    """Bytes of URL-encoded text as HttpUtility.UrlDecodeToBytes reads it ('+' is a space, bad '%' kept)."""
    return unquote_to_bytes(text.replace("+", " "))


def url_decode_text(text: str) -> str:
    """Text of URL-encoded text as HttpUtility.UrlDecode reads it: UTF-8, '+' a space, '%uXXXX' too."""
    if "%u" in text or "%U" in text:
        text = _PERCENT_U.sub(lambda m: quote(chr(int(m.group(1), 16)), safe="", errors="surrogatepass"), text)
    return decode_text(url_decode_bytes(text))


def _component_text(function: str, args: list[Any], what: str) -> str:
    """The text a URI component encodes; uriComponentToString and its older name decodeUriComponent."""
    return url_decode_text(string_argument(function, one(function, args, what)))


@implements("uriComponentToString")
def uri_component_to_string(scope, args):
    """The text a URI component encodes."""
    return _component_text("uriComponentToString", args, "the URI component to convert to binary")


@implements("decodeUriComponent")
def decode_uri_component(scope, args):
    """uriComponentToString under its older name."""
    return _component_text("decodeUriComponent", args, "the string to decode")


@implements("uriComponentToBinary")
def uri_component_to_binary(scope, args):
    """A binary value of the bytes a URI component encodes."""
    value = one("uriComponentToBinary", args, "the URI component to convert to binary")
    return make_binary(url_decode_bytes(string_argument("uriComponentToBinary", value)))
