"""Per-stage property overrides for `deploy --source`, in azure.datafactory.tools' stage config format.

The format and its semantics follow azure.datafactory.tools (documented:
https://github.com/Azure-Player/azure.datafactory.tools/blob/master/docs/GUIDE/CONFIGURATION.md; read from its
source, private/Read-CsvConfigFile.ps1, Read-JsonConfigFile.ps1, Update-PropertiesFromFile.ps1, ObjectProperty.ps1):

- CSV `type,name,path,value` with that header (case-insensitive: ADFT compares it with PowerShell's `-ne`); `#` lines and blank lines are skipped; a fifth column is an error.
  JSON `{"<name>": [{"name": "<path>", "value": ..., "action": "update|add|remove"}]}`, the type taken from the
  object the name matches.
- `name` may hold wildcards (PowerShell `-like`: `*`, `?`, `[a-z]`, case-insensitive).
- `path` is relative to `properties` (a leading `$.properties.` is dropped); `+path` adds a property (intermediate
  objects created, the value a string; a property that exists is an error, as PowerShell's Add-Member without
  -Force fails on it), `-path` removes one; `[0]` indexes an array, `["Copy Data"]` picks the
  element with that `name`. `$.x` (as the documentation's JSON example writes it) means `$.properties.x`.
- An update converts the value to the type of the value it replaces: number, boolean, JSON object or array
  (JSON, or single-quoted JSON as PowerShell's ConvertFrom-Json reads it); an empty value only for strings.
- `$($Env:NAME)` and `$Env:NAME` in a value are replaced by the environment variable.

Stricter than azure.datafactory.tools, deliberately: an override that matches no object, a path that does not
exist (for update and remove), an unset environment variable or any other PowerShell `$(...)` expression is an
error, never skipped with a warning; every problem is reported at once and nothing is deployed. Lines adfgen
cannot apply at all (objects it does not publish, such as `factory` global parameters, and `$(...)` expressions
other than `$($Env:NAME)`) are named with their line and reason; when every other line applies the message says
so, so that removing those lines is known to be enough.
"""

from __future__ import annotations

import copy
import csv
import fnmatch
import io
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from adfgen.core.errors import AdfgenError, Problem
from adfgen.core.resources import KINDS, Resource

HEADER = ["type", "name", "path", "value"]
# azure.datafactory.tools' folder types; adfgen deploys only KINDS of them
ADFT_TYPES = {t.lower(): t for t in ("integrationRuntime", "pipeline", "dataset", "dataflow", "linkedService",
                                     "trigger", "managedVirtualNetwork", "managedPrivateEndpoint", "factory",
                                     "credential")}
