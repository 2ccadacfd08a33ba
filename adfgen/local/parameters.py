"""Pipeline parameters and variables: defaults, declared types, and values given as text on the command line."""

from __future__ import annotations

import json
from typing import Any

from adfgen.local.records import RunUsageError

PARAMETER_TYPES = ("String", "Int", "Float", "Bool", "Array", "Object", "SecureString")


def bind_parameters(pipeline: str, declared: dict[str, Any], given: dict[str, Any],
                    from_text: bool) -> tuple[dict[str, Any], list[str]]:
    """Parameter values with defaults applied and types checked; (values, names of SecureString ones)."""
    folded = {k.lower(): k for k in declared}
    values: dict[str, Any] = {}
    for key, value in given.items():
        if key.lower() not in folded:
            known = ", ".join(declared) or "(none)"
            raise RunUsageError(f"pipeline {pipeline} has no parameter {key!r}; parameters: {known}")
        values[folded[key.lower()]] = value
    secure = []
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        kind = str(spec.get("type", "String"))
        if kind.lower() == "securestring":
            secure.append(name)
        if name not in values:
            if "defaultValue" not in spec:
                raise RunUsageError(f"pipeline {pipeline} needs a value for parameter {name!r} ({kind}); "
                                    f"pass --param {name}=VALUE")
            values[name] = spec["defaultValue"]
            continue
        values[name] = coerce(name, kind, values[name], from_text)
    return values, secure


def coerce(name: str, kind: str, value: Any, from_text: bool) -> Any:
    """A parameter value as its declared type; text from the command line is parsed."""
    folded = kind.lower()
    try:
        if folded in ("string", "securestring"):
            if isinstance(value, (dict, list)):
                raise ValueError("expected a string")
            return value if isinstance(value, str) or not from_text else str(value)
        if folded == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError("expected an integer")
            return int(value)
        if folded == "float":
            if isinstance(value, bool):
                raise ValueError("expected a number")
            return float(value)
        if folded == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise ValueError("expected true or false")
        if folded in ("array", "object"):
            parsed = json.loads(value) if isinstance(value, str) else value
            wanted = list if folded == "array" else dict
            if not isinstance(parsed, wanted):
                raise ValueError(f"expected a JSON {'array' if folded == 'array' else 'object'}")
            return parsed
    except (TypeError, ValueError) as exc:
        raise RunUsageError(f"parameter {name!r} is {kind}: {exc}, found {value!r}") from None
    raise RunUsageError(f"parameter {name!r} has unknown type {kind!r}; expected one of {', '.join(PARAMETER_TYPES)}")


def declare_variables(declared: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Initial variable values and types from a pipeline's `variables`."""
    values: dict[str, Any] = {}
    types: dict[str, str] = {}
    if not isinstance(declared, dict):
        return values, types
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        kind = str(spec.get("type", "String"))
        types[name] = kind
        if "defaultValue" in spec:
            values[name] = spec["defaultValue"]
        else:
            values[name] = [] if kind.lower() == "array" else (False if kind.lower() == "boolean" else
                                                              (0 if kind.lower() == "integer" else ""))
    return values, types
