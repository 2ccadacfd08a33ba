"""RF: names resolve: activities upstream, parameters and variables declared, resources present, names valid."""

from __future__ import annotations

from typing import Any, Iterator

from adfgen.check.dataflows import data_flow_references, data_flows
from adfgen.check.exprs import analyse, null_breaking_use, tests_for_null
from adfgen.check.semantics import text_of
from adfgen.check.model import ERROR, WARNING
from adfgen.check.paths import join_key
from adfgen.check.rules.base import Context, FactoryView, Hit, Rule
from adfgen.check.walk import ARM_EXPRESSION, Activity, under_inactive
from adfgen.core.naming_rules import FIRST_CHARACTER_TOLERATED, START_WITH_LETTER, name_problems

REFERENCE_KINDS = {"LinkedServiceReference": "linkedService", "DatasetReference": "dataset",
                   "PipelineReference": "pipeline"}
OTHER_REFERENCES = {"DataFlowReference": ("dataflow", "dataflows")}


def _lower_set(names: Any) -> set[str]:
    return {str(n).lower() for n in names} if isinstance(names, (dict, set, list, tuple)) else set()


def _declared(properties: dict, key: str) -> set[str] | None:
    """Lower-case names declared under `parameters`/`variables`; None when that is not an object."""
    value = properties.get(key, {})
    return _lower_set(value) if isinstance(value, dict) else None


def _refs(ctx: Context, kind: str) -> Iterator[tuple[Any, Any]]:
    for site in ctx.sites:
        for ref in analyse(site.text).refs:
            if ref.kind == kind:
                yield site, ref


def _hit(site: Any, ref: Any, message: str, severity: str | None = None) -> Hit:
    return Hit(site.path, message, ref.position + 1, severity, site.activity.name if site.activity else None)


def _static_name(value: Any) -> str | None:
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
        names = {a.name.lower() for a in ctx.pipeline.everything}
        for site, ref in _refs(ctx, "activity"):
            if ref.name and ref.name.lower() not in names:
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
        names = {a.name.lower() for a in pipeline.everything}
        allowed_cache: dict[int, set[str]] = {}
        for site, ref in _refs(ctx, "activity"):
            activity = site.activity
            if activity is None or not ref.name or ref.name.lower() not in names:
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
            for site, ref in _refs(ctx, "parameter"):
                if ref.name and ref.name.lower() not in declared:
                    yield _hit(site, ref, f"pipeline parameter '{ref.name}' is not declared; declared: "
                                          f"{', '.join(sorted(ctx.properties.get('parameters') or {})) or 'none'}")
        known = ctx.factory.global_parameters
        if known is not None:
            lowered = _lower_set(known)
            for site, ref in _refs(ctx, "global_parameter"):
                if ref.name and ref.name.lower() not in lowered:
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
        for site, ref in _refs(ctx, "variable"):
            if ref.name and ref.name.lower() not in declared:
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
        for site, ref in _refs(ctx, kind):
            if ref.name and ref.name.lower() not in declared:
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


def _references(ctx: Context) -> Iterator[tuple[int, dict, str]]:
    """(tree node, reference object, kind) for every resource reference in a resource (none in inactive activities)."""
    pipeline = ctx.pipeline
    for index, obj in ctx.tree.dicts:
        kind = obj.get("type")
        if isinstance(kind, str) and (kind in REFERENCE_KINDS or kind in OTHER_REFERENCES) and "referenceName" in obj:
            if pipeline is not None and pipeline.inactive_paths and under_inactive(pipeline, ctx.tree.path(index)):
                continue
            yield index, obj, kind


def _activity_of_path(path: str) -> str | None:
    marker = path.rfind(' "')
    end = path.find('")', marker)
    return path[marker + 2:end] if marker >= 0 and end > marker else None


