"""Conversion functions of the expression language, with the engine's results and messages.

Every rule here was observed through data-factory-testing-framework 1.4.4 (Microsoft's Logic Apps engine on
.NET 8) and is held to it by tests/evaluator_cases/conversions.py and tests/test_evaluator_properties_conversions.py.
Binary values are the engine's own JSON shape, {"$content-type": ..., "$content": <base64>} (see values.py).
"""

from __future__ import annotations

import base64 as _base64
import codecs
import re
from typing import Any
from urllib.parse import quote, unquote_plus, unquote_to_bytes

from . import xmlvalues
from .jsonreader import JsonReadError, parse_json
from .numbers import BrokenCulture, CultureError, check_culture, double_to_long, parse_double
from .registry import implements
from .values import (
    CONTENT,
    CONTENT_TYPE,
    FunctionError,
    NotConvertible,
    binary_bytes,
    binary_parts,
    content_text,
    content_type_of,
    decode_base64,
    decode_text,
    is_big_integer,
    json_text,
    make_binary,
    to_string,
    type_name,
    usage as _usage,
)


_FUNCTION = "The template language function"


def usage(function: str) -> str:
    """The usage pointer; conversion functions' messages keep the function's case (observed: #base64ToString)."""
    return _usage(function, keep_case=True)


def _one(function: str, args: list[Any], what: str, plural: str = "parameters") -> Any:
    """The single argument, or the engine's arity error ("expects one parameter: <what>")."""
    if len(args) != 1:
        raise FunctionError(
            f"{_FUNCTION} '{function}' expects one parameter: {what}. "
            f"The function was invoked with '{len(args)}' {plural}. {usage(function)}"
        )
    return args[0]


def _at_least_one(function: str, args: list[Any], what: str) -> None:
    if not args:
        raise FunctionError(
            f"{_FUNCTION} '{function}' expects at least one parameter: {what}. "
            f"The function was invoked with '0' parameters. {usage(function)}"
        )


def _expects(function: str, what: str, value: Any) -> FunctionError:
    """'... expects its parameter to be <what>. The provided value is of type ...' (one-parameter functions)."""
    return FunctionError(
        f"{_FUNCTION} '{function}' expects its parameter to be {what}. "
        f"The provided value is of type '{type_name(value)}'. {usage(function)}"
    )


def _not_valid(function: str, reason: str = "The value cannot be converted to the target type.") -> FunctionError:
    return FunctionError(f"{_FUNCTION} '{function}' was invoked with a parameter that is not valid. {reason}")


def _string_argument(function: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _expects(function, "a string", value)
    return value


# --- string, number and boolean conversions -----------------------------------------------------------------


@implements("string")
def string(scope, args):
    """Any value as text, as concat() and interpolation write it."""
    value = _one("string", args, "the value that is to be converted to a string")
    try:
        return to_string(value)
    except NotConvertible:
        raise _not_valid("string", "The value cannot be converted to a string.") from None


@implements("int")
def int_(scope, args):
    """An Int64 from a number, a boolean or text, always by way of a double (so large integers round)."""
    value = _one("int", args, "the value that is to be converted to an integer")
    result: int | None = None
    if isinstance(value, bool):
        result = int(value)
    elif isinstance(value, int):  # through a double too: int(9007199254740993) is 9007199254740992 (observed)
        result = None if is_big_integer(value) else double_to_long(float(value))
    elif isinstance(value, float):
        result = double_to_long(value)
    elif isinstance(value, str):
        number = parse_double(value)
        result = None if number is None else double_to_long(number)
    if result is None:
        raise _not_valid("int")
    return result


@implements("float")
def float_(scope, args):
    """A double from a number, a boolean or text; text in an optional culture ('de-DE': '1,5' is 1.5)."""
    if len(args) not in (1, 2):
        _one("float", args, "the value that is to be converted to a floating point number")
    value = args[0]
    culture = ""
    if len(args) == 2:
        if not isinstance(value, str):
            # The engine names the culture, not the value's type, here (observed).
            shown = "<null>" if args[1] is None else to_string(args[1])
            raise FunctionError(
                f"{_FUNCTION} 'float' expects its first parameter to be a string when a culture is supplied in the "
                f"second parameter. The provided value is of type '{shown}'. {usage('float')}"
            )
        if args[1] is None or isinstance(args[1], (list, dict)):
            raise _not_valid("float")
        culture = to_string(args[1])
        try:
            check_culture(culture)
        except BrokenCulture:  # the engine fails inside .NET (observed)
            raise FunctionError("Object reference not set to an instance of an object.") from None
        except CultureError:
            raise FunctionError(
                f"{_FUNCTION} 'float' expects an RFC 4646 culture identifier as its second parameter. "
                f"Culture name '{culture}' is not supported. {usage('float')}"
            ) from None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int) and not is_big_integer(value):
        return float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        number = parse_double(value, culture, trailing_sign=True)
        if number is not None:
            return number
    raise _not_valid("float")


