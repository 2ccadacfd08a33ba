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
"""

from __future__ import annotations

import math
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
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        raise XmlError(_dotnet_message(error, text)) from None
    _drop_blank_text(root)
    return root


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


# --- writing ---------------------------------------------------------------------------------------------------


def _escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#xA;").replace("\r", "&#xD;"))


def _write(node: Any, out: list[str]) -> None:
    if isinstance(node, Element):
        out.append("<" + node.name)
        for name, value in node.attributes:
            out.append(f' {name}="{_escape_attribute(value)}"')
        if not node.children and node.self_closing:
            out.append(" />")
            return
        out.append(">")
        for child in node.children:
            _write(child, out)
        out.append(f"</{node.name}>")
    elif isinstance(node, Text):
        out.append(f"<![CDATA[{node.value}]]>" if node.cdata else _escape_text(node.value))
    elif isinstance(node, Comment):
        out.append(f"<!--{node.value}-->")
    elif isinstance(node, Instruction):
        out.append(f"<?{node.target} {node.data}?>" if node.data else f"<?{node.target}?>")


def outer_xml(document: Document) -> str:
    """The document as XmlDocument.OuterXml writes it."""
    out: list[str] = []
    if document.declaration is not None:
        out.append("<?xml " + " ".join(f'{k}="{v}"' for k, v in document.declaration) + "?>")
    for child in document.children:
        _write(child, out)
    return "".join(out)


def xml_text(value: Any) -> str:
    """The text of xml(value): XML text normalised as XmlDocument does, or a JSON object converted to XML."""
    if isinstance(value, str):
        return outer_xml(parse(value))
    return outer_xml(json_to_document(value))


# --- JSON -> XML (Newtonsoft DeserializeXmlNode) ---------------------------------------------------------------


def json_to_document(value: dict[str, Any]) -> Document:
    """Newtonsoft's XML document for a JSON object with one root property (plus an optional '?xml')."""
    document = Document(None, [])
    has_root = False
    for name, item in value.items():
        if has_root:  # even an empty array after the root counts as a second root property (observed)
            raise XmlError(
                "JSON root object has multiple properties. The root object must have a single property in order to "
                "create a valid XML document. Consider specifying a DeserializeRootElementName. "
                f"Path '{name}'."
            )
        if item == []:
            continue  # an empty array before the root adds nothing
        if name == "?xml":
            where = "?xml" if isinstance(item, dict) else ""
            if not isinstance(item, dict) or "@version" not in item:
                raise XmlError(f"Version not specified for XML declaration. Path '{where}'.")
            document.declaration = [(k[1:], _xml_value(v, k)) for k, v in item.items() if k.startswith("@")]
            continue
        if name.startswith("@"):
            raise XmlError(
                f"JSON root object has property '{name}' that will be converted to an attribute. A root object "
                "cannot have any attribute properties. Consider specifying a DeserializeRootElementName. "
                f"Path '{name}'."
            )
        if name.startswith("#") or name.startswith("?"):
            raise XmlError(
                "The specified node cannot be inserted as the valid child of this node, because the specified node "
                "is the wrong type."
            )
        if isinstance(item, list) and len(item) > 1:
            raise XmlError("This document already has a 'DocumentElement' node.")
        _append(document, name, item)
        has_root = True
    return document


def _xml_value(value: Any, path: str = "") -> str:
    from .values import format_double

    if isinstance(value, (dict, list)):
        token = "StartObject" if isinstance(value, dict) else "StartArray"
        raise XmlError(f"Cannot get an XML string value from token type '{token}'. Path '{path}'.")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_double(value)
    return "" if value is None else str(value)


