"""Draft-4 validation of ADF JSON over the in-memory schema, as lenient as ADF and dispatching unions on `type`."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft4Validator

ADF_URI = "https://schema.management.azure.com/schemas/2018-06-01/Microsoft.DataFactory.json"
COMMON_URI = "https://schema.management.azure.com/schemas/common/definitions.json"
EXPRESSION_REF = COMMON_URI + "#/definitions/expression"
ARM_EXPRESSION = re.compile(r"^\[([^\[].*)?\]$", re.DOTALL)
NO_SHAPE = "does not match any allowed shape"  # the vague message of a failed oneOf/anyOf
UNKNOWN_TYPE = "unknown-type"  # a finding's kind for a `type` that matches no alternative


@dataclass(frozen=True)
class _Union:
    """What one `oneOf` list offers: an ARM-expression escape, type-dispatch targets, the rest."""

    name: str  # the definition name, e.g. "Activity" ("" when inline)
    accepts_arm: bool
    by_type: dict[str, int]  # lower-case type -> alternative index
    type_names: tuple[str, ...]
    others: tuple[int, ...]  # indexes of non-expression alternatives


class _Dispatch:
    """Per-schema analysis of `oneOf` lists, cached by identity (the schema dicts live as long as this)."""

    def __init__(self, adf: dict):
        self.definitions = adf.get("definitions", {})
        self.names = {id(d.get("oneOf")): n for n, d in self.definitions.items() if isinstance(d, dict) and "oneOf" in d}
        self.cache: dict[int, _Union] = {}

    def union(self, one_of: list) -> _Union:
        found = self.cache.get(id(one_of))
        if found is None:
            found = self.cache[id(one_of)] = self._analyse(one_of)
        return found

    def _target(self, alternative: Any) -> Any:
        ref = alternative.get("$ref") if isinstance(alternative, dict) else None
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            return self.definitions.get(ref.rsplit("/", 1)[1], {})
        return alternative

    def _analyse(self, one_of: list) -> _Union:
        accepts_arm, by_type, names, others = False, {}, [], []
        for index, alternative in enumerate(one_of):
            if isinstance(alternative, dict) and alternative.get("$ref") == EXPRESSION_REF:
                accepts_arm = True
                continue
            others.append(index)
            target = self._target(alternative)
            enum = (((target or {}).get("properties") or {}).get("type") or {}).get("enum") if isinstance(target, dict) else None
            if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str):
                by_type.setdefault(enum[0].lower(), index)
                names.append(enum[0])
        if len(by_type) < 2:
            by_type, names = {}, []
        return _Union(self.names.get(id(one_of), ""), accepts_arm, by_type, tuple(names), tuple(others))


def choices_message(value: str, choices: tuple[str, ...] | list[str], limit: int = 8) -> str:
    """`'X'; expected one of A, B, ...` with the closest matches first."""
    close = difflib.get_close_matches(value, choices, n=limit, cutoff=0.6)
    close += difflib.get_close_matches(value.lower(), [c.lower() for c in choices if c not in close], n=limit, cutoff=0.6)
    lower_to_real = {c.lower(): c for c in choices}
    ordered = list(dict.fromkeys([lower_to_real.get(c.lower(), c) for c in close] + sorted(choices)))
    shown = ", ".join(ordered[:limit])
    more = f" and {len(ordered) - limit} more" if len(ordered) > limit else ""
    hint = f"did you mean {close[0] if close[0] in choices else lower_to_real.get(close[0], close[0])!r}? " if close else ""
    return f"{hint}expected one of {shown}{more}"


_ENUM_ALIASES = {"boolean": "bool", "integer": "int"}
_VARIABLE_TYPES = {"string", "bool", "array"}


def _is_expression_object(instance: Any) -> bool:
    return (isinstance(instance, dict) and instance.get("type") == "Expression"
            and isinstance(instance.get("value"), str))


_TRIVIAL = object()
_ANNOTATIONS = frozenset({"description", "format", "title"})
_PY_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def _short(message: str, limit: int = 240) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _show(value: Any) -> str:
    return _short(repr(value), 60)


class Engine:
    """Draft-4 validation over the in-memory schema with ADF's leniency and type dispatch.

    jsonschema's `descend` builds a new validator (and a generator) per sub-schema, which made checking a
    1,000-endpoint build take seconds. This engine walks the schema with plain recursive calls that
    append (path, message, kind) to a list, resolves `$ref` from a dict (both documents are in memory),
    skips the many sub-schemas that only describe, and uses jsonschema's own keyword functions for the
    leaf checks (minimum, maxLength, pattern, ...).
    """

    def __init__(self, adf: dict, common: dict, validator: Any):
        self.dispatch = _Dispatch(adf)
        self.validator = validator
        self.refs: dict[str, Any] = {EXPRESSION_REF: common.get("definitions", {}).get("expression")}
        for name, definition in adf.get("definitions", {}).items():
            self.refs[f"#/definitions/{name}"] = definition
            self.refs[f"{ADF_URI}#/definitions/{name}"] = definition
        self.kinds: dict[int, Any] = {}
        self.plans: dict[int, list] = {}
        self.enum_names: dict[int, set[str]] = {}
        self.keywords = {
            "$ref": self._ref, "oneOf": self._one_of, "anyOf": self._any_of, "allOf": self._all_of,
            "properties": self._properties, "additionalProperties": self._additional_properties,
            "items": self._items, "required": self._required, "enum": self._enum, "type": self._type,
        }
        for name in ("minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems",
                     "uniqueItems", "multipleOf", "not"):
            self.keywords[name] = self._leaf(name, Draft4Validator.VALIDATORS.get(name))  # jsonschema's public table

    def classify(self, subschema: Any) -> Any:
        """_TRIVIAL (accepts anything), a JSON type name (only checks that), or False."""
        found = self.kinds.get(id(subschema))
        if found is None:
            keys = set(subschema) - _ANNOTATIONS if isinstance(subschema, dict) else {"?"}
            if not keys:
                found = _TRIVIAL
            elif keys == {"type"} and isinstance(subschema["type"], str) and subschema["type"] in _PY_TYPES:
                found = subschema["type"]
            else:
                found = False
            self.kinds[id(subschema)] = found
        return found

    def errors(self, instance: Any, schema: Any) -> list[tuple[tuple, str, str]]:
        """(path, message, kind) for every violation of `schema` by `instance`."""
        out: list[tuple[tuple, str, str]] = []
        self.check(instance, schema, [], out)
        return out

    def check(self, instance: Any, schema: Any, path: list, out: list) -> None:
        """Append the violations of one (sub-)instance to `out`; `path` leads to it."""
        kind = self.kinds.get(id(schema))
        if kind is None:
            kind = self.classify(schema)
        if kind is _TRIVIAL:
            return
        if kind:
            if not _PY_TYPES[kind](instance) and not (kind == "array" and _is_expression_object(instance)):
                out.append((tuple(path), f"{_show(instance)} is not of type {kind!r}", "schema"))
            return
        plan = self.plans.get(id(schema))
        if plan is None:
            items = (("$ref", schema["$ref"]),) if "$ref" in schema else schema.items()  # draft 4: $ref wins
            plan = self.plans[id(schema)] = [(self.keywords[k], v) for k, v in items if k in self.keywords]
        for function, value in plan:
            function(value, instance, schema, path, out)

    def _valid(self, instance: Any, schema: Any) -> bool:
        out: list = []
        self.check(instance, schema, [], out)
        return not out

    # -- keywords: (keyword value, instance, schema, path, out)
    def _leaf(self, name: str, function: Any) -> Any:
        def leaf(value, instance, schema, path, out):
            if function is None:
                return
            for error in function(self.validator, value, instance, schema) or ():
                out.append((tuple(path), _short(error.message), "schema"))
        return leaf

    def _ref(self, reference, instance, schema, path, out):
        target = self.refs.get(reference)
        if target is not None:
            self.check(instance, target, path, out)
            return
        for error in self.validator.evolve(schema={"$ref": reference}).iter_errors(instance):
            out.append((tuple(path) + tuple(error.absolute_path), _short(error.message), "schema"))

    def _one_of(self, alternatives, instance, schema, path, out):
        union = self.dispatch.union(alternatives)
        if union.accepts_arm and isinstance(instance, str) and ARM_EXPRESSION.match(instance):
            return
        if union.by_type and isinstance(instance, dict):
            kind = instance.get("type")
            if isinstance(kind, str) and ARM_EXPRESSION.match(kind):
                return
            what = f"{union.name} type" if union.name else "type"
            if not isinstance(kind, str):
                message = (f"'type' is a required property ({choices_message('', union.type_names)})"
                           if kind is None else f"{what} must be a string")
                out.append((tuple(path), message, "schema"))
                return
            index = union.by_type.get(kind.lower())
            if index is None:
                out.append((tuple(path) + ("type",),
                            f"unknown {what} {kind!r}; {choices_message(kind, union.type_names)}", UNKNOWN_TYPE))
                return
            self.check(instance, alternatives[index], path, out)
            return
        if len(union.others) == 1:
            self.check(instance, alternatives[union.others[0]], path, out)
            return
        if not any(self._valid(instance, alternative) for alternative in alternatives):
            out.append((tuple(path), NO_SHAPE, "schema"))

    def _any_of(self, alternatives, instance, schema, path, out):
        if not any(self._valid(instance, alternative) for alternative in alternatives):
            out.append((tuple(path), NO_SHAPE, "schema"))

    def _all_of(self, alternatives, instance, schema, path, out):
        for alternative in alternatives:
            self.check(instance, alternative, path, out)

    def _properties(self, props, instance, schema, path, out):
        if not isinstance(instance, dict):
            return
        for name, subschema in props.items():
            if name in instance:
                path.append(name)
                self.check(instance[name], subschema, path, out)
                path.pop()

    def _additional_properties(self, extra, instance, schema, path, out):
        if not isinstance(instance, dict) or (isinstance(extra, dict) and self.classify(extra) is _TRIVIAL):
            return
        known = schema.get("properties", {})
        if isinstance(extra, dict):
            for name, value in instance.items():
                if name not in known:
                    path.append(name)
                    self.check(value, extra, path, out)
                    path.pop()
        elif extra is False:
            unexpected = sorted(str(n) for n in instance if n not in known)
            if unexpected:
                out.append((tuple(path), f"additional properties are not allowed ({', '.join(map(repr, unexpected))})",
                            "schema"))

    def _items(self, items, instance, schema, path, out):
        if not isinstance(instance, list) or not isinstance(items, dict):
            return
        for index, item in enumerate(instance):
            path.append(index)
            self.check(item, items, path, out)
            path.pop()

    def _required(self, required_names, instance, schema, path, out):
        if not isinstance(instance, dict):
            return
        keys = None
        for name in required_names:
            if name in instance:
                continue
            if keys is None:
                keys = {str(k).lower() for k in instance}
            if str(name).lower() not in keys:  # ADF reads property names case-insensitively
                out.append((tuple(path), f"{name!r} is a required property", "schema"))

    def _enum(self, enums, instance, schema, path, out):
        if isinstance(instance, str):
            lowered = instance.lower()
            names = self.enum_names.get(id(enums))
            if names is None:
                names = self.enum_names[id(enums)] = {e.lower() for e in enums if isinstance(e, str)}
            if lowered in names or _ENUM_ALIASES.get(lowered) in names:
                return
            if lowered == "integer" and names == _VARIABLE_TYPES:  # ADF added Integer variables after the schema
                return
            out.append((tuple(path), f"{_show(instance)} is not one of {enums!r}", "schema"))
            return
        if not any(instance == e and type(instance) is type(e) for e in enums):
            out.append((tuple(path), f"{_show(instance)} is not one of {enums!r}", "schema"))

    def _type(self, types, instance, schema, path, out):
        if isinstance(types, str):
            check = _PY_TYPES.get(types)
            if check is None or check(instance):
                return
        names = [types] if isinstance(types, str) else list(types)
        if any(_PY_TYPES.get(t, lambda v: True)(instance) for t in names):
            return
        if _is_expression_object(instance) and "array" in names:
            return  # dynamic content for a list (e.g. Databricks libraries), which ADF evaluates
        out.append((tuple(path), f"{_show(instance)} is not of type {' or '.join(map(repr, names))}", "schema"))


def one_per_problem(errors: list[tuple[tuple, str, str]]) -> list[tuple[tuple, str, str]]:
    """Drop repeats, and the vague NO_SHAPE message where the same path has a more precise one."""
    precise = {path for path, message, _ in errors if message != NO_SHAPE}
    seen: set[tuple[tuple, str]] = set()
    kept = []
    for path, message, kind in errors:
        if (path, message) in seen or (message == NO_SHAPE and path in precise):
            continue
        seen.add((path, message))
        kept.append((path, message, kind))
    return kept