class MissingResource(Rule):
    """A reference to a linked service, dataset, pipeline or data flow that is not in the factory.

    Severity: error for an adfgen build, an ARM export of a whole factory, a Git-integration root (with
    `factory/`) or a folder checked with `--complete`; a warning for other Git folders, which may be partial
    checkouts, and for any folder checked with `--partial`.

    Bad:
        {"dataset/ds_rest": {"type": "RestResource",
            "linkedServiceName": {"referenceName": "ls_missing", "type": "LinkedServiceReference"}}}

    Good:
        {"linkedService/ls_rest": {"type": "RestService", "typeProperties": {"url": "https://api.example.com", "authenticationType": "Anonymous"}},
         "dataset/ds_rest": {"type": "RestResource",
            "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference"}}}
    """

    code = "RF007"
    name = "missing-resource"
    message = "referenced resource is not in the factory"
    severity_note = "warning in a partial Git folder (no factory/, or --partial)"

    def check(self, ctx: Context) -> Iterator[Hit]:
        severity = ERROR if ctx.factory.complete else WARNING
        for node, obj, kind in _references(ctx):
            name = _static_name(obj.get("referenceName"))
            if name is None:
                continue
            if kind in REFERENCE_KINDS:
                target = REFERENCE_KINDS[kind]
                known = ctx.view.lower_names[target]
            else:
                # No dataflow/ folder (Git) or dataflows resource (ARM) means the factory has no data flows.
                folders = [ctx.factory.other_names[k] for k in OTHER_REFERENCES[kind] if k in ctx.factory.other_names]
                target = OTHER_REFERENCES[kind][0]
                known = {n.lower() for names in folders for n in names}
            if name.lower() not in known:
                path = ctx.tree.path(node)
                yield Hit(join_key(path, "referenceName") if path else "referenceName",
                          f"{target} '{name}' is not in this factory", 0, severity, _activity_of_path(path))


def _required(properties: Any) -> list[str]:
    params = properties.get("parameters") if isinstance(properties, dict) else None
    if not isinstance(params, dict):
        return []
    return [n for n, spec in params.items() if not (isinstance(spec, dict) and "defaultValue" in spec)]


def _missing(required: list[str], supplied: Any) -> list[str]:
    if isinstance(supplied, str):  # an ARM expression or dynamic object: cannot tell
        return []
    given = _lower_set(supplied) if isinstance(supplied, dict) else set()
    return [n for n in required if n.lower() not in given]


def _needs(label: str, missing: list[str]) -> str:
    names = ", ".join(f"'{n}'" for n in missing)
    return f"{label} needs parameter{'s' if len(missing) > 1 else ''} {names} (no default value)"