def _append(parent: Any, name: str, value: Any) -> None:
    if isinstance(value, list) and not name.startswith("@"):
        for item in value:
            if isinstance(item, list) and name.startswith("#"):
                _xml_value(item, name)  # raises: text cannot be an array
            if isinstance(item, list):  # an array in an array: one element holding the items (observed)
                element = Element(_element_name(name))
                parent.children.append(element)
                _append(element, name, item)
                element.self_closing = not element.children
            else:
                _append(parent, name, item)
        return
    if name == "?xml" and isinstance(parent, Element):
        raise XmlError("Unexpected property name encountered while deserializing XmlDeclaration.")
    if name.startswith("@") and isinstance(parent, Element):
        attribute = _element_name(name[1:])
        if isinstance(value, list) and any(type(item) is int for item in value):
            _xml_value(value, name)  # raises: Newtonsoft refuses an attribute array holding integers (observed)
        for item in value if isinstance(value, list) else [value]:  # of an array, the last item wins (observed)
            parent.attributes = [a for a in parent.attributes if a[0] != attribute]
            parent.attributes.append((attribute, _xml_value(item, name)))
        return
    if name == "#text":
        parent.children.append(Text(_xml_value(value, name)))
        return
    if name == "#cdata-section":
        parent.children.append(Text(_xml_value(value, name), True))
        return
    if name == "#comment":
        parent.children.append(Comment(_xml_value(value, name)))
        return
    element = Element(_element_name(name))
    parent.children.append(element)
    if value is None:
        element.self_closing = True
    elif isinstance(value, dict):
        items = list(value.items())
        for index, (key, item) in enumerate(items):
            if key.startswith("@") and isinstance(item, list) and any(v != [] for _, v in items[index + 1:]):
                # Newtonsoft loses its place after an attribute array: any property after it fails (observed).
                _xml_value(item, key)
            _append(element, key, item)
        element.self_closing = not element.children
    else:
        text = _xml_value(value)
        if text:
            element.children.append(Text(text))


_NAME_START = re.compile(r"[A-Za-z_:\u00c0-\ufffd]")
_NAME_CHAR = re.compile(r"[A-Za-z0-9_:.\-\u00b7\u00c0-\ufffd]")


def _element_name(name: str) -> str:
    """The name Newtonsoft gives an element: a prefix without a declared namespace is dropped (observed)."""
    prefix, colon, local = name.partition(":")
    return _encode_name(local if colon and prefix and local else name)


def _decode_name(name: str) -> str:
    """XmlConvert.DecodeName: '_xHHHH_' back to its character."""
    if "_x" not in name:
        return name
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), name)


def _encode_name(name: str) -> str:
    """XmlConvert.EncodeName: characters not allowed in an XML name become _xHHHH_."""
    out = []
    for index, char in enumerate(name):
        allowed = _NAME_START if index == 0 else _NAME_CHAR
        out.append(char if allowed.match(char) else f"_x{ord(char):04X}_")
    return "".join(out)


# --- XML -> JSON (Newtonsoft SerializeXmlNode) -----------------------------------------------------------------


def xml_to_json(data: bytes) -> Any:
    """Newtonsoft's JSON for an XML document."""
    document = parse(data.decode("utf-8", errors="replace"))
    result: dict[str, Any] = {}
    if document.declaration is not None:
        result["?xml"] = {f"@{k}": v for k, v in document.declaration}
    _members(document.children, result)
    return result


def _members(children: list[Any], into: dict[str, Any]) -> None:
    grouped: dict[str, list[Any]] = {}
    for child in children:
        if isinstance(child, Comment):
            continue  # the engine's conversion leaves comments out (observed)
        if isinstance(child, Element):
            key = _decode_name(child.name)
        elif isinstance(child, Text):
            key = "#cdata-section" if child.cdata else "#text"
        elif isinstance(child, Comment):
            key = "#comment"
        else:
            key = f"?{child.target}"
        grouped.setdefault(key, []).append(child)
    for key, nodes in grouped.items():
        values = [_node_json(node) for node in nodes]
        into[key] = values[0] if len(values) == 1 else values


def _node_json(node: Any) -> Any:
    if isinstance(node, Text):
        return node.value
    if isinstance(node, Comment):
        return node.value
    if isinstance(node, Instruction):
        return node.data
    if not node.attributes and not node.children:
        return None if node.self_closing else ""
    if not node.attributes and len(node.children) == 1 and isinstance(node.children[0], Text) \
            and not node.children[0].cdata:
        return node.children[0].value
    result: dict[str, Any] = {f"@{_decode_name(k)}": v for k, v in node.attributes}
    _members(node.children, result)
    return result


# --- XPath -----------------------------------------------------------------------------------------------------


