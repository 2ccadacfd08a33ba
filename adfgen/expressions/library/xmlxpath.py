"""xpath() over XML values: lxml's XPath 1.0, with results written as .NET's XElement.ToString() writes them.

Observed through data-factory-testing-framework 1.4.4; xmlvalues.py lists what is known to differ. lxml is
imported when xpath() first runs, not with the library.
"""

from __future__ import annotations

import math
from typing import Any

from .values import make_binary
from .xmlvalues import XML_CONTENT_TYPE, Document, Element, XmlError, XPathSyntaxError, parse
from .xmlwrite import escape_attribute, escape_text


def select(data: bytes, expression: str) -> Any:
    """xpath()'s result: XML values for elements, text for text and attributes, or a number, string, boolean."""
    from lxml import etree

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
    values.extend(_node_value(item, empty_tags) for item in result)
    return values


def _node_value(item: Any, empty_tags: dict[Any, bool]) -> Any:
    """One node of a node set as xpath() returns it: an element as an XML value, text and attributes as text."""
    from lxml import etree

    if isinstance(item, str):
        if getattr(item, "is_attribute", False):  # XAttribute.ToString: the value as it is (observed)
            return f'{item.attrname}="{item}"'
        return str(item)
    if isinstance(item, etree._Comment):
        raise XmlError("The node type 'Comment' is not a supported XPath node type.")
    if isinstance(item, etree._ProcessingInstruction):
        raise XmlError("The node type 'ProcessingInstruction' is not a supported XPath node type.")
    if isinstance(item, etree._Element):
        return make_binary(element_text(item, empty_tags).encode("utf-8"), XML_CONTENT_TYPE)
    return str(item)


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
            out.append(f' xmlns{":" + prefix if prefix else ""}="{escape_attribute(uri)}"')
            declared[prefix] = uri
    for name, value in element.attrib.items():
        if name.startswith("{"):
            uri, local = name[1:].split("}", 1)
            prefix = next((p for p, u in element.nsmap.items() if u == uri and p), None)
            name = f"{prefix}:{local}" if prefix else local
        out.append(f' {name}="{escape_attribute(value)}"')
    children = list(element)
    text = element.text
    if not children and not text:
        out.append(" />" if empty_tags.get(element, True) else f"></{_qualified(element)}>")
        return
    out.append(">")
    # XmlWriter indents child nodes until the element's first text; from there on (and inside) it writes as is.
    mixed = bool(text)
    if text:
        out.append(escape_text(text))
    for child in children:
        if indent and not mixed:
            out.append("\n" + "  " * (depth + 1))
        _write_indented(child, out, depth + 1, declared, indent and not mixed, empty_tags)
        if child.tail:
            out.append(escape_text(child.tail))
            mixed = True
    if indent and not mixed:
        out.append("\n" + "  " * depth)
    out.append(f"</{_qualified(element)}>")
