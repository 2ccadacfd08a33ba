"""Writing XML values as .NET does: XmlDocument.OuterXml for xml() (observed; see xmlvalues.py)."""

from __future__ import annotations

from typing import Any

from .xmljson import json_to_document
from .xmlvalues import Comment, Document, Element, Instruction, Text, parse


def escape_text(value: str) -> str:
    """Text content escaped as XmlWriter writes it (&, <, >)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    """An attribute value escaped as XmlWriter writes it (quotes, line breaks too)."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#xA;").replace("\r", "&#xD;"))


def _write(node: Any, out: list[str]) -> None:
    if isinstance(node, Element):
        out.append("<" + node.name)
        for name, value in node.attributes:
            out.append(f' {name}="{escape_attribute(value)}"')
        if not node.children and node.self_closing:
            out.append(" />")
            return
        out.append(">")
        for child in node.children:
            _write(child, out)
        out.append(f"</{node.name}>")
    elif isinstance(node, Text):
        out.append(f"<![CDATA[{node.value}]]>" if node.cdata else escape_text(node.value))
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
