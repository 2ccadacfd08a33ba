"""`adfgen build --source DIR`: the ARM template of an ADF Git folder, parameterised as its
`arm-template-parameters-definition.json` says (ADF's "custom parameters" for the ARM export).

Syntax and semantics as documented in
https://learn.microsoft.com/azure/data-factory/continuous-integration-delivery-resource-manager-custom-parameters
- top-level keys are resource types (`Microsoft.DataFactory/factories/pipelines`, ...); for linked services and
  datasets the next level is the resource's `type` (e.g. `AzureDataLakeStore`) or `*` for every type;
- below, the definition mirrors the resource (`properties.typeProperties...`); a key `*` applies to every property
  at that level; an array applies its first object to every element of the resource's array;
- a leaf is `<action>[:<name>[:<stype>]]`: action `=` keeps the current value as the parameter's default, `-`
  leaves it without a default, `|` is a secret from Key Vault (a `secureString` without a default); `<name>` is
  the parameter name, by default `<resource>_properties_<path>` (assumed for array elements: the index joins
  the path, e.g. `pl_x_properties_activities_0_typeProperties_waitTimeInSeconds`); a name starting with `-`
  shortens it to `<resource>_<name>`; `<stype>` is string (default), securestring, int, bool, object,
  secureobject or array.
A property the definition names that a resource does not have is not parameterised. Without the file only the
factory name is a parameter (ADF's own default definition is not reproduced here).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adfgen.build.fragments import quote_literal
from adfgen.build.writer import arm_template
from adfgen.core.errors import AdfgenError
from adfgen.core.resources import KINDS, Resource

DEFINITION_FILE = "arm-template-parameters-definition.json"
TYPES = {"string": "string", "securestring": "secureString", "int": "int", "bool": "bool", "object": "object",
         "secureobject": "secureObject", "array": "array"}
BY_TYPE = ("Microsoft.DataFactory/factories/linkedServices", "Microsoft.DataFactory/factories/datasets")


def _leaf(spec: str, resource: str, path: list[str]) -> tuple[str, str, bool]:
    """(parameter name, ARM type, keep default) for one `<action>:<name>:<stype>` leaf (raises ValueError)."""
    action, _, rest = spec.partition(":")
    name, _, stype = rest.partition(":")
    if action not in ("=", "-", "|"):
        raise ValueError(f"'{spec}': the action must be =, - or |")
    if stype and stype.lower() not in TYPES:
        raise ValueError(f"'{spec}': type '{stype}' is not one of {', '.join(TYPES)}")
    if not name:
        name = f"{resource}_properties_" + "_".join(path[1:] if path[:1] == ["properties"] else path)
    elif name.startswith("-"):
        name = f"{resource}_{name[1:]}"
    arm_type = "secureString" if action == "|" and not stype else TYPES.get(stype.lower(), "string") if stype else "string"
    return name, arm_type, action == "="


def _apply(node: Any, spec: Any, resource: str, path: list[str], params: dict[str, Any]) -> Any:
    """`node` with the values `spec` names replaced by parameter references (params collects the parameters)."""
    if isinstance(spec, str):
        name, arm_type, keep = _leaf(spec, resource, path)
        params[name] = {"type": arm_type, **({"defaultValue": node} if keep else {})}
        return f"[parameters('{name}')]"
    if isinstance(spec, list) and isinstance(node, list) and spec:
        return [_apply(item, spec[0], resource, path + [str(i)], params) for i, item in enumerate(node)]
    if isinstance(spec, dict) and isinstance(node, dict):
        out = dict(node)
        for key in node:
            chosen = spec.get(key, spec.get("*"))
            if chosen is not None:
                out[key] = _apply(node[key], chosen, resource, path + [key], params)
        return out
    return node


def parameterise(template: dict[str, Any], resources: list[Resource], definition: dict[str, Any]) -> dict[str, Any]:
    """The template with the definition's parameters added (raises AdfgenError for a malformed definition)."""
    by_name = {r.name: r for r in resources}
    params: dict[str, Any] = {}
    for arm_resource in template["resources"]:
        name = arm_resource["name"].split("'/", 1)[1].rsplit("')", 1)[0].replace("''", "'")
        resource = by_name.get(name)
        spec = definition.get(arm_resource["type"])
        if resource is None or not isinstance(spec, dict):
            continue
        if arm_resource["type"] in BY_TYPE:
            kind = str(resource.properties.get("type", ""))
            spec = spec.get(kind, spec.get("*"))
            if not isinstance(spec, dict):
                continue
        try:
            arm_resource["properties"] = _apply({"properties": arm_resource["properties"]}, spec, name, [],
                                                params)["properties"] if "properties" in spec else arm_resource["properties"]
        except ValueError as exc:
            raise AdfgenError(f"{DEFINITION_FILE}: {arm_resource['type']}: {exc}") from None
    if "factoryName" in params:
        raise AdfgenError(f"{DEFINITION_FILE}: the parameter name 'factoryName' is the factory's own")
    template["parameters"].update(params)
    return template