class MissingRequiredParameter(Rule):
    """A dataset, linked service or pipeline used without a value for a parameter that has no default.

    Covers activity inputs/outputs and other dataset references, dataset → linked service (errors), and
    Execute Pipeline → pipeline and trigger → pipeline. ADF starts such pipeline runs with the missing
    parameter null, and real factories rely on it, so a pipeline call is reported (as a warning) only when
    an active activity of the called pipeline uses the parameter where null fails: selecting a member of it
    or passing it to a function other than `coalesce`, `empty`, `equals`, `concat` and `string` (observed
    with Microsoft's expression engine), and only when that expression does not test it for null itself.

    Bad:
        {"pipeline/pl_child": {"parameters": {"Day": {"type": "String"}}, "variables": {"v": {"type": "String"}}, "activities": [
            {"name": "Keep Day", "type": "SetVariable", "typeProperties": {"variableName": "v",
              "value": {"value": "@formatDateTime(pipeline().parameters.Day, 'yyyy-MM-dd')", "type": "Expression"}}}]},
         "pipeline/pl_parent": {"activities": [
            {"name": "Run Child", "type": "ExecutePipeline", "typeProperties": {
              "pipeline": {"referenceName": "pl_child", "type": "PipelineReference"}, "waitOnCompletion": true}}]}}

    Good:
        {"pipeline/pl_child": {"parameters": {"Day": {"type": "String"}}, "variables": {"v": {"type": "String"}}, "activities": [
            {"name": "Keep Day", "type": "SetVariable", "typeProperties": {"variableName": "v",
              "value": {"value": "@formatDateTime(pipeline().parameters.Day, 'yyyy-MM-dd')", "type": "Expression"}}}]},
         "pipeline/pl_parent": {"activities": [
            {"name": "Run Child", "type": "ExecutePipeline", "typeProperties": {
              "pipeline": {"referenceName": "pl_child", "type": "PipelineReference"},
              "parameters": {"Day": "2024-01-01"}, "waitOnCompletion": true}}]}}
    """

    code = "RF008"
    name = "missing-required-parameter"
    message = "required parameter not supplied"
    severity_note = "warning for Execute Pipeline and trigger calls"

    def check(self, ctx: Context) -> Iterator[Hit]:
        view = ctx.view
        for node, obj, kind in _references(ctx):
            if kind not in ("DatasetReference", "LinkedServiceReference"):
                continue
            name = _static_name(obj.get("referenceName"))
            target = view.lookup(REFERENCE_KINDS[kind], name) if name else None
            if target is None:
                continue
            missing = _missing(_required(target.properties), obj.get("parameters"))
            if missing:
                path = ctx.tree.path(node)
                yield Hit(path, _needs(target.label, missing), activity=_activity_of_path(path))
        if ctx.pipeline is not None:
            for activity in ctx.pipeline.all:
                if activity.kind == "executepipeline":
                    props = activity.type_properties
                    yield from self._pipeline_call(view, props.get("pipeline"), props.get("parameters"),
                                                   f"{activity.path}.typeProperties", activity.name)
        if ctx.entry.kind == "trigger":
            pipelines = ctx.properties.get("pipelines")
            for index, item in enumerate(pipelines if isinstance(pipelines, list) else []):
                if isinstance(item, dict):
                    yield from self._pipeline_call(view, item.get("pipelineReference"), item.get("parameters"),
                                                   f"pipelines[{index}]", None)

    def _pipeline_call(self, view: FactoryView, reference: Any, supplied: Any, path: str,
                       activity: str | None) -> Iterator[Hit]:
        name = _static_name(reference.get("referenceName")) if isinstance(reference, dict) else None
        target = view.lookup("pipeline", name) if name else None
        if target is None:
            return
        missing = _missing(_required(target.properties), supplied)
        broken = [(n, use) for n in missing for use in [_null_breaking_use(view, target, n)] if use]
        if broken:
            shown = "; ".join(f"'{n}': {use}" for n, use in broken)
            yield Hit(f"{path}.parameters", _needs(target.label, [n for n, _ in broken]) +
                      f"; ADF passes null, which fails where the pipeline uses it ({shown})",
                      severity=WARNING, activity=activity)


def _guarded(activity: Activity | None, parameter: str) -> bool:
    """True when an If Condition or Switch around the activity tests the parameter for null (empty, coalesce, equals)."""
    for container in activity.ancestors() if activity is not None else ():
        props = container.type_properties
        test = props.get("expression") if container.kind in ("ifcondition", "switch") else None
        if test is not None and parameter.lower() in text_of(test).lower() and tests_for_null(text_of(test), parameter):
            return True
    return False


def _null_breaking_use(view: FactoryView, target: Any, parameter: str) -> str | None:
    """How an active activity of pipeline `target` uses `parameter` in a way that fails on null (None: it copes)."""
    context = view.context(target)
    for site in context.sites:  # active activities only: an inactive one never runs
        if parameter.lower() not in site.text.lower():
            continue
        found = null_breaking_use(site.text, parameter)
        if found is not None and not _guarded(site.activity, parameter):
            where = f"'{site.activity.name}'" if site.activity else site.path
            return f"{where} {found[0]}"
    return None


