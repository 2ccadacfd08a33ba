"""Turn pydantic validation errors into `file:line: field.path: message` problems naming the valid choices."""

from __future__ import annotations

import difflib
import json
import types
import typing
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from adfgen.core.errors import Problem
from adfgen.spec.yaml_source import PathKey, dotted_path, one_line

LineLookup = Callable[[PathKey], int]


def problems_from_validation(exc: ValidationError, data: Any, root: type[BaseModel], file: str,
                             line_of: LineLookup, prefix: PathKey = ()) -> list[Problem]:
    """One problem per pydantic error, located in the YAML by the error's path."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if part != "[key]")  # pydantic's marker for a bad mapping key
        path, model = _resolve(data, loc, root)
        if error["type"] == "union_tag_invalid":  # point at the tag itself, e.g. pagination.kind
            path += (error.get("ctx", {}).get("discriminator", "").strip("'"),)
        full = prefix + path
        problems.append(Problem(file, line_of(full), dotted_path(full) or "(top level)",
                                one_line(_message(error, path, model))))
    return problems


def _resolve(data: Any, loc: tuple, root: type[BaseModel]) -> tuple[PathKey, type[BaseModel] | None]:
    """Map pydantic's loc (which includes union tags) onto the data path; return the model that owns the last key."""
    path: list[Any] = []
    node: Any = data
    model: Any = root
    owner: Any = root
    for part in loc:
        if isinstance(node, dict) and part in node:
            owner = model
            path.append(part)
            node = node[part]
            model = (_model_in(owner.element, node) if isinstance(owner, _ContainerOf)
                     else _field_model(owner, part, node))
            continue
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
            owner = model
            model = _model_in(model.element, node) if isinstance(model, _ContainerOf) else None
            continue
        if isinstance(node, dict) and part not in node and isinstance(part, str) and part == loc[-1]:
            # a missing or extra key: the path names it, the model is the one that owns it
            path.append(part)
            return tuple(path), model
        # a discriminated-union tag or a wrapper name pydantic inserts: not in the data
    return tuple(path), owner if loc and loc[-1] == (path[-1] if path else None) else model


def _field_model(owner: Any, key: str, value: Any) -> Any:
    """The model class that validates `value` under `owner.key` (following lists, dicts and tagged unions)."""
    if not (isinstance(owner, type) and issubclass(owner, BaseModel)):
        return None
    field = owner.model_fields.get(key) or next(
        (f for f in owner.model_fields.values() if f.alias == key), None)
    if field is None:
        return None
    return _model_in(field.annotation, value)


def _model_in(annotation: Any, value: Any) -> type[BaseModel] | None:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _model_in(typing.get_args(annotation)[0], value)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if origin in (typing.Union, types.UnionType):
        candidates = [_model_in(arg, value) for arg in typing.get_args(annotation)]
        candidates = [c for c in candidates if c is not None]
        for candidate in candidates:  # tagged unions: pick the member whose Literal tag matches
            if not (isinstance(candidate, type) and issubclass(candidate, BaseModel)):
                continue  # e.g. `list[int] | None`: a container has no tag
            for name in ("kind", "type"):
                tag_field = candidate.model_fields.get(name)
                if tag_field and isinstance(value, dict) and value.get(name) in typing.get_args(tag_field.annotation):
                    return candidate
        return candidates[0] if len(candidates) == 1 else None
    if origin in (list, dict):
        # the next path element indexes into the container; the element type owns what follows
        return _ContainerOf(typing.get_args(annotation)[-1])  # type: ignore[return-value]
    return None


class _ContainerOf:
    """Marker for a list/dict field: its element annotation owns the next level."""

    def __init__(self, element: Any):
        self.element = element


def _model_keys(model: Any) -> list[str]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(f.alias or name for name, f in model.model_fields.items())
    return []


def _message(error: dict, path: PathKey, model: Any) -> str:
    kind = error["type"]
    if isinstance(model, _ContainerOf):
        model = None
    if kind == "extra_forbidden":
        valid = _model_keys(model)
        key = str(path[-1]) if path else "?"
        hint = difflib.get_close_matches(key, valid, n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"unknown key '{key}'{suggestion}; expected one of: {', '.join(valid)}"
    if kind == "missing":  # an auth without its flow names the flows, as a pagination without its kind does
        return "required field is missing" + (_tag_choices("flow") if path and path[-1] == "flow" else "")
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        tag = str(path[-1])
        source = error.get("input")  # pydantic's ctx.tag is str(value): `kind: 3` would read as '3'
        given = source.get(tag, ctx.get("tag")) if isinstance(source, dict) else ctx.get("tag")
        return (f"unknown {_TAG_LABELS.get(tag, tag)} {_given(given)}; "
                f"expected one of: {ctx.get('expected_tags', '').replace(chr(39), '')}")
    if kind == "string_type" and path[-2:] == ("auth", "flow"):  # `flow: 3`: the flow is checked by name only
        return f"unknown auth flow {_given(error.get('input'))}" + _tag_choices("flow")
    if kind == "union_tag_not_found":
        tag = str(error.get("ctx", {}).get("discriminator", "")).strip("'")
        return f"required field '{tag}' is missing" + _tag_choices(tag)
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        return _PATTERN_TEXT.get(pattern, f"must match {pattern}") + f" (got {error.get('input')!r})"
    if kind == "literal_error":
        return f"{error['msg'][0].lower()}{error['msg'][1:]} (got {error.get('input')!r})"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return message[0].lower() + message[1:] if message else kind


_TAG_LABELS = {"kind": "pagination kind", "type": "sink type"}  # the spec's two tagged unions


def _given(value: Any) -> str:
    """A name as given: a string quoted, anything else as YAML would write it plus `(not a string)` (`3` is no `'3'`)."""
    if isinstance(value, str):
        return repr(value)
    return f"{json.dumps(value, ensure_ascii=False, default=str)} (not a string)"


def _tag_choices(field: str) -> str:
    """`; expected one of: ...`, the registered units a missing `kind`, `type` or `flow` may name."""
    # imported here: the variant packages import adfgen.spec (fields) while it loads
    from adfgen.spec.variants.auth import FLOWS
    from adfgen.spec.variants.pagination import KINDS
    from adfgen.spec.variants.sinks import SINKS

    registry = {"kind": KINDS, "type": SINKS, "flow": FLOWS}.get(field)
    return f"; expected one of: {', '.join(registry.names())}" if registry else ""

_PATTERN_TEXT = {
    r"^[0-9a-zA-Z-]{1,127}$": "a Key Vault secret name: letters, digits and '-' only, at most 127 characters",
    r"^[a-z][a-z0-9_]{0,45}$": "a name: lower-case letters, digits and '_', starting with a letter, at most 46",
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]{1,61}[A-Za-z0-9])$":
        "a resource name: letters, digits and '-', 3 to 63 characters, not starting or ending with '-'",
    r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$": "a container name: lower-case letters, digits and '-', 3 to 63",
    r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$": "an HTTP header name (no spaces or ':')",
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ?$": "a time such as 2024-01-01T06:00:00Z (UTC) or 2024-01-01T06:00:00",
}
