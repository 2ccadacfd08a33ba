"""RF: names in expressions resolve: activities exist and run upstream, parameters and variables are declared."""

from __future__ import annotations

from typing import Any, Collection, Iterator

from adfgen.check.exprs import analyse
from adfgen.check.rules.base import Context, Hit, Rule
from adfgen.check.walk import ARM_EXPRESSION, Activity


def lower_set(names: Any) -> set[str]:
    return {str(n).lower() for n in names} if isinstance(names, (dict, set, list, tuple)) else set()


def _declared(properties: dict, key: str) -> set[str] | None:
    """Lower-case names declared under `parameters`/`variables`; None when that is not an object."""
    value = properties.get(key, {})
    return lower_set(value) if isinstance(value, dict) else None


def _refs(ctx: Context, kind: str) -> Iterator[tuple[Any, Any]]:
    for site in ctx.sites:
        for ref in analyse(site.text).refs:
            if ref.kind == kind:
                yield site, ref


def _unknown_refs(ctx: Context, kind: str, known: Collection[str]) -> Iterator[tuple[Any, Any]]:
    """(site, reference) for each named reference of `kind` whose lower-case name is not in `known`."""
    for site, ref in _refs(ctx, kind):
        if ref.name and ref.name.lower() not in known:
            yield site, ref


def _hit(site: Any, ref: Any, message: str) -> Hit:
    """A hit on a reference in a site's text."""
    return Hit.at(site, message, ref.position + 1)


def static_name(value: Any) -> str | None:
    """A literal reference name (None for ARM or ADF expressions and non-strings)."""
    if not isinstance(value, str) or not value or ARM_EXPRESSION.match(value) or value.startswith("@"):
        return None
    return value


class UnknownActivity(Rule):
    """`activity('X')` names no activity of the pipeline.

    Bad:
        {"pipeline/pl_x": {"variables": {"v": {"type": "String"}}, "activities": [
            {"name": "Lookup Config", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
            {"name": "Use", "type": "SetVariable", "dependsOn": [{"activity": "Lookup Config", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"variableName": "v", "value": {"value": "@string(activity('Lookup Confg').output)", "type": "Expression"}}}]}}

    Good:
        {"pipeline/pl_x": {"variables": {"v": {"type": "String"}}, "activities": [
            {"name": "Lookup Config", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
            {"name": "Use", "type": "SetVariable", "dependsOn": [{"activity": "Lookup Config", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"variableName": "v", "value": {"value": "@string(activity('Lookup Config').output)", "type": "Expression"}}}]}}
    """

    code = "RF001"
    name = "unknown-activity"
    message = "activity() names an activity that does not exist"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        for site, ref in _unknown_refs(ctx, "activity", ctx.pipeline.names):
            yield _hit(site, ref, f"activity('{ref.name}') names no activity in this pipeline")


def _referenceable(pipeline: Any, activity: Activity) -> set[str]:
    """Lower-case names `activity` may read: upstream activities and everything nested inside them."""
    upstream = pipeline.upstream(activity)
    allowed = set(upstream)
    for candidate in pipeline.everything:
        if candidate.name.lower() in upstream and candidate.children:
            allowed |= {d.name.lower() for d in candidate.descendants()}
    if activity.kind == "until":  # the loop condition reads the loop body
        allowed |= {d.name.lower() for d in activity.descendants()}
    return allowed


class ActivityNotUpstream(Rule):
    """`activity('X')` where X is not upstream (through `dependsOn`) of the activity using it; ADF rejects it.

    Activities inside ForEach, IfCondition, Until and Switch may use activities upstream of their container;
    an activity may use activities nested inside an upstream container (e.g. the last poll inside an
    upstream Until); an Until's own condition may use the activities inside the loop.

    Bad:
        {"pipeline/pl_x": {"variables": {"v": {"type": "String"}}, "activities": [
            {"name": "Read", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
            {"name": "Use", "type": "SetVariable",
             "typeProperties": {"variableName": "v", "value": {"value": "@string(activity('Read').output)", "type": "Expression"}}}]}}

    Good:
        {"pipeline/pl_x": {"variables": {"v": {"type": "String"}}, "activities": [
            {"name": "Read", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
            {"name": "Use", "type": "SetVariable", "dependsOn": [{"activity": "Read", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"variableName": "v", "value": {"value": "@string(activity('Read').output)", "type": "Expression"}}}]}}
    """

    code = "RF002"
    name = "activity-not-upstream"
    message = "activity() output used by an activity that does not depend on it"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        pipeline = ctx.pipeline
        allowed_cache: dict[int, set[str]] = {}
        for site, ref in _refs(ctx, "activity"):
            activity = site.activity
            if activity is None or not ref.name or ref.name.lower() not in pipeline.names:
                continue
            allowed = allowed_cache.get(id(activity))
            if allowed is None:
                allowed = _referenceable(pipeline, activity)
                allowed_cache[id(activity)] = allowed
            if ref.name.lower() not in allowed:
                where = "itself" if ref.name.lower() == activity.name.lower() else f"'{activity.name}'"
                yield _hit(site, ref, f"activity('{ref.name}') is not upstream of {where}: add it to dependsOn "
                                      f"(directly or through a chain, or upstream of the enclosing container)")