class BadDependsOn(Rule):
    """`dependsOn` naming an activity that is not in the same scope, the activity itself, or forming a cycle.

    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "A", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1},
             "dependsOn": [{"activity": "B", "dependencyConditions": ["Succeeded"]}]},
            {"name": "B", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1},
             "dependsOn": [{"activity": "A", "dependencyConditions": ["Succeeded"]}]}]}}

    Good:
        {"pipeline/pl_x": {"activities": [
            {"name": "A", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
            {"name": "B", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1},
             "dependsOn": [{"activity": "A", "dependencyConditions": ["Succeeded"]}]}]}}
    """

    code = "RF009"
    name = "bad-depends-on"
    message = "dependsOn names an unknown activity or forms a cycle"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        pipeline = ctx.pipeline
        everywhere = {a.name.lower() for a in pipeline.everything}
        scopes: dict[int, list[Activity]] = {}
        names_in: dict[int, set[str]] = {}  # per scope, once: per activity it made a long pipeline quadratic
        for activity in pipeline.all:
            scopes.setdefault(id(activity.scope), activity.scope)
            siblings = names_in.get(id(activity.scope))
            if siblings is None:
                siblings = names_in[id(activity.scope)] = {a.name.lower() for a in activity.scope}
            for index, name in enumerate(activity.depends_on()):
                path = f"{activity.path}.dependsOn[{index}].activity"
                if name.lower() == activity.name.lower():
                    yield Hit(path, f"'{activity.name}' depends on itself", activity=activity.name)
                elif name.lower() not in siblings:
                    where = ("is in another scope (a container's inside or outside)" if name.lower() in everywhere
                             else "does not exist")
                    yield Hit(path, f"dependsOn '{name}' {where}; an activity can only depend on activities "
                                    f"in the same list", activity=activity.name)
        for scope in scopes.values():
            yield from _cycles(scope)


def _cycles(scope: list[Activity]) -> Iterator[Hit]:
    by_name: dict[str, Activity] = {}
    for activity in scope:
        by_name.setdefault(activity.name.lower(), activity)  # a duplicate name is RF010's finding
    state: dict[str, int] = {}  # 1 visiting, 2 done
    reported: set[frozenset[str]] = set()

    def visit(name: str, trail: list[str]) -> Iterator[Hit]:
        state[name] = 1
        trail.append(name)
        for dep in (d.lower() for d in by_name[name].depends_on()):
            if dep not in by_name or dep == name:
                continue
            if state.get(dep) == 1:
                cycle = trail[trail.index(dep):]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    first = by_name[cycle[0]]
                    shown = [by_name[n].name for n in cycle + [cycle[0]]]
                    yield Hit(f"{first.path}.dependsOn", "dependsOn cycle: " + " -> ".join(shown),
                              activity=first.name)
            elif state.get(dep) is None:
                yield from visit(dep, trail)
        trail.pop()
        state[name] = 2

    for activity in scope:
        if activity.name.lower() not in state:
            yield from visit(activity.name.lower(), [])


class DuplicateName(Rule):
    """Two resources of one kind, or two activities of one pipeline, with the same name (ADF names are case-insensitive).

    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
            {"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 2}}]}}

    Good:
        {"pipeline/pl_x": {"activities": [
            {"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
            {"name": "Pause Again", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 2}}]}}
    """

    code = "RF010"
    name = "duplicate-name"
    message = "name is used twice"
    factory_wide = True

    def check_factory(self, view: FactoryView) -> Iterator[Hit]:
        seen: dict[tuple[str, str], Any] = {}
        for entry in view.factory.entries:
            key = (entry.kind, entry.name.lower())
            if key in seen:
                yield Hit("name", f"{entry.kind} name '{entry.name}' is also used by {seen[key].file}", entry=entry)
            else:
                seen[key] = entry
        for entry in view.factory.entries:
            if entry.kind != "pipeline":
                continue
            names: dict[str, Activity] = {}
            for activity in view.context(entry).pipeline.everything:
                if activity.name.lower() in names:
                    yield Hit(f"{activity.path}.name", f"activity name '{activity.name}' is used twice in this pipeline",
                              activity=activity.name, entry=entry)
                else:
                    names[activity.name.lower()] = activity


