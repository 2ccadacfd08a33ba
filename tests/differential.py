"""Differential testing of adfgen's evaluator against Microsoft's engine on real expressions with generated scopes.

    collect(root)                 every expression-bearing string of the factories under root (Git folders and ARM
                                  templates, `arm/` copies skipped), deduplicated by text and what its references see
    scopes(expression, count)     `count` Scopes with generated values for every reference the expression makes
    engine_text(expression)       the text both engines evaluate: the clock calls rewritten to a fixed timestamp
    compare(expression, oracle)   one Outcome: equal, differ or unsupported, with the first disagreement
    tally(outcomes)               the counts behind `evaluator: N expressions, equal E, differ D, unsupported U`

Generated values follow what ADF hands an expression: pipeline parameters by their declared type (strings that look
like dates, numbers and JSON among them), activity outputs in the documented shape of their activity type, every
property path the expression reads made to exist (with a type guessed from its name), a fixed TriggerTime.
The engine's clock cannot be fixed, so `utcNow()`, `getPastTime()` and `getFutureTime()` are rewritten, for both
engines alike, into the same literal timestamp (`formatDateTime`, `subtractFromTime`, `addToTime` of it): clock
reads are compared as date arithmetic on a fixed instant, not as reads of the clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adfgen.expressions import Access, Call, ExpressionError, Index, Literal, Node, Template, parse_value, unparse
from adfgen.expressions.evaluator import UNSET, EvaluationError, Scope, evaluate
from adfgen.expressions.nodes import children
from adfgen.expressions.references import path_step, unchain

# adfgen's own limits: "... is not implemented by adfgen's evaluator", "adfgen's evaluator has no ... data"
UNSUPPORTED = "adfgen's evaluator"
NOT_IMPLEMENTED = "is not implemented by adfgen's evaluator"
FIXED_NOW = "2026-01-02T03:04:05.1234567Z"  # what utcNow() is for both engines
FIXED_CLOCK = dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=dt.timezone.utc)
TRIGGER_TIME = "2026-01-02T03:00:00.5012345Z"
VARIANTS = 3  # scopes per expression

# ---------------------------------------------------------------------------------------------- collection


@dataclass(frozen=True)
class Expression:
    """One expression-bearing string value and what its references can see."""

    text: str
    source: str  # "file: json.path", for reports
    resource_kind: str  # pipeline, dataset, linkedService, trigger
    parameters: tuple[tuple[str, str], ...] = ()  # declared (name, ADF type) of the pipeline/dataset/linked service
    variables: tuple[tuple[str, str], ...] = ()  # declared (name, type) of the pipeline's variables
    activities: tuple[tuple[str, str, bool], ...] = ()  # (name, type, firstRowOnly) of the pipeline's activities

    @property
    def key(self) -> tuple:
        """Two values with this key are the same test: same text, same declarations visible to it."""
        return (self.text, self.resource_kind, self.parameters, self.variables, self.activities)


@dataclass
class Collection:
    """The expressions of a folder, and the string values that looked like expressions but do not parse."""

    expressions: list[Expression]
    unparsable: list[tuple[str, str]]  # (source, text)


def _declared(section: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(section, dict):
        return ()
    found = []
    for name, spec in section.items():
        kind = spec.get("type") if isinstance(spec, dict) else None
        found.append((str(name), str(kind) if isinstance(kind, str) else ""))
    return tuple(sorted(found))


def collect(root: Path) -> Collection:
    """Every expression of every factory under root (see the module docstring), in a stable order."""
    from adfgen.check.sources import discover
    from adfgen.check.walk import Pipeline, pipeline_sites, resource_sites

    seen: dict[tuple, Expression] = {}
    unparsable: dict[str, str] = {}
    for factory in discover(root):
        for entry in factory.entries:
            props = entry.properties
            skip_arm = entry.origin == "arm"
            params = _declared(props.get("parameters")) if entry.kind != "trigger" else ()
            variables: tuple[tuple[str, str], ...] = ()
            activities: tuple[tuple[str, str, bool], ...] = ()
            if entry.kind == "pipeline":
                pipeline = Pipeline(props)
                sites = pipeline_sites(pipeline, skip_arm)
                variables = _declared(props.get("variables"))
                activities = tuple(sorted(
                    (a.name, a.type, a.type_properties.get("firstRowOnly") is not False) for a in pipeline.all))
            else:
                sites = resource_sites(props, skip_arm)
            for site in sites:
                source = f"{entry.file}: {site.path}"
                try:
                    template = parse_value(site.text)
                except ExpressionError:
                    unparsable.setdefault(site.text, source)
                    continue
                if template is None or not template.nodes:
                    continue
                expression = Expression(site.text, source, entry.kind, params, variables, activities)
                expression = _narrowed(expression, template)
                seen.setdefault(expression.key, expression)
    ordered = sorted(seen.values(), key=lambda e: (e.text, e.source))
    return Collection(ordered, sorted((s, t) for t, s in unparsable.items()))


def _narrowed(expression: Expression, template: Template) -> Expression:
    """Keep only the declarations the expression reads (so deduplication sees through unrelated ones)."""
    refs = list(_references(template))
    names = {(kind, name.lower()) for kind, name, _ in refs if name is not None}
    reads_all_parameters = any(kind.endswith("_whole") for kind, _, _ in refs)  # pipeline(), dataset(), ...
    param_kind = {"pipeline": "parameter", "dataset": "dataset_parameter",
                  "linkedService": "linked_service_parameter"}.get(expression.resource_kind, "parameter")
    parameters = expression.parameters if reads_all_parameters else tuple(
        p for p in expression.parameters if (param_kind, p[0].lower()) in names or ("parameter", p[0].lower()) in names)
    return dataclasses.replace(
        expression,
        parameters=parameters,
        variables=tuple(v for v in expression.variables if ("variable", v[0].lower()) in names),
        activities=tuple(a for a in expression.activities if ("activity", a[0].lower()) in names),
    )


# ---------------------------------------------------------------------------------------------- references

Path_ = tuple  # steps: str (property), int (index), Node (dynamic index)


_GROUPS = {"parameters": "parameter", "globalparameters": "global_parameter"}
_NAMED = {"activity": "activity", "variables": "variable"}
_RESOURCE = {"dataset": "dataset_parameter", "linkedservice": "linked_service_parameter"}
_TRIGGER = {"trigger": (), "triggeroutputs": ("outputs",), "triggerbody": ("outputs", "body")}


def _references(template: Template | Node) -> Iterator[tuple[str, str | None, Path_]]:
    """(kind, name, path read after it) for every accessor chain, like adfgen.expressions.references but also
    trigger()/triggerBody()/triggerOutputs() (kind "trigger") and bare pipeline().parameters reads."""
    stack: list[Node] = list(template.nodes) if isinstance(template, Template) else [template]
    while stack:
        node = stack.pop()
        base, chain = unchain(node)
        path = tuple(path_step(a) for a in chain)
        if isinstance(base, Call):
            key = base.name.lower()
            literal_arg = (base.args[0].value if len(base.args) == 1 and isinstance(base.args[0], Literal)
                           and isinstance(base.args[0].value, str) else None)
            if key in _NAMED and literal_arg is not None:
                yield _NAMED[key], literal_arg, path
            elif key == "item" and not base.args:
                yield "item", None, path
            elif key in _RESOURCE and not base.args:
                if path and isinstance(path[0], str):
                    yield _RESOURCE[key], path[0], path[1:]
                else:
                    yield _RESOURCE[key] + "_whole", None, path
            elif key in _TRIGGER and not base.args:
                yield "trigger", None, _TRIGGER[key] + path
            elif key == "pipeline" and not base.args:
                group = _GROUPS.get(path[0].lower()) if path and isinstance(path[0], str) else None
                if not path or not isinstance(path[0], str):
                    yield "pipeline_whole", None, path
                elif group is None:
                    yield "pipeline_property", path[0], path[1:]
                elif len(path) > 1 and isinstance(path[1], str):
                    yield group, path[1], path[2:]
                else:
                    yield "parameters_whole", None, path[1:]
        stack.extend(children(base))
        stack.extend(a.index for a in chain if isinstance(a, Index))


# ---------------------------------------------------------------------------------------------- values

# Candidates per declared ADF parameter type; a String parameter also holds text that looks like a date, a number,
# JSON or a list, because expressions convert such strings (formatDateTime, int, json, split).
BY_TYPE: dict[str, list[Any]] = {
    "string": ["2026-01-02T03:04:05Z", "hello world", "42", '{"id": 1, "name": "x", "tags": ["a"]}', "",
               "a,b;c", "2025-12-31", "true", "3.5", "Ünïcode ß / ?&=", "dbo.Table_1", "folder/sub/file.csv"],
    "int": [7, 0, -3, 100000],
    "float": [1.5, 0.0, -2.25, 3.0],
    "bool": [True, False],
    "array": [["a", "b"], [1, 2, 3], [], [{"id": 1, "name": "x"}, {"id": 2, "name": "y"}]],
    "object": [{"id": 1, "name": "x"}, {}, {"a": {"b": [1, 2]}, "c": "d"}],
}
BY_TYPE["securestring"] = BY_TYPE["string"]
BY_TYPE["integer"] = BY_TYPE["int"]
BY_TYPE["boolean"] = BY_TYPE["bool"]
BY_TYPE["number"] = BY_TYPE["float"]
TIMESTAMPS = ["2026-01-02T03:04:05Z", "2025-12-31T23:59:59.1234567Z", "2026-03-01", "2026-01-02T03:04:05+02:00",
              "2024-02-29T12:00:00"]
ANY = ["hello world", 42, "2026-01-02T03:04:05Z", 1.5, True, ["a", "b"], {"id": 1, "name": "x"}, "17", None,
       '{"k": "v"}', "x/y.csv"]
# What a property name suggests about its value, in order (an assumption: names in the corpus read like this).
NAME_HINTS: list[tuple[re.Pattern[str], list[Any]]] = [
    (re.compile(r"^(is|has|should)[A-Z_]|exists|enabled|success|flag|^bool", re.I), BY_TYPE["bool"]),
    (re.compile(r"date|time|modified|watermark|created|updated|since|expir|^(start|end|from|to)$", re.I),
     TIMESTAMPS),
    (re.compile(r"count|rows(read|copied|written)?$|size|number|total|length|offset|^page|limit|^exp$|num$|"
                r"duration|seconds|minutes|hours|days|^id$|index", re.I), BY_TYPE["int"]),
    (re.compile(r"(items|list|childitems|values|tables|files|columns|rows|array|resultsets)$", re.I),
     BY_TYPE["array"]),
]

_MISSING: Any = object()


def _pick(candidates: list[Any], salt: int) -> Any:
    value = candidates[salt % len(candidates)]
    return _copy(value)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _leaf(name: str | None, salt: int) -> Any:
    if name:
        for pattern, candidates in NAME_HINTS:
            if pattern.search(name):
                return _pick(candidates, salt)
    return _pick(ANY, salt)


def _put(node: Any, path: Path_, salt: int, last: str | None) -> Any:
    """node with `path` made to exist (new objects and arrays where nothing was), ending in a generated leaf."""
    if not path:
        return _leaf(last, salt) if node is _MISSING else node
    step, rest = path[0], path[1:]
    if isinstance(step, str):
        if node is _MISSING:
            node = {}
        if not isinstance(node, dict):
            return node  # the declared shape wins: reading a property of a string fails in ADF too
        key = next((k for k in node if k == step), None) or next((k for k in node if k.lower() == step.lower()), step)
        node[key] = _put(node.get(key, _MISSING), rest, salt, step)
        return node
    if isinstance(step, int):
        if node is _MISSING:
            node = []
        if not isinstance(node, list) or step < 0 or step > 20:
            return node
        while len(node) <= step:
            node.append(_MISSING)
        for i in range(step + 1):  # every element up to the index gets the same shape
            node[i] = _put(node[i], rest, salt + i, last)
        return node
    return _leaf(last, salt) if node is _MISSING else node  # a dynamic index: nothing to shape


def _shaped(base: Any, paths: Iterable[Path_], salt: int, last: str | None = None) -> Any:
    value = base
    for path in sorted(paths, key=len, reverse=True):  # longest first, so objects are not replaced by leaves
        value = _put(value, path, salt, last)
    return _leaf(last, salt) if value is _MISSING else value


def _declared_value(kind: str, paths: list[Path_], salt: int, name: str) -> Any:
    candidates = BY_TYPE.get(kind.lower())
    if candidates is None:
        return _shaped(_MISSING, paths, salt, name)
    base = _pick(candidates, salt)
    if isinstance(base, (dict, list)):
        return _shaped(base, paths, salt, name)
    return base


# Documented output shapes per activity type (an activity's value is {"output", "status", "error"}, as DFTF gives it).
# Lookup: https://learn.microsoft.com/azure/data-factory/control-flow-lookup-activity (firstRow, or count + value)
# Copy: https://learn.microsoft.com/azure/data-factory/copy-activity-monitoring (dataRead, rowsCopied, ...)
# Get Metadata: https://learn.microsoft.com/azure/data-factory/control-flow-get-metadata-activity
# Execute Pipeline: https://learn.microsoft.com/azure/data-factory/control-flow-execute-pipeline-activity
#   (pipelineRunId; pipelineReturnValue: https://learn.microsoft.com/azure/data-factory/tutorial-pipeline-return-value)
# Script: https://learn.microsoft.com/azure/data-factory/transform-data-using-script (resultSets, recordsAffected)
# Filter: https://learn.microsoft.com/azure/data-factory/control-flow-filter-activity (Value, ItemsCount; observed)
# Web / Azure Function / WebHook: the response's JSON body (documented), ADFWebActivityResponseHeaders (observed).
# Set Variable: {"name", "value"} (observed in the monitoring view); ForEach, Until, If, Switch, Wait: {} (observed).
def _activity_output(kind: str, first_row_only: bool, salt: int) -> Any:
    kind = kind.lower()
    rows = [[{"id": 1, "name": "x", "value": "2026-01-02T03:04:05Z"}, {"id": 2, "name": "y", "value": "7"}], []]
    ir = "AutoResolveIntegrationRuntime (West Europe)"
    if kind == "lookup":
        if first_row_only:
            return {"firstRow": dict(rows[0][salt % 2]), "effectiveIntegrationRuntime": ir}
        chosen = _copy(rows[salt % 2])
        return {"count": len(chosen), "value": chosen, "effectiveIntegrationRuntime": ir}
    if kind == "copy":
        n = (0, 10, 12345)[salt % 3]
        return {"dataRead": n * 100, "dataWritten": n * 90, "filesRead": 1, "filesWritten": 1, "rowsRead": n,
                "rowsCopied": n, "rowsSkipped": 0, "copyDuration": 3, "throughput": 0.33, "errors": [],
                "sourcePeakConnections": 1, "sinkPeakConnections": 1, "usedDataIntegrationUnits": 4,
                "usedParallelCopies": 1, "effectiveIntegrationRuntime": ir,
                "executionDetails": [{"status": "Succeeded", "duration": 3, "source": {"type": "RestService"},
                                      "sink": {"type": "AzureBlobFS"}}]}
    if kind == "getmetadata":
        children = [[{"name": "a.csv", "type": "File"}, {"name": "sub", "type": "Folder"}], []][salt % 2]
        return {"exists": salt % 3 != 2, "itemName": "a.csv", "itemType": "File", "size": 1024,
                "lastModified": "2026-01-02T03:04:05Z", "created": "2025-12-31T23:59:59Z",
                "childItems": _copy(children), "contentMD5": "1B2M2Y8AsgTpgAmY7PhCfg==", "columnCount": 2,
                "structure": [{"name": "id", "type": "Int32"}, {"name": "name", "type": "String"}],
                "effectiveIntegrationRuntime": ir}
    if kind == "executepipeline":
        return {"pipelineName": "pl_child", "pipelineRunId": "6a7b0e9c-0000-4000-8000-00000000000c",
                "pipelineReturnValue": {}}
    if kind == "script":
        return {"resultSetCount": 1, "recordsAffected": 0,
                "resultSets": [{"rowCount": 1, "rows": [{"id": 1, "name": "x"}]}],
                "outputParameters": {}, "outputLogs": "", "outputLogsLocation": "", "outputTruncated": False,
                "effectiveIntegrationRuntime": ir}
    if kind == "filter":
        chosen = _copy(rows[salt % 2])
        return {"ItemsCount": 2, "FilteredItemsCount": len(chosen), "Value": chosen}
    if kind == "setvariable":
        return {"name": "v", "value": "x"}
    if kind in ("webactivity", "azurefunctionactivity", "webhook"):
        return {"ADFWebActivityResponseHeaders": {"Content-Type": "application/json; charset=utf-8"},
                "effectiveIntegrationRuntime": ir}
    if kind in ("foreach", "until", "ifcondition", "switch", "wait", "appendvariable", "fail", "validation"):
        return {}
    if kind.startswith("databricks"):
        return {"runPageUrl": "https://adb-1.azuredatabricks.net/?o=1#job/1/run/1", "runOutput": None,
                "executionDuration": 12, "effectiveIntegrationRuntime": ir}
    return _MISSING  # unknown type: only what the expression reads


def _activity_value(name: str, kind: str, first_row_only: bool, paths: list[Path_], salt: int) -> dict[str, Any]:
    output = _activity_output(kind, first_row_only, salt)
    out_paths = [p[1:] for p in paths if p and isinstance(p[0], str) and p[0].lower() == "output"]
    failed = any(p and isinstance(p[0], str) and p[0].lower() == "error" for p in paths) and salt % 2 == 1
    output = _shaped(output if output is not _MISSING else {}, out_paths, salt, "output")
    error = None
    if failed:
        error = {"errorCode": "2011", "message": "The request failed: 404 Not Found", "failureType": "UserError",
                 "target": name, "details": ""}
    value = {"output": output, "status": "Failed" if failed else ("Succeeded", "Succeeded", "Skipped")[salt % 3],
             "error": error}
    # Other run properties an expression reads (Duration, ActivityRunId, ExecutionStartTime, ... as the monitoring
    # view shows them; the bare engine knows only output, status and error) are made to exist.
    extra = [p for p in paths if p and isinstance(p[0], str) and p[0].lower() not in ("output", "status", "error")]
    return _shaped(value, extra, salt)


def _system(paths_by_name: dict[str, list[Path_]], salt: int) -> dict[str, Any]:
    """pipeline() system values (https://learn.microsoft.com/azure/data-factory/control-flow-system-variables)."""
    system: dict[str, Any] = {
        "DataFactory": "adf-test", "Pipeline": "pl_test", "RunId": "3b1f5e0c-0000-4000-8000-000000000001",
        "TriggerType": ("Manual", "ScheduleTrigger", "PipelineActivity")[salt % 3], "TriggerId": "08585",
        "TriggerName": "trg_daily", "TriggerTime": TRIGGER_TIME, "GroupId": "3b1f5e0c-0000-4000-8000-000000000002",
        "TriggeredByPipelineName": "pl_parent", "TriggeredByPipelineRunId": "3b1f5e0c-0000-4000-8000-000000000003",
    }
    for name, paths in paths_by_name.items():
        key = next((k for k in system if k.lower() == name.lower()), None)
        if key is None:
            continue  # an unknown system value stays missing, as in ADF
        system[key] = _shaped(system[key], paths, salt, key)
    return system


# Trigger outputs: https://learn.microsoft.com/azure/data-factory/control-flow-system-variables#trigger-scope
def _trigger(paths: list[Path_], salt: int) -> dict[str, Any]:
    value = {"name": "trg_daily", "startTime": TRIGGER_TIME, "scheduledTime": "2026-01-02T03:00:00Z",
             "outputs": {"windowStartTime": "2026-01-01T00:00:00Z", "windowEndTime": "2026-01-02T00:00:00Z",
                         "body": {"folderPath": "container/in", "fileName": "a.csv", "event": {"data": {}}}}}
    return _shaped(value, paths, salt, "trigger")


def scopes(expression: Expression, count: int = VARIANTS) -> list[Scope]:
    """`count` scopes for expression: every reference made to exist, values varying from scope to scope."""
    template = parse_value(expression.text)
    grouped: dict[tuple[str, str | None], list[Path_]] = {}
    order: dict[tuple[str, str | None], int] = {}
    spelling: dict[tuple[str, str | None], str] = {}  # as first written, for undeclared names
    for kind, name, path in _references(template):
        ref = (kind, name.lower() if name else None)
        grouped.setdefault(ref, []).append(path)
        order.setdefault(ref, len(order))
        spelling.setdefault(ref, name or "")
    seed = zlib.crc32(expression.text.encode())
    return [_scope(expression, grouped, order, spelling, seed + k) for k in range(count)]


def _scope(expression: Expression, grouped: dict, order: dict, spelling: dict, seed: int) -> Scope:
    declared = {n.lower(): (n, t) for n, t in expression.parameters}
    variables_declared = {n.lower(): (n, t) for n, t in expression.variables}
    activities_declared = {n.lower(): (n, t, f) for n, t, f in expression.activities}

    def salt(ref) -> int:
        return seed + 7 * order[ref]

    parameters: dict[str, Any] = {}
    resource: dict[str, Any] = {}
    param_kind = {"dataset": "dataset_parameter", "linkedService": "linked_service_parameter"}.get(
        expression.resource_kind, "parameter")
    for lower, (name, kind) in declared.items():  # every declared parameter exists, read or not
        ref = (param_kind, lower)
        value = _declared_value(kind, grouped.get(ref, []), salt(ref) if ref in order else seed, name)
        (parameters if param_kind == "parameter" else resource)[name] = value
    globals_: dict[str, Any] = {}
    variables: dict[str, Any] = {}
    activities: dict[str, Any] = {}
    system_paths: dict[str, list[Path_]] = {}
    item: Any = UNSET
    trigger_paths: list[Path_] = []
    for ref, paths in grouped.items():
        kind, lower = ref
        if kind == param_kind and lower in declared:
            continue
        if kind in ("parameter", "dataset_parameter", "linked_service_parameter"):
            target = parameters if kind == "parameter" else resource
            target.setdefault(spelling[ref], _shaped(_MISSING, paths, salt(ref), lower))
        elif kind == "global_parameter":
            globals_[spelling[ref]] = _shaped(_MISSING, paths, salt(ref), lower)
        elif kind == "variable":
            name, vtype = variables_declared.get(lower, (spelling[ref], ""))
            variables[name] = _declared_value(vtype, paths, salt(ref), name)
        elif kind == "activity":
            name, atype, first_row = activities_declared.get(lower, (spelling[ref], "", True))
            activities[name] = _activity_value(name, atype, first_row, paths, salt(ref))
        elif kind == "item":
            item = _shaped(_MISSING, paths, salt(ref), "item")
        elif kind == "pipeline_property":
            system_paths[lower] = paths
        elif kind == "trigger":
            trigger_paths.extend(paths)
    return Scope(
        parameters=parameters,
        global_parameters=globals_,
        system=_system(system_paths, seed),
        variables=variables,
        activities=activities,
        item=item,
        dataset=resource if expression.resource_kind == "dataset" else None,
        linked_service=resource if expression.resource_kind == "linkedService" else None,
        trigger=_trigger(trigger_paths, seed) if trigger_paths or expression.resource_kind == "trigger" else None,
        clock=lambda: FIXED_CLOCK,
    )


# ---------------------------------------------------------------------------------------------- the clock

_CLOCK = {"utcnow", "getpasttime", "getfuturetime"}


def _rewrite(node: Node, target: bool = False) -> Node:
    """node with every clock call replaced by the same computation on FIXED_NOW."""
    if isinstance(node, Access):
        return Access(_rewrite(node.target, True), node.name, node.null_safe, node.position)
    if isinstance(node, Index):
        return Index(_rewrite(node.target, True), _rewrite(node.index), node.null_safe, node.position)
    if not isinstance(node, Call):
        return node
    args = tuple(_rewrite(a) for a in node.args)
    key = node.key
    now = Literal(FIXED_NOW, node.position)
    if key == "utcnow" and not args:
        # a literal cannot carry accessors, so a read like utcNow().x goes through string()
        return Call("string", (now,), node.position) if target else now
    if key == "utcnow" and len(args) == 1:
        return Call("formatDateTime", (now, *args), node.position)
    if key == "getpasttime" and len(args) in (2, 3):
        return Call("subtractFromTime", (now, *args), node.position)
    if key == "getfuturetime" and len(args) in (2, 3):
        return Call("addToTime", (now, *args), node.position)
    return Call(node.name, args, node.position)


def _render(template: Template) -> str:
    """The string value of a template again (canonical expression text)."""
    if template.is_whole:
        return "@" + unparse(template.parts[0])  # type: ignore[arg-type]
    return "".join(p.replace("@{", "@@{") if isinstance(p, str) else "@{" + unparse(p) + "}" for p in template.parts)


def reads_clock(template: Template) -> bool:
    """True when the template calls utcNow, getPastTime or getFutureTime."""
    from adfgen.expressions import walk

    return any(isinstance(n, Call) and n.key in _CLOCK for n in walk(template))


def engine_text(expression: Expression | str) -> str:
    """The text both engines evaluate: the original, or with clock calls rewritten to FIXED_NOW."""
    text = expression if isinstance(expression, str) else expression.text
    try:
        template = parse_value(text)
    except ExpressionError:
        return text  # both engines get to reject it
    if template is None or not reads_clock(template):
        return text
    rewritten = Template(tuple(p if isinstance(p, str) else _rewrite(p) for p in template.parts), template.is_whole)
    return _render(rewritten)


# ---------------------------------------------------------------------------------------------- comparison

_RANDOM = re.compile(r"\b(guid|rand)\s*\(", re.IGNORECASE)
_TRIGGER_CALL = re.compile(r"\b(trigger|triggerBody|triggerOutputs)\(\s*\)", re.IGNORECASE)
_TRIGGER_FORM = {"trigger": "pipeline().trigger", "triggerbody": "pipeline().trigger.outputs.body",
                 "triggeroutputs": "pipeline().trigger.outputs"}


def typed(value: Any) -> Any:
    """value with its JSON type part of equality (True is not 1, 1 is not 1.0)."""
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, dict):
        return ("dict", {k: typed(v) for k, v in value.items()})
    return (type(value).__name__, value)