_ENV_TOKEN = re.compile(r"\$\(\$Env:([A-Za-z_][A-Za-z0-9_]*)\)|\$Env:([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_EXPRESSION = re.compile(r"\$\((?!\$Env:[A-Za-z_][A-Za-z0-9_]*\))", re.IGNORECASE)  # `$(` not opening `$($Env:X)`
CANNOT = "cannot apply"  # the `where` of a Problem about a line adfgen can never apply (not a typo to fix)
_SEGMENT = re.compile(r"""\[(?:(\d+)|"([^"]*)"|'([^']*)')\]|([^.\[\]]+)""")


@dataclass(frozen=True)
class Override:
    """One line of a stage config: which objects, which property, what to do, where it was written."""

    kind: str  # adfgen kind, e.g. "linkedService"
    pattern: str  # object name, wildcards allowed
    action: str  # "update" | "add" | "remove"
    path: str  # relative to properties, as written (without +/- and $.properties.)
    value: str
    origin: str  # file:line, for messages


def stage_file(source: Path, stage: str) -> Path:
    """`--stage UAT` → SOURCE/deployment/config-UAT.csv; a value ending .csv/.json is the file itself.

    The name matches case-insensitively (`config-uat.csv` too): azure.datafactory.tools joins the stage into the
    path as given, which Windows agents resolve case-insensitively, and its docs write the files in lower case.
    """
    if stage.lower().endswith((".csv", ".json")):
        return Path(stage)
    exact = Path(source) / "deployment" / f"config-{stage}.csv"
    if exact.is_file():
        return exact
    wanted = exact.name.lower()
    found = sorted(p for p in exact.parent.glob("*") if p.name.lower() == wanted and p.is_file())
    if len(found) > 1:
        raise AdfgenError(f"--stage {stage}: {', '.join(str(p) for p in found)} differ only in case; "
                          "pass the file itself")
    return found[0] if found else exact


def _split_action(path: str) -> tuple[str, str]:
    action = "update"
    if path.startswith("+"):
        action, path = "add", path[1:]
    elif path.startswith("-"):
        action, path = "remove", path[1:]
    if path.startswith("$.properties."):
        path = path[len("$.properties."):]
    elif path.startswith("$."):  # the JSON form's documented example writes `$.activities[1]...` for properties
        path = path[2:]
    return action, path


def read_csv(path: Path) -> tuple[list[Override], list[Problem]]:
    """Overrides of a CSV stage config, and its format problems."""
    text = Path(path).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    problems: list[Problem] = []
    header = [c.strip() for c in rows[0]] if rows else []
    if [c.lower() for c in header] != HEADER:
        return [], [Problem(str(path), 1, "", "the header must be exactly: type,name,path,value, in any case "
                                              "(ADFT0020)")]
    overrides = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        where = f"{path}:{number}"
        if len(row) > 4:
            problems.append(Problem(str(path), number, "", "too many columns; quote values that hold commas"))
            continue
        kind, name, target, value = (row + ["", "", "", ""])[:4]
        problem = _row_problem(kind, name, target)
        if problem:
            problems.append(Problem(str(path), number, "", problem))
            continue
        refusal = _refusal(kind.strip()) or _expression_refusal(value)
        if refusal:
            problems.append(Problem(str(path), number, CANNOT, refusal))
            continue
        action, rel = _split_action(target.strip())
        overrides.append(Override(ADFT_TYPES[kind.strip().lower()], name.strip(), action, rel, value, where))
    return overrides, problems


def _row_problem(kind: str, name: str, target: str) -> str:
    kind = kind.strip()
    if not kind:
        return "the type column is empty"
    if kind.lower() not in ADFT_TYPES:
        return f"type '{kind}' is not one of {', '.join(sorted(ADFT_TYPES.values()))}"
    if not name.strip():
        return "the name column is empty"
    if not target.strip():
        return "the path column is empty"
    action, rel = _split_action(target.strip())
    if not rel or rel.startswith("$"):
        return f"path '{target.strip()}' must be relative to properties or start with $.properties."
    return ""


def _refusal(kind: str) -> str:
    """Why a line of this type can never apply (empty when it can)."""
    adft = ADFT_TYPES[kind.lower()]
    if adft == "factory":
        return ("type 'factory' overrides the factory resource (its global parameters), which adfgen deploy never "
                f"changes: it publishes only {', '.join(KINDS)}, so this override is not supported")
    if adft not in KINDS:
        return (f"type '{kind}': adfgen deploy does not publish {adft} objects (only {', '.join(KINDS)}), "
                "so this override is not supported")
    return ""


def _expression_refusal(value: str) -> str:
    """Why a value with a PowerShell expression can never apply (empty when it has none); the value is not shown."""
    if _EXPRESSION.search(value):
        return ("the value holds a PowerShell expression $(...) other than $($Env:NAME); azure.datafactory.tools "
                "evaluates it (ExpandString), adfgen does not run PowerShell: write the value, or pass it through "
                "an environment variable as $($Env:NAME)")
    return ""


def read_json(path: Path, resources: list[Resource]) -> tuple[list[Override], list[Problem]]:
    """Overrides of a JSON stage config; each top-level name takes the type of the first object it matches."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except ValueError as exc:
        return [], [Problem(str(path), 0, "", f"not valid JSON: {exc}")]
    if not isinstance(doc, dict):
        return [], [Problem(str(path), 0, "", "expected an object of object names to lists of overrides")]
    overrides, problems = [], []
    for name, items in doc.items():
        match = next((r for r in resources if _like(r.name, name)), None)
        if match is None:
            problems.append(Problem(str(path), 0, name, "matches no object in the source folder (ADFT0017)"))
            continue
        for index, item in enumerate(items if isinstance(items, list) else [items]):
            where = f"{path}: {name}[{index}]"
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                problems.append(Problem(str(path), 0, f"{name}[{index}]", "expected {\"name\": PATH, \"value\": ...}"))
                continue
            action = str(item.get("action", "update")).lower()
            if action not in ("update", "add", "remove"):
                problems.append(Problem(str(path), 0, f"{name}[{index}]", f"action '{action}' is not update, add or remove"))
                continue
            _, rel = _split_action(item["name"])
            value = item.get("value", "")
            text = value if isinstance(value, str) else json.dumps(value)
            refusal = _refusal(match.kind) or _expression_refusal(text)
            if refusal:
                problems.append(Problem(str(path), 0, f"{CANNOT}: {name}[{index}]", refusal))
                continue
            overrides.append(Override(match.kind, name, action, rel, text, where))
    return overrides, problems


def read_stage(file: Path, resources: list[Resource], environ: Mapping[str, str] | None = None) -> list[Override]:
    """The overrides of a CSV or JSON stage config (raises AdfgenError with every format problem).

    When the only problems are lines adfgen can never apply, the other lines are tried on `resources` first, so
    that the error can say whether removing those lines is enough.
    """
    if not Path(file).is_file():
        raise AdfgenError(f"stage config {file}: no such file (--stage NAME reads SOURCE/deployment/config-NAME.csv)")
    overrides, problems = (read_json(file, resources) if str(file).lower().endswith(".json")
                           else read_csv(file))
    if not problems:
        return overrides
    refused = [p for p in problems if p.where.startswith(CANNOT)]
    if len(refused) < len(problems):
        raise AdfgenError(f"stage config {file} is not valid", problems)
    lines = ", ".join(str(p.line) if p.line else p.where[len(CANNOT) + 2:] for p in sorted(refused))
    noun = ("line", "lines") if all(p.line for p in refused) else ("entry", "entries")
    which = f"{noun[len(refused) > 1]} {lines}"
    try:
        apply_overrides(resources, overrides, environ)
    except AdfgenError as exc:
        raise AdfgenError(f"stage config {file} is not valid: adfgen cannot apply {which}, and other lines do not "
                          f"apply either; nothing was deployed:\n  " + "\n  ".join(map(str, sorted(refused)))
                          + "\n  " + str(exc).split(":\n  ", 1)[-1]) from None
    raise AdfgenError(f"stage config {file}: adfgen cannot apply {which} (below); every other line applies, so the "
                      f"config deploys once {'those' if len(refused) > 1 else 'that'} {noun[len(refused) > 1]} "
                      f"{'are' if len(refused) > 1 else 'is'} removed. "
                      "Nothing was deployed.", refused)


# ---------------------------------------------------------------- applying

def _like(name: str, pattern: str) -> bool:
    """PowerShell `-like`: wildcards, case-insensitive."""
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def _segments(path: str) -> list[Any]:
    """`a.b[0]["X"]` → ["a", "b", 0, ("X",)]: ints index arrays, 1-tuples pick an element by its name."""
    out: list[Any] = []
    position = 0
    for match in _SEGMENT.finditer(path):
        if path[position:match.start()] not in ("", "."):
            raise ValueError(f"cannot read the path '{path}'")
        index, double, single, key = match.groups()
        if index is not None:
            out.append(int(index))
        elif double is not None or single is not None:
            out.append((double if double is not None else single,))
        else:
            out.append(key)
        position = match.end()
    if path[position:] or not out:
        raise ValueError(f"cannot read the path '{path}'")
    return out


def _child(node: Any, step: Any) -> tuple[Any, Any]:
    """(container key, child) for one step, or raise LookupError."""
    if isinstance(step, int):
        if isinstance(node, list) and 0 <= step < len(node):
            return step, node[step]
        raise LookupError(f"[{step}]")
    if isinstance(step, tuple):
        if isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, dict) and str(item.get("name", "")).lower() == step[0].lower():
                    return i, item
        raise LookupError(f'["{step[0]}"]')
    if isinstance(node, dict):
        if step in node:
            return step, node[step]
        for key in node:  # PowerShell reads property names case-insensitively
            if isinstance(key, str) and key.lower() == step.lower():
                return key, node[key]
    raise LookupError(step)


def _convert(value: str, current: Any) -> Any:
    """The value as the type of the one it replaces (raises ValueError)."""
    if isinstance(current, str) or current is None:
        return value
    if value == "":
        raise ValueError(f"an empty value cannot replace a {type(current).__name__}")
    if isinstance(current, bool):
        if value.strip().lower() not in ("true", "false", "$true", "$false"):
            raise ValueError("the value is not a boolean (true or false)")
        return value.strip().lower().lstrip("$") == "true"
    if isinstance(current, (int, float)):
        try:
            number = float(value)
        except ValueError:
            raise ValueError("the value is not a number") from None
        return int(number) if number.is_integer() and isinstance(current, int) else number
    try:
        parsed = json.loads(value)
    except ValueError:
        try:  # ConvertFrom-Json accepts single-quoted strings: {'type': 'int32'}
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            raise ValueError("the value is not JSON") from None
    if not isinstance(parsed, type(current)):
        raise ValueError(f"the value is not a JSON {'object' if isinstance(current, dict) else 'array'}")
    return parsed


def expand_env(value: str, environ: Mapping[str, str]) -> str:
    """Replace `$($Env:NAME)` / `$Env:NAME` (raises ValueError for an unset one or another `$(...)`)."""
    def substitute(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name not in environ:
            raise ValueError(f"environment variable {name} is not set")
        return environ[name]

    expanded = _ENV_TOKEN.sub(substitute, value)
    leftover = re.search(r"\$\((?!\$Env:)", value, re.IGNORECASE)
    if leftover:
        raise ValueError("only $($Env:NAME) is expanded here; other PowerShell expressions are not evaluated")
    return expanded


def _apply_one(properties: dict, override: Override, value: str) -> None:
    """Apply one override to one object's properties (raises LookupError/ValueError)."""
    steps = _segments(override.path)
    node: Any = properties
    for step in steps[:-1]:
        try:
            _, node = _child(node, step)
        except LookupError:
            if override.action != "add" or not isinstance(step, str) or not isinstance(node, dict):
                raise
            node[step] = {}
            node = node[step]
    last = steps[-1]
    if override.action == "add":
        if not isinstance(node, dict) or not isinstance(last, str):
            raise LookupError(str(last))
        if any(isinstance(key, str) and key.lower() == last.lower() for key in node):
            # azure.datafactory.tools' Add-ObjectProperty uses Add-Member without -Force, which fails on an
            # existing member (documented: https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/add-member)
            raise ValueError("the property exists already: + adds a new one; write the path without + to update it")
        node[last] = value
        return
    key, current = _child(node, last)
    if override.action == "remove":
        del node[key]
    else:
        node[key] = _convert(value, current)


@dataclass
class OverrideReport:
    """How many properties each action changed."""

    updated: int = 0
    added: int = 0
    removed: int = 0


def apply_overrides(resources: list[Resource], overrides: list[Override],
                    environ: Mapping[str, str] | None = None) -> tuple[list[Resource], OverrideReport]:
    """New resources with every override applied, in file order (raises AdfgenError with every problem)."""
    environ = os.environ if environ is None else environ
    changed = {(r.kind, r.name): copy.deepcopy(r.properties) for r in resources}
    report = OverrideReport()
    problems: list[str] = []
    for override in overrides:
        matches = [r for r in resources if r.kind == override.kind and _like(r.name, override.pattern)]
        label = f"{override.origin}: {override.kind} {override.pattern}"
        if not matches:
            problems.append(f"{label}: matches no {override.kind} in the source folder")
            continue
        try:
            value = expand_env(override.value, environ)
        except ValueError as exc:
            problems.append(f"{label}: {exc}")
            continue
        for resource in matches:
            try:
                _apply_one(changed[(resource.kind, resource.name)], override, value)
            except LookupError:
                problems.append(f"{label}: {resource.name} has no property {override.path} to {override.action}")
                continue
            except ValueError as exc:
                problems.append(f"{label}: {resource.name}.{override.path}: {exc}")
                continue
            counter = {"update": "updated", "add": "added", "remove": "removed"}[override.action]
            setattr(report, counter, getattr(report, counter) + 1)
    if problems:
        raise AdfgenError("the stage config does not apply; nothing was deployed:\n  " + "\n  ".join(problems))
    return [Resource(r.kind, r.name, changed[(r.kind, r.name)]) for r in resources], report