def select(data: bytes, expression: str) -> Any:
    """xpath()'s result: XML values for elements, text for text and attributes, or a number, string, boolean."""
    from lxml import etree

    from .values import make_binary

    try:
        compiled = etree.XPath(expression)
    except etree.XPathSyntaxError:
        raise XPathSyntaxError(expression) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True, strip_cdata=True)
    try:
        tree = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise XmlError(str(error)) from None
    # lxml forgets whether an empty element was written '<c/>' or '<c></c>'; XElement.ToString keeps it.
    empty_tags = _empty_tags(tree, parse(data.decode("utf-8", errors="replace")))
    try:
        result = compiled(tree)
    except etree.XPathError:
        raise XPathSyntaxError(expression) from None
    if isinstance(result, bool):
        return result
    if isinstance(result, float):
        return result if not math.isnan(result) else math.nan
    if isinstance(result, str) and not getattr(result, "is_text", False) and not getattr(result, "is_attribute", False):
        return str(result)
    if not isinstance(result, list):
        return result
    values: list[Any] = []
    if _selects_document(tree, expression):  # lxml leaves the document node out of node sets
        top = [*reversed(list(tree.itersiblings(preceding=True))), tree, *tree.itersiblings()]
        text = "\n".join(element_text(node, empty_tags) for node in top)
        values.append(make_binary(text.encode("utf-8"), XML_CONTENT_TYPE))
    for item in result:
        if isinstance(item, str):
            if getattr(item, "is_attribute", False):  # XAttribute.ToString: the value as it is (observed)
                values.append(f'{item.attrname}="{item}"')
            else:
                values.append(str(item))
        elif isinstance(item, etree._Comment):
            raise XmlError("The node type 'Comment' is not a supported XPath node type.")
        elif isinstance(item, etree._ProcessingInstruction):
            raise XmlError("The node type 'ProcessingInstruction' is not a supported XPath node type.")
        elif isinstance(item, etree._Element):
            values.append(make_binary(element_text(item, empty_tags).encode("utf-8"), XML_CONTENT_TYPE))
        else:
            values.append(str(item))
    return values


def _selects_document(tree: Any, expression: str) -> bool:
    """Whether a node-set expression selects the document node (the one node without a parent)."""
    from lxml import etree

    try:
        return bool(etree.XPath(f"boolean(({expression})[not(parent::node())])")(tree))
    except etree.XPathError:
        return False


def _empty_tags(tree: Any, document: Document) -> dict[Any, bool]:
    """lxml element -> written as an empty-element tag, pairing lxml's elements with ours in document order."""
    ours: list[bool] = []

    def walk(node: Any) -> None:
        for child in node.children:
            if isinstance(child, Element):
                ours.append(child.self_closing)
                walk(child)

    walk(document)
    return dict(zip(tree.iter(tag=_element_tag()), ours))


def _element_tag() -> Any:
    from lxml import etree

    return etree.Element


def element_text(element: Any, empty_tags: dict[Any, bool] | None = None) -> str:
    """An lxml element as XElement.ToString() writes it: indented by two spaces until text (mixed content) appears."""
    out: list[str] = []
    _write_indented(element, out, 0, {}, True, empty_tags or {})
    return "".join(out)


def _qualified(element: Any) -> str:
    return element.prefix + ":" + etree_localname(element) if element.prefix else etree_localname(element)


def etree_localname(element: Any) -> str:
    tag = element.tag
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def _write_indented(element: Any, out: list[str], depth: int, inscope: dict[str | None, str], indent: bool,
                    empty_tags: dict[Any, bool]) -> None:
    from lxml import etree

    if isinstance(element, etree._Comment):
        out.append(f"<!--{element.text or ''}-->")
        return
    if isinstance(element, etree._ProcessingInstruction):
        out.append(f"<?{element.target} {element.text}?>" if element.text else f"<?{element.target}?>")
        return
    out.append("<" + _qualified(element))
    declared = dict(inscope)
    for prefix, uri in element.nsmap.items():
        if inscope.get(prefix) != uri:
            out.append(f' xmlns{":" + prefix if prefix else ""}="{_escape_attribute(uri)}"')
            declared[prefix] = uri
    for name, value in element.attrib.items():
        if name.startswith("{"):
            uri, local = name[1:].split("}", 1)
            prefix = next((p for p, u in element.nsmap.items() if u == uri and p), None)
            name = f"{prefix}:{local}" if prefix else local
        out.append(f' {name}="{_escape_attribute(value)}"')
    children = list(element)
    text = element.text
    if not children and not text:
        out.append(" />" if empty_tags.get(element, True) else f"></{_qualified(element)}>")
        return
    out.append(">")
    # XmlWriter indents child nodes until the element's first text; from there on (and inside) it writes as is.
    mixed = bool(text)
    if text:
        out.append(_escape_text(text))
    for child in children:
        if indent and not mixed:
            out.append("\n" + "  " * (depth + 1))
        _write_indented(child, out, depth + 1, declared, indent and not mixed, empty_tags)
        if child.tail:
            out.append(_escape_text(child.tail))
            mixed = True
    if indent and not mixed:
        out.append("\n" + "  " * depth)
    out.append(f"</{_qualified(element)}>")