def parameters_file(template: dict[str, Any]) -> dict[str, Any]:
    """The parameters file: each default, and "" where the definition keeps none (`-`, `|`: to be supplied)."""
    return {"$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentParameters.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {n: {"value": p.get("defaultValue", "")} for n, p in template["parameters"].items()}}


def _check_leaves(spec: Any, where: list[str]) -> None:
    """Every leaf must parse, whether or not a resource has the property today (a typo must not hide)."""
    if isinstance(spec, str):
        try:
            _leaf(spec, "x", [])
        except ValueError as exc:
            raise AdfgenError(f"{DEFINITION_FILE}: {'.'.join(where)}: {exc}") from None
    elif isinstance(spec, dict):
        for key, value in spec.items():
            _check_leaves(value, where + [str(key)])
    elif isinstance(spec, list):
        for value in spec:
            _check_leaves(value, where + ["[]"])
    else:
        raise AdfgenError(f"{DEFINITION_FILE}: {'.'.join(where)}: expected a string, object or array")


def export_source(folder: Path, factory_name: str, resources: list[Resource]) -> dict[str, dict[str, Any]]:
    """{file name: document} of ADF's ARM export for a Git folder, honouring its parameters definition."""
    template = _within(arm_template(factory_name, resources, []), resources)
    definition_path = Path(folder) / DEFINITION_FILE
    if definition_path.is_file():
        try:
            definition = json.loads(definition_path.read_text(encoding="utf-8-sig"))
        except ValueError as exc:
            raise AdfgenError(f"{definition_path}: not valid JSON: {exc}") from None
        if not isinstance(definition, dict):
            raise AdfgenError(f"{definition_path}: expected an object keyed by resource type")
        _check_leaves(definition, [])
        template = parameterise(template, resources, definition)
    return {"ARMTemplateForFactory.json": template, "ARMTemplateParametersForFactory.json": parameters_file(template)}


def _within(template: dict[str, Any], resources: list[Resource]) -> dict[str, Any]:
    """The template without dependsOn entries naming objects a selection left out of it.

    Microsoft: "You only need to define dependencies for resources that are deployed in the same template"
    (documented: https://learn.microsoft.com/azure/azure-resource-manager/templates/resource-dependency); ARM
    refuses a dependsOn naming a resource the template does not define ("... is not defined in the template",
    assumed from the InvalidTemplate error as users report it, not observed here). The objects left out must
    exist in the factory already, as for deploy --source with the same selection.
    """
    inside = {f"[concat(variables('factoryId'), {quote_literal(f'/{KINDS[r.kind].arm_segment}/{r.name}')})]"
              for r in resources}
    kept = [{**r, "dependsOn": [d for d in r["dependsOn"] if d in inside]} for r in template["resources"]]
    return {**template, "resources": kept}
