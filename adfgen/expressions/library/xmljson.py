"""XML <-> JSON as Newtonsoft does it: DeserializeXmlNode for xml(object), SerializeXmlNode for json(xml).

Observed through data-factory-testing-framework 1.4.4; xmlvalues.py lists what is known to differ.
"""

from __future__ import annotations

import re
from typing import Any

from .values import format_double
from .xmlvalues import Comment, Document, Element, Instruction, Text, XmlError, parse


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