class UndeclaredParameter(Rule):
    """`pipeline().parameters.X` (or `pipeline().globalParameters.X`) that the pipeline (factory) does not declare.

    Bad:
        {"pipeline/pl_x": {"parameters": {"BaseUrl": {"type": "String"}}, "activities": [
            {"name": "Call", "type": "WebActivity", "typeProperties": {"method": "GET",
             "url": {"value": "@pipeline().parameters.BaseURI", "type": "Expression"}}}]}}

    Good:
        {"pipeline/pl_x": {"parameters": {"BaseUrl": {"type": "String"}}, "activities": [
            {"name": "Call", "type": "WebActivity", "typeProperties": {"method": "GET",
             "url": {"value": "@pipeline().parameters.BaseUrl", "type": "Expression"}}}]}}
    """

    code = "RF003"
    name = "undeclared-parameter"
    message = "parameter is not declared"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        declared = _declared(ctx.properties, "parameters")
        if declared is not None:
            for site, ref in _unknown_refs(ctx, "parameter", declared):
                yield _hit(site, ref, f"pipeline parameter '{ref.name}' is not declared; declared: "
                                      f"{', '.join(sorted(ctx.properties.get('parameters') or {})) or 'none'}")
        known = ctx.factory.global_parameters
        if known is not None:
            for site, ref in _unknown_refs(ctx, "global_parameter", lower_set(known)):
                yield _hit(site, ref, f"global parameter '{ref.name}' is not declared in the factory")


class UndeclaredVariable(Rule):
    """`variables('x')`, or a Set/Append Variable target, that the pipeline does not declare.

    Bad:
        {"pipeline/pl_x": {"variables": {"runDate": {"type": "String"}}, "activities": [
            {"name": "Set", "type": "SetVariable",
             "typeProperties": {"variableName": "rundate2", "value": "x"}}]}}

    Good:
        {"pipeline/pl_x": {"variables": {"runDate": {"type": "String"}}, "activities": [
            {"name": "Set", "type": "SetVariable",
             "typeProperties": {"variableName": "runDate", "value": "x"}}]}}
    """

    code = "RF004"
    name = "undeclared-variable"
    message = "variable is not declared"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        declared = _declared(ctx.properties, "variables")
        if declared is None:
            return
        for site, ref in _unknown_refs(ctx, "variable", declared):
            yield _hit(site, ref, f"variable '{ref.name}' is not declared")
        for activity in ctx.pipeline.all:
            if activity.kind in ("setvariable", "appendvariable"):
                props = activity.type_properties
                name = props.get("variableName")
                if props.get("setSystemVariable") is True or not isinstance(name, str) or ARM_EXPRESSION.match(name):
                    continue
                if name.lower() not in declared:
                    yield Hit(f"{activity.path}.typeProperties.variableName",
                              f"variable '{name}' is not declared", activity=activity.name)


class UndeclaredResourceParameter(Rule):
    """`dataset().X` in a dataset, or `linkedService().X` in a linked service, that it does not declare.

    Bad:
        {"linkedService/ls_rest": {"type": "RestService", "parameters": {"BaseUrl": {"type": "String"}},
            "typeProperties": {"url": "@{linkedService().Url}", "authenticationType": "Anonymous"}}}

    Good:
        {"linkedService/ls_rest": {"type": "RestService", "parameters": {"BaseUrl": {"type": "String"}},
            "typeProperties": {"url": "@{linkedService().BaseUrl}", "authenticationType": "Anonymous"}}}
    """

    code = "RF005"
    name = "undeclared-resource-parameter"
    message = "dataset()/linkedService() parameter is not declared"
    kinds = ("dataset", "linkedService")

    def check(self, ctx: Context) -> Iterator[Hit]:
        kind = "dataset_parameter" if ctx.entry.kind == "dataset" else "linked_service_parameter"
        function = "dataset()" if ctx.entry.kind == "dataset" else "linkedService()"
        declared = _declared(ctx.properties, "parameters")
        if declared is None:
            return
        for site, ref in _unknown_refs(ctx, kind, declared):
            yield _hit(site, ref, f"{function}.{ref.name} is not a parameter of {ctx.entry.label}")


class ItemOutsideForEach(Rule):
    """`item()` outside a ForEach (and outside a Filter's condition), where it has no value.

    Bad:
        {"pipeline/pl_x": {"variables": {"v": {"type": "String"}}, "activities": [
            {"name": "Set", "type": "SetVariable",
             "typeProperties": {"variableName": "v", "value": {"value": "@item().name", "type": "Expression"}}}]}}

    Good:
        {"pipeline/pl_x": {"variables": {"v": {"type": "Array"}}, "activities": [
            {"name": "Each", "type": "ForEach", "typeProperties": {
              "items": {"value": "@createArray('a', 'b')", "type": "Expression"},
              "activities": [{"name": "Add", "type": "AppendVariable",
                "typeProperties": {"variableName": "v", "value": {"value": "@item()", "type": "Expression"}}}]}}]}}
    """

    code = "RF006"
    name = "item-outside-foreach"
    message = "item() used outside a ForEach"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        for site, ref in _refs(ctx, "item"):
            activity = site.activity
            if activity is None:
                continue
            if any(a.kind == "foreach" for a in activity.ancestors()):
                continue
            if activity.kind == "filter" and site.keys[:2] == ("typeProperties", "condition"):
                continue
            yield _hit(site, ref, "item() is only defined inside a ForEach (or in a Filter's condition)")
