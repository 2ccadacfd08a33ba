"""A commented skeleton of every spec field, generated from the spec's JSON Schema so it cannot drift from the model.

Required fields are written as values to fill (`TODO`); optional ones are commented out with their default. Each
alternative of a choice (the sink type, the pagination kind...) is shown, the first active, the others commented.
"""

from __future__ import annotations

import json
from typing import Any

TODO = "TODO"
_EXAMPLE_KEYS = {"sinks": "lake", "environments": "prod", "headers": "Accept", "query": "param",
                 "token_params": "audience", "params": "instance"}


def skeleton(schema: dict[str, Any], api_name: str) -> str:
    """The skeleton text of a spec whose API is `api_name`."""
    writer = _Writer(schema, api_name)
    lines = [f"# A spec for the API '{api_name}': every field of the format, generated from `adfgen schema`.",
             f"# Fill every {TODO}; uncomment an optional field to change its default (README: the spec format).",
             ""]
    lines += writer.object(schema, 0, active=True, path=())
    return "\n".join(lines) + "\n"


class _Writer:
    """Walks the schema, resolving `$ref`s into its `$defs`."""

    def __init__(self, schema: dict[str, Any], api_name: str):
        self.defs = schema.get("$defs", {})
        self.api_name = api_name

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """The node with a `$ref` replaced by its definition (the node's own keys kept), nullable unions unwrapped."""
        while "$ref" in node:
            target = self.defs[node["$ref"].rsplit("/", 1)[-1]]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        options = node.get("anyOf")
        if options and "discriminator" not in node:
            kept = [o for o in options if o.get("type") != "null"]
            if len(kept) == 1:
                node = {**self.resolve(kept[0]), **{k: v for k, v in node.items() if k != "anyOf"}}
        return node

    def variants(self, node: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The alternatives of a choice (oneOf/anyOf of objects), or None."""
        options = node.get("oneOf") or node.get("anyOf")
        if not options:
            return None
        resolved = [self.resolve(o) for o in options if o.get("type") != "null"]
        return resolved if all(r.get("type") == "object" and "properties" in r for r in resolved) else None

    def object(self, node: dict[str, Any], indent: int, active: bool, path: tuple) -> list[str]:
        """Lines for each property of an object."""
        node = self.resolve(node)
        required = set(node.get("required", []))
        lines: list[str] = []
        for key, prop in node.get("properties", {}).items():
            lines += self.field(key, prop, indent, active and key in required, path + (key,), key in required)
        return lines

    def field(self, key: str, prop: dict[str, Any], indent: int, active: bool, path: tuple,
              required: bool = True) -> list[str]:
        """Lines for one property: its comment, then its value (nested objects and lists below the key)."""
        node = self.resolve(prop)
        variants = self.variants(node)
        if variants:
            return self.choice(key, variants, node, indent, active, path)
        kind = node.get("type")
        if kind == "object" and "properties" in node:
            return self.model(key, node, indent, active, path)
        if kind == "object" and (node.get("patternProperties") or isinstance(node.get("additionalProperties"), dict)):
            return self.mapping(key, node, indent, active, path)
        if kind == "array" and self.resolve(node.get("items", {})).get("properties"):
            return self.records(key, node, indent, active, path)
        value = self.api_name if path == ("apis", 0, "name") else _value(node, required)
        return [f"{' ' * indent}{'' if active else '# '}{key}: {value}{_note(node, path)}"]

    def model(self, key: str, node: dict[str, Any], indent: int, active: bool, path: tuple) -> list[str]:
        """A nested object; one whose fields are all optional (secrets: each flow needs others) lists every plain
        field as TODO, to fill where the user's choice needs it and delete elsewhere."""
        head = f"{' ' * indent}{'' if active else '# '}{key}:{_note(node, path)}"
        if not active or node.get("required"):
            return [head] + self.object(node, indent + 2, active, path)
        lines = [head]
        for child, prop in node["properties"].items():
            inner = self.resolve(prop)
            if _scalar_like(inner):
                lines.append(f"{' ' * (indent + 2)}{child}: {TODO}{_note(inner, path + (child,))}")
            else:
                lines += self.field(child, prop, indent + 2, False, path + (child,), False)
        return lines

    def mapping(self, key: str, node: dict[str, Any], indent: int, active: bool, path: tuple) -> list[str]:
        """A mapping of names to values (sinks, headers, environments), shown with one example name."""
        pad, note = " " * indent, _note(node, path)
        value = next(iter((node.get("patternProperties") or {}).values()), None) or node["additionalProperties"]
        example = _EXAMPLE_KEYS.get(key, "name")
        inner = self.resolve(value)
        inner_active = active and node.get("minProperties", 0) > 0
        if inner.get("type") == "object" and not ("properties" in inner or self.variants(inner)):
            return [f"{pad}# {key}:{note}", f"{pad}#   {example}: {{}}  # fields of the spec to override"]
        if self.variants(inner) or "properties" in inner:
            return [f"{pad}{'' if inner_active else '# '}{key}:{note}"] + self.field(
                example, inner, indent + 2, inner_active, path + (example,))
        shown = _value(inner, False) if "default" in inner else "..."
        return [f"{pad}# {key}:{note}", f"{pad}#   {example}: {shown}"]

    def records(self, key: str, node: dict[str, Any], indent: int, active: bool, path: tuple) -> list[str]:
        """A list of objects (apis, endpoints, identity values), shown with one item."""
        pad = " " * indent
        item_active = active and node.get("minItems", 0) > 0
        mark = "" if item_active else "# "
        body = self.object(self.resolve(node["items"]), indent + 4, item_active, path + (0,))
        prefix = f"{' ' * (indent + 4)}{mark}"
        if body and body[0].startswith(prefix):  # the first field goes on the dash's line
            body[0] = f"{pad}  {mark}- " + body[0][len(prefix):]
        return [f"{pad}{mark}{key}:{_note(node, path)}"] + body

    def choice(self, key: str, variants: list[dict[str, Any]], node: dict[str, Any], indent: int, active: bool,
               path: tuple) -> list[str]:
        """A choice: the first alternative (active when required), then every other one commented out."""
        pad = " " * indent
        tag = (node.get("discriminator") or {}).get("propertyName")
        names = [_tag_value(v, tag) for v in variants]
        lines = [f"{pad}{'' if active else '# '}{key}:  # one of {tag or 'these'}: {', '.join(map(str, names))}"
                 + (f"; {_description(node)}" if node.get("description") else "")]
        for position, variant in enumerate(variants):
            on = active and position == 0
            if position:
                lines.append(f"{pad}  # -- or {tag} {names[position]}: {_description(variant)}".rstrip())
            elif variant.get("description"):
                lines.append(f"{pad}  # {_description(variant)}")
            lines += [line if on else _comment(line, indent + 2)
                      for line in self.object(variant, indent + 2, on, path)]
        return lines


def _scalar_like(node: dict[str, Any]) -> bool:
    """A field holding one plain value (no nested object or list)."""
    return node.get("type") not in ("object", "array") and "properties" not in node and "oneOf" not in node


def _tag_value(variant: dict[str, Any], tag: str | None) -> Any:
    prop = variant.get("properties", {}).get(tag or "", {})
    if "const" in prop:
        return prop["const"]
    if prop.get("enum"):
        return "|".join(map(str, prop["enum"]))
    return variant.get("title", "?")


def _comment(line: str, indent: int) -> str:
    """A line commented out at `indent` (already-commented lines stay as they are)."""
    if line.strip().startswith("#"):
        return line
    body = line[indent:] if line[:indent].strip() == "" else line.lstrip()
    return f"{' ' * indent}# {body}"


def _description(node: dict[str, Any]) -> str:
    """The node's description on one line: a line break inside would end the YAML comment that carries it."""
    return " ".join(str(node.get("description", "")).split())


def _note(node: dict[str, Any], path: tuple) -> str:
    """The trailing comment: the description and the allowed values."""
    parts = []
    if node.get("description"):
        parts.append(_description(node))
    if node.get("enum"):
        parts.append("one of: " + ", ".join(map(str, node["enum"])))
    if node.get("pattern") and "enum" not in node:
        parts.append(f"pattern {node['pattern']}")
    return f"  # {'; '.join(parts)}" if parts else ""


def _value(node: dict[str, Any], required: bool) -> str:
    """A field's value: its default, TODO for a required field, else an empty value of its type."""
    if "default" in node:
        return _dump(node["default"])
    if "const" in node:
        return _dump(node["const"])
    if required:
        return TODO
    return {"array": "[]", "object": "{}"}.get(node.get("type", ""), "")


def _dump(value: Any) -> str:
    """A YAML flow value (JSON is YAML); null as an empty value."""
    return "" if value is None else json.dumps(value)
