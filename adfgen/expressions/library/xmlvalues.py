"""XML for xml(), xpath() and json(xml): .NET's XmlDocument text and Newtonsoft's XML <-> JSON conversion.

Observed (data-factory-testing-framework 1.4.4): xml(text) returns the document as XmlDocument.OuterXml writes it
(white-space-only text dropped, '<b/>' written '<b />', '<c></c>' kept, entities resolved and re-escaped, CDATA,
comments and the XML declaration kept); xml(object) is Newtonsoft's DeserializeXmlNode (one root property, names
encoded as _xHHHH_, undeclared prefixes dropped, arrays as repeated elements); json(xml) is Newtonsoft's
SerializeXmlNode ('<b/>' is null, '<c></c>' is "", comments left out); xpath() gives elements as XML values written
as XElement.ToString() does (two-space indentation until mixed content), text nodes as strings, attributes as
'name="value"', the document node as its top-level nodes, and numbers, strings and booleans for XPath's scalar
functions. XPath itself is lxml's (libxml2, XPath 1.0); the engine's is .NET's XPathNavigator.
Where this stops (known to differ or unexplored): DTDs and entity declarations, xml:space, attribute arrays in
xml(object) (Newtonsoft's result depends on its reader state), '?xml' below the root, nested arrays of attribute
names at the root, namespace-aware JSON conversion and Newtonsoft's json:Array / type attributes, XPath
extension functions and variables (both fail, with other messages), and exact .NET parser error positions.
The model and reading live here; writing is xmlwrite, the JSON conversions xmljson, XPath xmlxpath.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from typing import Any

XML_CONTENT_TYPE = "application/xml;charset=utf-8"
_DECLARATION = re.compile(r"<\?xml\s([^?]*)\?>")
_PSEUDO_ATTRIBUTE = re.compile(r"""([A-Za-z]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


class XmlError(ValueError):
    """Text that is not XML, or JSON that cannot become XML; the message is .NET's where known."""


class XPathSyntaxError(ValueError):
    """An XPath expression that does not compile."""


@dataclass
class Element:
    name: str
    attributes: list[tuple[str, str]] = field(default_factory=list)
    children: list[Any] = field(default_factory=list)
    self_closing: bool = False  # written '<x/>' (XmlElement.IsEmpty)


@dataclass
class Text:
    value: str
    cdata: bool = False


@dataclass
class Comment:
    value: str


@dataclass
class Instruction:
    target: str
    data: str


@dataclass
class Document:
    declaration: list[tuple[str, str]] | None
    children: list[Any]


def is_xml_type(content_type: str) -> bool:
    """True for the media types json() reads as XML: application/xml, application/*+xml; not text/xml (observed)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/xml" or media.startswith("application/") and media.endswith("+xml")


# --- reading ---------------------------------------------------------------------------------------------------


def parse(text: str) -> Document:
    """A Document of XML text; XmlError with a message like .NET's when it is not well-formed XML."""
    data = text.encode("utf-8", errors="surrogatepass")
    parser = xml.parsers.expat.ParserCreate(encoding="utf-8")  # the text is already decoded, whatever it declares
    parser.ordered_attributes = True
    root = Document(None, [])
    _build_into(parser, root, text, data)
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        raise XmlError(_dotnet_message(error, text)) from None
    _drop_blank_text(root)
    return root


def _build_into(parser: Any, root: Document, text: str, data: bytes) -> None:
    """Set expat's handlers so that parsing data (text's UTF-8) fills root with our nodes."""
    stack: list[Any] = [root]
    cdata = [False]

    def start(name, attributes):
        element = Element(name, list(zip(attributes[::2], attributes[1::2])))
        element.self_closing = _ends_empty(data, parser.CurrentByteIndex)
        stack[-1].children.append(element)
        stack.append(element)

    def end(name):
        stack.pop()

    def characters(value):
        children = stack[-1].children
        if children and isinstance(children[-1], Text) and children[-1].cdata == cdata[0]:
            children[-1].value += value
        else:
            children.append(Text(value, cdata[0]))

    def declaration(version, encoding, standalone):
        match = _DECLARATION.match(text.lstrip("\ufeff"))
        body = match.group(1) if match else ""
        root.declaration = [(m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
                            for m in _PSEUDO_ATTRIBUTE.finditer(body)]

    def start_cdata():
        cdata[0] = True
        stack[-1].children.append(Text("", True))

    def end_cdata():
        cdata[0] = False

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.XmlDeclHandler = declaration
    parser.StartCdataSectionHandler = start_cdata
    parser.EndCdataSectionHandler = end_cdata
    parser.CommentHandler = lambda value: stack[-1].children.append(Comment(value))
    parser.ProcessingInstructionHandler = lambda target, value: stack[-1].children.append(Instruction(target, value))


def _ends_empty(data: bytes, start: int) -> bool:
    """True when the start tag at data[start] is an empty-element tag ('<b/>'); quotes may hold '>'."""
    quote = None
    for index in range(start + 1, len(data)):
        byte = data[index]
        if quote is not None:
            if byte == quote:
                quote = None
        elif byte in (0x22, 0x27):
            quote = byte
        elif byte == 0x3E:
            return data[index - 1] == 0x2F
    return False


def _dotnet_message(error: xml.parsers.expat.ExpatError, text: str) -> str:
    code = xml.parsers.expat.ErrorString(error.code)
    if not text.strip() or code == "no element found" and not any(c == "<" for c in text):
        return "Root element is missing."
    if code == "junk after document element":
        return f"There are multiple root elements. Line {error.lineno}, position {error.offset + 2}."
    if code == "syntax error" and error.offset == 0:
        return f"Data at the root level is invalid. Line {error.lineno}, position {error.offset + 1}."
    return f"{code[0].upper()}{code[1:]}. Line {error.lineno}, position {error.offset + 1}."


def _drop_blank_text(node: Any, preserve: bool = False) -> None:
    # XmlDocument without PreserveWhitespace drops white-space-only text (not CDATA), except under
    # xml:space="preserve" (observed).
    if isinstance(node, Element):
        space = dict(node.attributes).get("xml:space")
        preserve = preserve if space is None else space == "preserve"
    if not preserve:
        node.children = [
            c for c in node.children if not (isinstance(c, Text) and not c.cdata and not c.value.strip(" \t\r\n"))
        ]
    for child in node.children:
        if isinstance(child, Element):
            _drop_blank_text(child, preserve)