_BOOL_SPACE = (  # char.IsWhiteSpace and NUL, which Boolean.Parse trims
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\x00"
)


@implements("bool")
def bool_(scope, args):
    """A boolean from a number (non-zero is true, NaN too) or the text 'true'/'false' in any case."""
    value = _one("bool", args, "the value that is to be converted to a boolean")
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not is_big_integer(value):
        return value != 0
    if isinstance(value, float):
        return value != 0.0 or value != value
    if isinstance(value, str):
        word = value.strip(_BOOL_SPACE).lower()  # .NET's Boolean.Parse trims white space and NUL
        if word in ("true", "false"):
            return word == "true"
    raise _not_valid("bool")


# --- arrays ----------------------------------------------------------------------------------------------------


@implements("array")
def array(scope, args):
    """A one-item array of the value; an array is returned as it is (observed)."""
    value = _one("array", args, "the value that is to be converted to an array")
    return value if isinstance(value, list) else [value]


@implements("createArray")
def create_array(scope, args):
    """An array of the arguments."""
    if not args:
        raise FunctionError(
            f"{_FUNCTION} 'createArray' expects a comma separated list of parameters. "
            f"The function was invoked with no parameters. {usage('createArray')}"
        )
    return list(args)


# --- base64 and binary -----------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return _base64.b64encode(data).decode("ascii")


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


@implements("base64")
def base64(scope, args):
    """Base64 of a string's UTF-8, of an object's or array's JSON text, or a binary value's content as it is."""
    value = _one("base64", args, "the string to encode into base64 representation")
    if isinstance(value, str):
        return _b64(_utf8(value))
    if isinstance(value, dict):
        envelope = binary_parts(value)
        if envelope is not None:
            try:
                content_type_of(envelope)
            except ValueError as error:  # the engine lets .NET's own message through (observed)
                raise FunctionError(str(error)) from None
            return content_text(envelope)
    if isinstance(value, (dict, list)):
        return _b64(_utf8(json_text(value)))
    raise _expects("base64", "a string, an object or an array", value)


def _decode_base64(function: str, value: Any) -> bytes:
    text = _string_argument(function, value)
    try:
        return decode_base64(text)
    except ValueError:
        raise _not_valid(function, "The value cannot be decoded from base64 representation.") from None


@implements("base64ToBinary")
def base64_to_binary(scope, args):
    """A binary value holding base64 text (checked, then kept exactly as written)."""
    value = _one("base64ToBinary", args, "the string to decode from base64 representation")
    _decode_base64("base64ToBinary", value)
    return {CONTENT_TYPE: "application/octet-stream", CONTENT: value}


@implements("base64ToString")
def base64_to_string(scope, args):
    """The UTF-8 text of base64 (malformed bytes become U+FFFD)."""
    value = _one("base64ToString", args, "the base64 string to decode")
    return decode_text(_decode_base64("base64ToString", value))


@implements("decodeBase64")
def decode_base64_(scope, args):
    """base64ToString under its older name."""
    value = _one("decodeBase64", args, "the string to decode from base64 representation")
    return decode_text(_decode_base64("decodeBase64", value))


@implements("binary")
def binary(scope, args):
    """A binary value of a value's text (UTF-8); a binary value stays as it is, an XML value loses its type."""
    value = _one("binary", args, "the value that is to be converted to binary")
    if value is None:
        raise _not_valid("binary")
    envelope = binary_parts(value)
    if envelope is not None:
        try:
            content_type = content_type_of(envelope)
        except ValueError:
            raise _not_valid("binary") from None
        if xmlvalues.is_xml_type(content_type):  # an XML value becomes plain bytes (observed)
            return {CONTENT_TYPE: "application/octet-stream", CONTENT: content_text(envelope)}
        return value
    try:
        return make_binary(_utf8(to_string(value)))
    except NotConvertible:
        raise _not_valid("binary") from None


# --- data URIs -------------------------------------------------------------------------------------------------

_DATA_URI = re.compile(r"data:([^,]*),(.*)", re.IGNORECASE | re.DOTALL)


