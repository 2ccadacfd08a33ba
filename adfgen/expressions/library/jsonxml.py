"""JSON and XML values: json(), xml() and xpath(); the XML itself is xmlvalues and its neighbours.

Observed through data-factory-testing-framework 1.4.4 (see conversions.py and xmlvalues.py).
"""

from __future__ import annotations

from . import xmljson, xmlvalues, xmlwrite, xmlxpath
from .conversion_args import FUNCTION, expects, one, usage, utf8
from .jsonreader import JsonReadError, parse_json
from .registry import implements
from .values import CONTENT, CONTENT_TYPE, FunctionError, binary_bytes, binary_parts, content_text, content_type_of, \
    decode_text, make_binary, type_name


@implements("json")
def json(scope, args):
    """The JSON value text holds (Newtonsoft's lenient reading), or the JSON form of an XML value."""
    value = one("json", args, "the string or XML to be parsed", "parameter(s)")
    envelope = binary_parts(value)
    if envelope is not None:
        try:
            content_type = content_type_of(envelope)
            data = binary_bytes(envelope)
        except ValueError:
            raise expects("json", "a string or an XML", value) from None
        if xmlvalues.is_xml_type(content_type):
            try:
                return xmljson.xml_to_json(data)
            except xmlvalues.XmlError as error:
                raise FunctionError(
                    f"{FUNCTION} 'json' parameter is not valid. The provided XML value cannot be parsed: '{error}'. "
                    f"{usage('parse')}"
                ) from None
        value = decode_text(data)
    if not isinstance(value, str):
        raise expects("json", "a string or an XML", value)
    try:
        return parse_json(value)
    except JsonReadError as error:
        raise FunctionError(
            f"{FUNCTION} 'json' parameter is not valid. The provided value '{value}' cannot be parsed: "
            f"'{error}'. {usage('json')}"
        ) from None


@implements("xml")
def xml(scope, args):
    """An XML value (binary, application/xml) from XML text or from a JSON object with one root property."""
    value = one("xml", args, "the string or object to be converted", "parameter(s)")
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
        raise expects("xml", "a string or an object", value)
    try:
        text = xmlwrite.xml_text(value)
    except xmlvalues.XmlError as error:
        raise FunctionError(
            f"{FUNCTION} 'xml' parameter is not valid. The provided value cannot be converted to XML: "
            f"'{error}'. {usage('xml')}"
        ) from None
    return make_binary(utf8(text), xmlvalues.XML_CONTENT_TYPE)


@implements("xpath")
def xpath(scope, args):
    """Nodes (as XML values or text) or a number, string or boolean from an XPath 1.0 expression over XML."""
    if len(args) != 2:
        raise FunctionError(
            f"{FUNCTION} 'xpath' expects two parameters: an XML object and an XPath expression. "
            f"The function was invoked with '{len(args)}' parameter(s). {usage('xpath')}"
        )
    document, expression = args
    envelope = binary_parts(document)
    if envelope is None:
        raise FunctionError(
            f"{FUNCTION} 'xpath' expects its first parameter to be an XML object. "
            f"The provided value is of type '{type_name(document)}'. {usage('xpath')}"
        )
    if not isinstance(expression, str):
        raise FunctionError(
            f"{FUNCTION} 'xpath' expects its second parameter to be a string. "
            f"The provided value is of type '{type_name(expression)}'. {usage('xpath')}"
        )
    try:
        data = binary_bytes(envelope)
    except ValueError:
        raise FunctionError(
            f"{FUNCTION} 'xpath' expects its first parameter to be an XML object. "
            f"The provided value is of type '{type_name(document)}'. {usage('xpath')}"
        ) from None
    try:
        return xmlxpath.select(data, expression)
    except xmlvalues.XPathSyntaxError:
        raise FunctionError(
            f"{FUNCTION} 'xpath' parameters are invalid: the 'xpath' parameter must be a supported, well formed "
            f"XPath expression. {usage('xpath')}"
        ) from None
    except xmlvalues.XmlError as error:
        raise FunctionError(str(error)) from None
