"""Data URIs: dataUri(), dataUriToBinary(), dataUriToString() and decodeDataUri().

Observed through data-factory-testing-framework 1.4.4 (see conversions.py): the header rules in _read_data_uri,
decodeDataUri's charsets in its docstring; base64 data is kept as written in the binary values made here.
"""

from __future__ import annotations

import codecs
import re
from typing import Any
from urllib.parse import unquote_plus

from .conversion_args import FUNCTION, b64, binary_argument, not_valid, one, string_argument, usage, utf8
from .jsonreader import JsonReadError, parse_json
from .registry import implements
from .uris import url_decode_bytes
from .values import CONTENT, CONTENT_TYPE, FunctionError, NotConvertible, content_text, decode_base64, decode_text, \
    make_binary, to_string

_DATA_URI = re.compile(r"data:([^,]*),(.*)", re.IGNORECASE | re.DOTALL)


@implements("dataUri")
def data_uri(scope, args):
    """A base64 data URI: text as text/plain UTF-8, other values as their JSON text, binary with its type."""
    value = one("dataUri", args, "the value to be converted to a data URI")
    binary_value = binary_argument("dataUri", value)
    if binary_value is not None:
        envelope, content_type = binary_value
        return f"data:{content_type};base64,{content_text(envelope)}"
    media = "text/plain" if isinstance(value, str) else "application/json"
    try:
        text = to_string(value)
    except NotConvertible:
        raise not_valid("dataUri") from None
    return f"data:{media};charset=utf-8;base64,{b64(utf8(text))}"


_MEDIA_TYPE_ONLY = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+/[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _read_data_uri(function: str, value: Any, *, strict: bool = True) -> tuple[str, str, bool]:
    """(media type, data as written, base64?) of a data URI, with the engine's format error.

    Observed: ';base64' must end the header exactly ('data:base64,' counts too); parameters need a media type
    before them ('data:;charset=utf-8,x' is refused) and, but for decodeDataUri (strict=False), cannot be empty
    ('text/plain;;base64'); no media type is text/plain.
    """
    text = string_argument(function, value)
    match = _DATA_URI.fullmatch(text)
    header, data = match.groups() if match else ("", "")
    is_base64 = header.lower().endswith(";base64") or header.lower() == "base64"
    media = header[: -len("base64")].removesuffix(";") if is_base64 else header
    if not match or media.startswith(";") or strict and (media.endswith(";") or ";;" in media):
        raise FunctionError(
            f"{FUNCTION} '{function}' expects its parameter to be formatted as a valid data URI. "
            f"The provided value '{text}' was not formatted correctly. {usage(function)}"
        )
    return media or "text/plain", data, is_base64


def _data_uri_bytes(function: str, data: str, is_base64: bool) -> bytes:
    if not is_base64:
        return url_decode_bytes(data)
    try:
        return decode_base64(data)
    except ValueError:
        raise not_valid(function) from None


def _data_uri_text(function: str, args: list[Any], what: str) -> str:
    media, data, is_base64 = _read_data_uri(function, one(function, args, what))
    for part in media.split(";")[1:]:  # UTF-8 only (observed)
        name, equals, charset = part.partition("=")
        if equals and name.strip().lower() == "charset" and charset.lower() != "utf-8":
            raise FunctionError(
                f"{FUNCTION} '{function}' parameter is not valid. The provided charset '{charset}' is not "
                f"supported. {usage(function)}"
            )
    return decode_text(_data_uri_bytes(function, data, is_base64))


@implements("dataUriToBinary")
def data_uri_to_binary(scope, args):
    """The binary value a data URI holds, with the URI's media type (base64 data kept as written, unchecked)."""
    media, data, is_base64 = _read_data_uri(
        "dataUriToBinary", one("dataUriToBinary", args, "the data URI that is to be converted to binary")
    )
    if not _MEDIA_TYPE_ONLY.fullmatch(media.split(";", 1)[0].strip()):
        raise FunctionError(f"The provided content-type header value '{media}' is not well formed.")
    for part in media.split(";")[1:]:
        name, _, charset = part.partition("=")
        if name.strip().lower() == "charset" and charset.startswith('"'):
            raise FunctionError(
                f"The provided content-type character set '{charset}' is not valid. Please use a Unicode character "
                "set such as UTF-8 or ASCII character set."
            )
    if is_base64:
        return {CONTENT_TYPE: media, CONTENT: data}
    return make_binary(url_decode_bytes(data), media)


@implements("dataUriToString")
def data_uri_to_string(scope, args):
    """The UTF-8 text a data URI holds (other charsets are refused)."""
    return _data_uri_text("dataUriToString", args, "the data URI that is to be converted to string")


@implements("decodeDataUri")
def decode_data_uri(scope, args):
    """A data URI's content by its media type: text/* as text, JSON parsed, anything else as a binary value.

    Observed: content is read in the URI's charset (us-ascii when none is given, '?' for other bytes; characters
    not percent-encoded stay as they are); an unknown charset fails; JSON errors are Newtonsoft's own message; binary
    values carry only the media type and the charset (text encoded into it) and keep base64 data as written.
    """
    media, data, is_base64 = _read_data_uri("decodeDataUri", one("decodeDataUri", args, "the data URI"), strict=False)
    media_type = media.split(";", 1)[0].strip()
    kind = media_type.lower()
    charset = "us-ascii"
    for part in media.split(";")[1:]:
        name, equals, setting = part.partition("=")
        if equals and name.strip().lower() == "charset":
            charset = setting
    undecodable = not_valid("decodeDataUri", "The value cannot be decoded from base64 representation.")
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        raise undecodable from None
    if kind.startswith("text/") or kind.startswith("application/") and (kind == "application/json"
                                                                         or kind.endswith("+json")):
        if is_base64:
            try:
                text = decode_base64(data).decode(codec, errors="replace")
            except ValueError:
                raise undecodable from None
        else:  # percent-encoded bytes in the charset, other characters as they are (HttpUtility.UrlDecode)
            text = unquote_plus(data, encoding=codec, errors="replace")
        if codec == "ascii":  # .NET's ASCII decoder puts '?' for bytes above 0x7F
            text = text.replace("\ufffd", "?")
        if kind.startswith("text/"):
            return text
        try:
            return parse_json(text)
        except JsonReadError as error:
            raise FunctionError(str(error)) from None
    if is_base64:
        return {CONTENT_TYPE: f"{media_type};charset={charset}", CONTENT: data}
    codec = {"utf-16": "utf-16-le", "utf-32": "utf-32-le"}.get(codec, codec)  # .NET's GetBytes writes no BOM
    raw = decode_text(url_decode_bytes(data)).encode(codec, errors="replace")
    return make_binary(raw, f"{media_type};charset={charset}")
