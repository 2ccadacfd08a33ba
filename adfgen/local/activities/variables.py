"""Set Variable, Append Variable and the pipeline return value (setSystemVariable pipelineReturnValue)."""

from __future__ import annotations

from typing import Any

from adfgen.expressions.library.values import type_name
from adfgen.local.runner import ActivityContext, ActivityFailure, handles

_ACCEPTS = {"string": (str,), "boolean": (bool,), "bool": (bool,), "array": (list,), "integer": (int,)}
RETURN_VALUE = "pipelineReturnValue"


def _variable(ctx: ActivityContext) -> str:
    name = ctx.props.get("variableName")
    if not isinstance(name, str) or not name:
        raise ActivityFailure(f"{ctx.activity.get('type')} '{ctx.name}' has no variableName", "InvalidVariable")
    for declared in ctx.run.variables:
        if declared.lower() == name.lower():
            return declared
    raise ActivityFailure(f"The variable '{name}' is not declared in pipeline {ctx.run.name}", "InvalidVariable")


def _check_type(name: str, kind: str, value: Any) -> None:
    accepted = _ACCEPTS.get(kind.lower())
    if accepted is None:
        return
    ok = isinstance(value, accepted) and not (kind.lower() == "integer" and isinstance(value, bool))
    if not ok:
        raise ActivityFailure(f"The variable '{name}' of type '{kind}' cannot be initialized or updated with value "
                              f"of type '{type_name(value)}'. The variable '{name}' only supports values of types "
                              f"'{kind}'.", "InvalidVariableType")


@handles("SetVariable")
def set_variable(ctx: ActivityContext) -> Any:
    """Sets a pipeline variable, or the pipeline's return value when setSystemVariable is true."""
    if ctx.props.get("setSystemVariable") is True:
        return _set_return_value(ctx)
    name = _variable(ctx)
    value = ctx.eval(ctx.props.get("value"))
    ctx.rely("variable.types")
    _check_type(name, ctx.run.variable_types.get(name, "String"), value)
    ctx.set_input({"variableName": name, "value": value})
    with ctx.run.lock:
        ctx.run.variables[name] = value
    return {"name": name, "value": value}


@handles("AppendVariable")
def append_variable(ctx: ActivityContext) -> Any:
    """Appends to an Array variable (atomically, so parallel ForEach iterations lose nothing)."""
    name = _variable(ctx)
    kind = ctx.run.variable_types.get(name, "String")
    if kind.lower() != "array":
        raise ActivityFailure(f"The variable '{name}' of type '{kind}' cannot be appended to; Append Variable needs "
                              "an Array variable.", "InvalidVariableType")
    value = ctx.eval(ctx.props.get("value"))
    ctx.set_input({"variableName": name, "value": value})
    with ctx.run.lock:
        ctx.run.variables[name] = list(ctx.run.variables.get(name) or []) + [value]
    return {}


def _set_return_value(ctx: ActivityContext) -> Any:
    if ctx.props.get("variableName") != RETURN_VALUE:
        raise ActivityFailure(f"setSystemVariable sets only {RETURN_VALUE}, not {ctx.props.get('variableName')!r}",
                              "InvalidVariable")
    entries = ctx.props.get("value")
    if not isinstance(entries, list):
        raise ActivityFailure(f"{RETURN_VALUE} must be a list of {{key, value: {{type, content}}}} entries",
                              "InvalidReturnValue")
    values = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise ActivityFailure(f"{RETURN_VALUE}: every entry needs a key", "InvalidReturnValue")
        values[entry["key"]] = _content(ctx, entry.get("value"))
    ctx.rely("return.value")
    ctx.set_input({"variableName": RETURN_VALUE, "value": values})
    with ctx.run.lock:
        ctx.run.return_value.update(values)
    return {"name": RETURN_VALUE, "value": values}


def _content(ctx: ActivityContext, spec: Any) -> Any:
    """One typed return value: {type: String|Int|Float|Boolean|Expression|Array|Object|Null, content}."""
    if not isinstance(spec, dict):
        return ctx.eval(spec)
    kind = str(spec.get("type", "String")).lower()
    content = spec.get("content")
    if kind == "null":
        return None
    if kind == "array" and isinstance(content, list):
        return [_content(ctx, item) for item in content]
    if kind == "object" and isinstance(content, dict):
        return {k: _content(ctx, v) for k, v in content.items()}
    value = ctx.eval(content)
    if kind == "int" and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if kind == "float" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value
