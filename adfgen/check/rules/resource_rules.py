"""RF: referenced resources exist (linked services, datasets, pipelines, data flows) with their required parameters."""

from __future__ import annotations

from typing import Any, Iterator

from adfgen.check.dataflows import data_flow_references, data_flows
from adfgen.check.exprs import null_breaking_use, tests_for_null
from adfgen.check.model import ERROR, WARNING
from adfgen.check.paths import activity_of_path, join_key
from adfgen.check.rules.base import Context, FactoryView, Hit, Rule
from adfgen.check.rules.reference_rules import lower_set, static_name
from adfgen.check.semantics import text_of
from adfgen.check.walk import Activity, under_inactive


REFERENCE_KINDS = {"LinkedServiceReference": "linkedService", "DatasetReference": "dataset",
                   "PipelineReference": "pipeline"}
OTHER_REFERENCES = {"DataFlowReference": ("dataflow", "dataflows")}


def _references(ctx: Context) -> Iterator[tuple[int, dict, str]]:
    """(tree node, reference object, kind) for every resource reference in a resource (none in inactive activities)."""
    pipeline = ctx.pipeline
    for index, obj in ctx.tree.dicts:
        kind = obj.get("type")
        if isinstance(kind, str) and (kind in REFERENCE_KINDS or kind in OTHER_REFERENCES) and "referenceName" in obj:
            if pipeline is not None and pipeline.inactive_paths and under_inactive(pipeline, ctx.tree.path(index)):
                continue
            yield index, obj, kind


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
            name = static_name(obj.get("referenceName"))
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
                          f"{target} '{name}' is not in this factory", 0, severity, activity_of_path(path))


def _required(properties: Any) -> list[str]:
    params = properties.get("parameters") if isinstance(properties, dict) else None
    if not isinstance(params, dict):
        return []
    return [n for n, spec in params.items() if not (isinstance(spec, dict) and "defaultValue" in spec)]


def _missing(required: list[str], supplied: Any) -> list[str]:
    if isinstance(supplied, str):  # an ARM expression or dynamic object: cannot tell
        return []
    given = lower_set(supplied) if isinstance(supplied, dict) else set()
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
    A parameter given as JSON `null` counts as given: what a dataset or linked service does with an explicit
    null is not documented (assumed: it runs with null, as a pipeline does), so it is not judged.

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
            name = static_name(obj.get("referenceName"))
            target = view.lookup(REFERENCE_KINDS[kind], name) if name else None
            if target is None:
                continue
            missing = _missing(_required(target.properties), obj.get("parameters"))
            if missing:
                yield Hit.in_tree(ctx.tree, node, None, _needs(target.label, missing))
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
        name = static_name(reference.get("referenceName")) if isinstance(reference, dict) else None
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