class InvalidName(Rule):
    """A resource name that breaks ADF's naming rules for its kind (https://learn.microsoft.com/azure/data-factory/naming-rules).

    Names start with a letter and contain none of . + ? / < > * % & : \\ #; linked service, dataset and data flow
    names contain no dashes; no quote (it ends the '...' literals that name the resource in ARM and expressions)
    and no control characters; at most 260 characters.

    Bad:
        {"linkedService/ls-api": {"type": "RestService", "typeProperties": {"url": "https://x", "authenticationType": "Anonymous"}}}

    Good:
        {"linkedService/ls_api": {"type": "RestService", "typeProperties": {"url": "https://x", "authenticationType": "Anonymous"}}}
    """

    code = "RF011"
    name = "invalid-name"
    message = "name is not a valid ADF name"
    severity_note = "warning for a name that starts with a digit or '_'"

    def check(self, ctx: Context) -> Iterator[Hit]:
        for problem in name_problems(ctx.entry.kind, ctx.entry.name):
            if problem == START_WITH_LETTER and ctx.entry.name[0] in FIRST_CHARACTER_TOLERATED:
                yield Hit("name", f"name {ctx.entry.name!r}: {problem} (documented; ADF has been seen to accept "
                          "a digit or '_' first)", severity=WARNING)
            else:
                yield Hit("name", f"name {ctx.entry.name!r}: {problem}")


class DataFlowReference(Rule):
    """A data flow source, sink or transformation naming a dataset, linked service or flowlet the factory lacks.

    Data flows live in `dataflow/` (Git) or as `dataflows` resources (ARM); each source and sink names the
    dataset (or, inline, the linked service) it reads or writes. Severity follows RF007: an error in a
    complete factory, a warning in a folder that may be a partial checkout.

    Bad:
        {"dataflow/df_flatten": {"type": "MappingDataFlow", "typeProperties": {
            "sources": [{"name": "In", "dataset": {"referenceName": "ds_missing", "type": "DatasetReference"}}],
            "sinks": [], "transformations": [], "scriptLines": ["source() ~> In"]}}}

    Good:
        {"linkedService/ls_blob": {"type": "AzureBlobStorage", "typeProperties": {"serviceEndpoint": "https://acct.blob.core.windows.net/"}},
         "dataset/ds_in": {"type": "Json", "linkedServiceName": {"referenceName": "ls_blob", "type": "LinkedServiceReference"},
            "typeProperties": {"location": {"type": "AzureBlobStorageLocation", "container": "in"}}},
         "dataflow/df_flatten": {"type": "MappingDataFlow", "typeProperties": {
            "sources": [{"name": "In", "dataset": {"referenceName": "ds_in", "type": "DatasetReference"}}],
            "sinks": [], "transformations": [], "scriptLines": ["source() ~> In"]}}}
    """

    code = "RF012"
    name = "data-flow-reference"
    message = "data flow names a resource that is not in the factory"
    severity_note = "warning in a partial Git folder (no factory/, or --partial)"
    factory_wide = True

    def check_factory(self, view: FactoryView) -> Iterator[Hit]:
        flows = data_flows(view.factory)
        if not flows:
            return
        severity = ERROR if view.factory.complete else WARNING
        flow_names = {e.name.lower() for e in flows}
        for entry in flows:
            for path, kind, name in data_flow_references(entry.properties):
                known = flow_names if kind == "dataflow" else view.lower_names[kind]
                if name.lower() not in known:
                    yield Hit(path, f"{kind} '{name}' (used by data flow '{entry.name}') is not in this factory",
                              severity=severity, entry=entry)