@implements("dataUri")
def data_uri(scope, args):
    """A base64 data URI: text as text/plain UTF-8, other values as their JSON text, binary with its type."""
    value = _one("dataUri", args, "the value to be converted to a data URI")
    if value is None:
        raise _not_valid("dataUri")
    envelope = binary_parts(value)
    if envelope is not None:
        try:
            content_type = content_type_of(envelope)
        except ValueError:
            raise _not_valid("dataUri") from None
        return f"data:{content_type};base64,{content_text(envelope)}"
    media = "text/plain" if isinstance(value, str) else "application/json"
    try:
        text = to_string(value)
    except NotConvertible:
        raise _not_valid("dataUri") from None
    return f"data:{media};charset=utf-8;base64,{_b64(_utf8(text))}"


_MEDIA_TYPE_ONLY = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+/[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _read_data_uri(function: str, value: Any, *, strict: bool = True) -> tuple[str, str, bool]:
    """(media type, data as written, base64?) of a data URI, with the engine's format error.

    Observed: ';base64' must end the header exactly ('data:base64,' counts too); parameters need a media type
    before them ('data:;charset=utf-8,x' is refused) and, but for decodeDataUri (strict=False), cannot be empty
    ('text/plain;;base64'); no media type is text/plain.
    """
    text = _string_argument(function, value)
    match = _DATA_URI.fullmatch(text)
    header, data = match.groups() if match else ("", "")
    is_base64 = header.lower().endswith(";base64") or header.lower() == "base64"
    media = header[: -len("base64")].removesuffix(";") if is_base64 else header
    if not match or media.startswith(";") or strict and (media.endswith(";") or ";;" in media):
        raise FunctionError(
            f"{_FUNCTION} '{function}' expects its parameter to be formatted as a valid data URI. "
            f"The provided value '{text}' was not formatted correctly. {usage(function)}"
        )
    return media or "text/plain", data, is_base64


def _data_uri_bytes(function: str, data: str, is_base64: bool) -> bytes:
    if not is_base64:
        return _url_decode_bytes(data)
    try:
        return decode_base64(data)
    except ValueError:
        raise _not_valid(function) from None


def _data_uri_text(function: str, args: list[Any], what: str) -> str:
    media, data, is_base64 = _read_data_uri(function, _one(function, args, what))
    for part in media.split(";")[1:]:  # UTF-8 only (observed)
        name, equals, charset = part.partition("=")
        if equals and name.strip().lower() == "charset" and charset.lower() != "utf-8":
            raise FunctionError(
                f"{_FUNCTION} '{function}' parameter is not valid. The provided charset '{charset}' is not "
                f"supported. {usage(function)}"
            )
    return decode_text(_data_uri_bytes(function, data, is_base64))


@implements("dataUriToBinary")
def data_uri_to_binary(scope, args):
    """The binary value a data URI holds, with the URI's media type (base64 data kept as written, unchecked)."""
    media, data, is_base64 = _read_data_uri(
        "dataUriToBinary", _one("dataUriToBinary", args, "the data URI that is to be converted to binary")
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
    return make_binary(_url_decode_bytes(data), media)


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
    media, data, is_base64 = _read_data_uri("decodeDataUri", _one("decodeDataUri", args, "the data URI"), strict=False)
    media_type = media.split(";", 1)[0].strip()
    kind = media_type.lower()
    charset = "us-ascii"
    for part in media.split(";")[1:]:
        name, equals, setting = part.partition("=")
        if equals and name.strip().lower() == "charset":
            charset = setting
    undecodable = _not_valid("decodeDataUri", "The value cannot be decoded from base64 representation.")
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
    raw = decode_text(_url_decode_bytes(data)).encode(codec, errors="replace")
    return make_binary(raw, f"{media_type};charset={charset}")


# --- URI components --------------------------------------------------------------------------------------------


def _uri_component(function: str, args: list[Any], what: str) -> str:
    _at_least_one(function, args, what)
    pieces = []
    for index, value in enumerate(args):
        try:
            pieces.append(to_string(value))
        except NotConvertible:
            raise FunctionError(
                f"{_FUNCTION} '{function}' was invoked with invalid parameters. "
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


def _url_decode_bytes(text: str) -> bytes:
    """Bytes of URL-encoded text as HttpUtility.UrlDecodeToBytes reads it ('+' is a space, bad '%' kept)."""
    return unquote_to_bytes(text.replace("+", " "))


def _url_decode_text(text: str) -> str:
    """Text of URL-encoded text as HttpUtility.UrlDecode reads it: UTF-8, '+' a space, '%uXXXX' too."""
    if "%u" in text or "%U" in text:
        text = _PERCENT_U.sub(lambda m: quote(chr(int(m.group(1), 16)), safe="", errors="surrogatepass"), text)
    return decode_text(_url_decode_bytes(text))


@implements("uriComponentToString")
def uri_component_to_string(scope, args):
    """The text a URI component encodes."""
    value = _one("uriComponentToString", args, "the URI component to convert to binary")
    return _url_decode_text(_string_argument("uriComponentToString", value))


@implements("decodeUriComponent")
def decode_uri_component(scope, args):
    """uriComponentToString under its older name."""
    value = _one("decodeUriComponent", args, "the string to decode")
    return _url_decode_text(_string_argument("decodeUriComponent", value))


@implements("uriComponentToBinary")
def uri_component_to_binary(scope, args):
    """A binary value of the bytes a URI component encodes."""
    value = _one("uriComponentToBinary", args, "the URI component to convert to binary")
    return make_binary(_url_decode_bytes(_string_argument("uriComponentToBinary", value)))


# --- JSON and XML ----------------------------------------------------------------------------------------------


@implements("json")
def json(scope, args):
    """The JSON value text holds (Newtonsoft's lenient reading), or the JSON form of an XML value."""
    value = _one("json", args, "the string or XML to be parsed", "parameter(s)")
    envelope = binary_parts(value)
    if envelope is not None:
        try:
            content_type = content_type_of(envelope)
            data = binary_bytes(envelope)
        except ValueError:
            raise _expects("json", "a string or an XML", value) from None
        if xmlvalues.is_xml_type(content_type):
            try:
                return xmlvalues.xml_to_json(data)
            except xmlvalues.XmlError as error:
                raise FunctionError(
                    f"{_FUNCTION} 'json' parameter is not valid. The provided XML value cannot be parsed: '{error}'. "
                    f"{_usage('parse', keep_case=True)}"
                ) from None
        value = decode_text(data)
    if not isinstance(value, str):
        raise _expects("json", "a string or an XML", value)
    try:
        return parse_json(value)
    except JsonReadError as error:
        raise FunctionError(
            f"{_FUNCTION} 'json' parameter is not valid. The provided value '{value}' cannot be parsed: "
            f"'{error}'. {usage('json')}"
        ) from None


@implements("xml")
def xml(scope, args):
    """An XML value (binary, application/xml) from XML text or from a JSON object with one root property."""
    value = _one("xml", args, "the string or object to be converted", "parameter(s)")
    envelope = binary_parts(value)
    if envelope is not None:  # an XML value stays as it is, others are relabelled; content not checked (observed)
        try:
            content_type = content_type_of(envelope)
        except ValueError:
            raise FunctionError("The specified content type is invalid.") from None
        if xmlvalues.is_xml_type(content_type):
            return value
        return {CONTENT_TYPE: xmlvalues.XML_CONTENT_TYPE, CONTENT: content_text(envelope)}
    if not isinstance(value, (str, dict)):
        raise _expects("xml", "a string or an object", value)
    try:
        text = xmlvalues.xml_text(value)
    except xmlvalues.XmlError as error:
        raise FunctionError(
            f"{_FUNCTION} 'xml' parameter is not valid. The provided value cannot be converted to XML: "
            f"'{error}'. {usage('xml')}"
        ) from None
    return make_binary(_utf8(text), xmlvalues.XML_CONTENT_TYPE)


@implements("xpath")
def xpath(scope, args):
    """Nodes (as XML values or text) or a number, string or boolean from an XPath 1.0 expression over XML."""
    if len(args) != 2:
        raise FunctionError(
            f"{_FUNCTION} 'xpath' expects two parameters: an XML object and an XPath expression. "
            f"The function was invoked with '{len(args)}' parameter(s). {usage('xpath')}"
        )
    document, expression = args
    envelope = binary_parts(document)
    if envelope is None:
        raise FunctionError(
            f"{_FUNCTION} 'xpath' expects its first parameter to be an XML object. "
            f"The provided value is of type '{type_name(document)}'. {usage('xpath')}"
        )
    if not isinstance(expression, str):
        raise FunctionError(
            f"{_FUNCTION} 'xpath' expects its second parameter to be a string. "
            f"The provided value is of type '{type_name(expression)}'. {usage('xpath')}"
        )
    try:
        data = binary_bytes(envelope)
    except ValueError:
        raise FunctionError(
            f"{_FUNCTION} 'xpath' expects its first parameter to be an XML object. "
            f"The provided value is of type '{type_name(document)}'. {usage('xpath')}"
        ) from None
    try:
        return xmlvalues.select(data, expression)
    except xmlvalues.XPathSyntaxError:
        raise FunctionError(
            f"{_FUNCTION} 'xpath' parameters are invalid: the 'xpath' parameter must be a supported, well formed "
            f"XPath expression. {usage('xpath')}"
        ) from None
    except xmlvalues.XmlError as error:
        raise FunctionError(str(error)) from None