def _shape(value: Any) -> Any:
    """value with what guid() and rand() make up blurred: hex digits and numbers keep only their type."""
    if isinstance(value, str):
        return ("str", re.sub(r"[0-9a-fA-F]+", "h", value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return type(value).__name__
    if isinstance(value, list):
        return ("list", [_shape(v) for v in value])
    if isinstance(value, dict):
        return ("dict", {k: _shape(v) for k, v in value.items()})
    return typed(value)


def ours(text: str, scope: Scope) -> tuple[str, Any]:
    """("ok", value), ("error", message), ("unsupported", message) or ("crash", what) from adfgen's evaluator."""
    try:
        return "ok", evaluate(text, scope)
    except EvaluationError as error:
        return ("unsupported" if UNSUPPORTED in error.message else "error"), error.message
    except ExpressionError as error:  # a syntax error: the engine rejects the text too, or it is a difference
        return "error", str(error)
    except Exception as error:  # noqa: BLE001 - a crash is a difference to report, not a test error
        return "crash", f"{type(error).__name__}: {error}"


def oracle_call(text: str) -> tuple[str, bool]:
    """The text handed to the engine, and whether it reads the trigger.

    The bare engine's trigger() is Logic Apps' (its body is the run's parameters); ADF's trigger() object is
    handed to it as pipeline().trigger, the same way DFTF hands it dataset() as pipeline().dataset.
    """
    if not _TRIGGER_CALL.search(text):
        return text, False
    return _TRIGGER_CALL.sub(lambda m: _TRIGGER_FORM[m.group(1).lower()], text), True


def engine(oracle: Any, text: str, scope: Scope) -> tuple[str, Any]:
    """The engine's ("ok", value) or ("error", message) for text in scope."""
    form, reads_trigger = oracle_call(text)
    if reads_trigger:
        scope = dataclasses.replace(scope, system={**scope.system, "trigger": scope.trigger or {}})
    return oracle.evaluate(form, scope)


@dataclass
class Outcome:
    """How one expression fared over its scopes; `detail` shows the first disagreement."""

    expression: Expression
    status: str  # equal, differ, unsupported
    detail: str = ""
    both_failed: int = 0  # scopes where both engines failed


def compare(expression: Expression, oracle: Any, count: int = VARIANTS) -> Outcome:
    """Evaluate expression in each generated scope with both engines; equal values (with types) or both failing."""
    text = engine_text(expression)
    blur = _shape if _RANDOM.search(text) else typed
    status, detail, both_failed = "equal", "", 0
    for scope in scopes(expression, count):
        mine = ours(text, scope)
        if mine[0] == "unsupported":
            return Outcome(expression, "unsupported", mine[1])
        theirs = engine(oracle, text, scope)
        if mine[0] == "error" and theirs[0] == "error":
            both_failed += 1
            continue
        if mine[0] == theirs[0] == "ok" and blur(mine[1]) == blur(theirs[1]):
            continue
        if status == "equal":
            status, detail = "differ", f"engine {theirs[0]}: {theirs[1]!r}; adfgen {mine[0]}: {mine[1]!r}"
    return Outcome(expression, status, detail, both_failed)


@dataclass
class Tally:
    """Counts over outcomes."""

    outcomes: list[Outcome]

    def count(self, status: str) -> int:
        """How many outcomes have status."""
        return sum(o.status == status for o in self.outcomes)

    def line(self) -> str:
        """`evaluator: N expressions, equal E, differ D, unsupported U`."""
        return (f"evaluator: {len(self.outcomes)} expressions, equal {self.count('equal')}, "
                f"differ {self.count('differ')}, unsupported {self.count('unsupported')}")

    def failures(self) -> list[Outcome]:
        """The outcomes that are not equal."""
        return [o for o in self.outcomes if o.status != "equal"]


def tally(expressions: Iterable[Expression], oracle: Any, count: int = VARIANTS) -> Tally:
    """compare() every expression."""
    return Tally([compare(e, oracle, count) for e in expressions])


def unsupported_functions(outcomes: Iterable[Outcome]) -> dict[str, int]:
    """Function name -> how many expressions stopped at it, for reports."""
    found: dict[str, int] = {}
    for outcome in outcomes:
        if outcome.status == "unsupported":
            match = re.search(r"function '([^']+)'", outcome.detail)
            name = match.group(1) if match else "?"
            found[name] = found.get(name, 0) + 1
    return dict(sorted(found.items(), key=lambda kv: -kv[1]))
