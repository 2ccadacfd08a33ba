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

With a selection (--include/--exclude/--filter), a line whose objects are all outside it is skipped: not applied,
not checked beyond naming an object of the folder, and reported as skipped; a line naming no object of the folder
at all (published or not) is still an error. A line whose name matches objects on both sides applies to those
inside only.
"""

from __future__ import annotations

import copy
import csv
import fnmatch
import io
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from adfgen.azure.filters import folder_of
from adfgen.azure.source import unpublished
from adfgen.azure.stage_edit import apply_one, expand_env
from adfgen.core.errors import AdfgenError, Problem
from adfgen.core.resources import KINDS, Resource
from adfgen.core.wording import plural

HEADER = ["type", "name", "path", "value"]
# azure.datafactory.tools' folder types; adfgen deploys only KINDS of them
ADFT_TYPES = {t.lower(): t for t in ("integrationRuntime", "pipeline", "dataset", "dataflow", "linkedService",
                                     "trigger", "managedVirtualNetwork", "managedPrivateEndpoint", "factory",
                                     "credential")}
_EXPRESSION = re.compile(r"\$\((?!\$Env:[A-Za-z_][A-Za-z0-9_]*\))", re.IGNORECASE)  # `$(` not opening `$($Env:X)`
CANNOT = "cannot apply"  # the `where` of a Problem about a line adfgen can never apply (not a typo to fix)


@dataclass(frozen=True)
class Override:
    """One line of a stage config: which objects, which property, what to do, where it was written."""

    kind: str  # adfgen kind, e.g. "linkedService"
    pattern: str  # object name, wildcards allowed
    action: str  # "update" | "add" | "remove"
    path: str  # relative to properties, as written (without +/- and $.properties.)
    value: str
    origin: str  # file:line, for messages
    line: int = 0  # the CSV form's line (0 in the JSON form)
    entry: str = ""  # the JSON form's `name[index]` (empty in the CSV form)


@dataclass(frozen=True)
class SourceObject:
    """An object of the source folder a stage line may name: kind, name and ADF folder (for `@folder` patterns)."""

    kind: str
    name: str
    folder: str = ""


def _everything(kind: str, name: str, folder: str) -> bool:
    return True


@dataclass(frozen=True)
class StageScope:
    """What a stage config is read against besides the published resources: the folder's other objects, and
    the --include/--exclude/--filter selection (`selects(kind, name, folder)`)."""

    others: tuple[SourceObject, ...] = ()
    selects: Callable[[str, str, str], bool] = _everything


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
        action, rel = _split_action(target.strip())
        overrides.append(Override(ADFT_TYPES[kind.strip().lower()], name.strip(), action, rel, value, where, number))
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


def read_json(path: Path, objects: list[SourceObject]) -> tuple[list[Override], list[Problem]]:
    """Overrides of a JSON stage config; each top-level name takes the type of the first object it matches."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except ValueError as exc:
        return [], [Problem(str(path), 0, "", f"not valid JSON: {exc}")]
    if not isinstance(doc, dict):
        return [], [Problem(str(path), 0, "", "expected an object of object names to lists of overrides")]
    overrides, problems = [], []
    for name, items in doc.items():
        match = next((o for o in objects if _like(o.name, name)), None)
        if match is None:
            problems.append(Problem(str(path), 0, name, "matches no object in the source folder (ADFT0017)"))
            continue
        for index, item in enumerate(items if isinstance(items, list) else [items]):
            entry = f"{name}[{index}]"
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                problems.append(Problem(str(path), 0, entry, "expected {\"name\": PATH, \"value\": ...}"))
                continue
            action = str(item.get("action", "update")).lower()
            if action not in ("update", "add", "remove"):
                problems.append(Problem(str(path), 0, entry, f"action '{action}' is not update, add or remove"))
                continue
            _, rel = _split_action(item["name"])
            value = item.get("value", "")
            text = value if isinstance(value, str) else json.dumps(value)
            overrides.append(Override(match.kind, name, action, rel, text, f"{path}: {entry}", entry=entry))
    return overrides, problems


def _objects(resources: list[Resource], scope: StageScope) -> list[SourceObject]:
    """Every object of the source a line may name: the published resources first, then the others."""
    return [SourceObject(r.kind, r.name, folder_of(r.properties)) for r in resources] + list(scope.others)


def _targets(override: Override, objects: list[SourceObject],
             scope: StageScope) -> tuple[list[SourceObject], list[SourceObject]]:
    """(the objects the line names, those of them inside the selection)."""
    named = [o for o in objects if o.kind == override.kind and _like(o.name, override.pattern)]
    return named, [o for o in named if scope.selects(o.kind, o.name, o.folder)]


def _refused(file: Path, overrides: list[Override], objects: list[SourceObject],
             scope: StageScope) -> tuple[list[Override], list[Problem]]:
    """The overrides to try, and a CANNOT Problem for each that names selected objects adfgen can never change.

    A line whose objects are all outside the selection is kept (applying skips it), whatever it holds: it is not
    part of this deployment. A line naming nothing is kept too: applying reports it.
    """
    kept, refused = [], []
    for override in overrides:
        inside = _targets(override, objects, scope)[1]
        why = (_refusal(override.kind) or _expression_refusal(override.value)) if inside else ""
        if not why:
            kept.append(override)
        elif override.entry:
            refused.append(Problem(str(file), 0, f"{CANNOT}: {override.entry}", why))
        else:
            refused.append(Problem(str(file), override.line, CANNOT, why))
    return kept, refused


def read_stage(file: Path, resources: list[Resource], environ: Mapping[str, str] | None = None,
               scope: StageScope = StageScope()) -> list[Override]:
    """The overrides of a CSV or JSON stage config (raises AdfgenError with every format problem).

    When the only problems are lines adfgen can never apply, the other lines are tried on `resources` first, so
    that the error can say whether removing those lines is enough.
    """
    if not Path(file).is_file():
        raise AdfgenError(f"stage config {file}: no such file (--stage NAME reads SOURCE/deployment/config-NAME.csv)")
    objects = _objects(resources, scope)
    overrides, problems = (read_json(file, objects) if str(file).lower().endswith(".json") else read_csv(file))
    overrides, refused = _refused(file, overrides, objects, scope)
    if not problems and not refused:
        return overrides
    if problems:
        raise AdfgenError(f"stage config {file} is not valid", problems + refused)
    lines = ", ".join(str(p.line) if p.line else p.where[len(CANNOT) + 2:] for p in sorted(refused))
    noun = ("line", "lines") if all(p.line for p in refused) else ("entry", "entries")
    which = f"{noun[len(refused) > 1]} {lines}"
    try:
        apply_overrides(resources, overrides, environ, scope)
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


@dataclass
class OverrideReport:
    """How many properties each action changed, and which lines were skipped (all their objects unselected)."""

    updated: int = 0
    added: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)  # "line 3" (CSV), "df_orders[0]" (JSON)

    def describe(self, file: Path) -> str:
        """One line for the user: what the stage config changed and what it skipped."""
        text = (f"stage config {file}: {plural(self.updated, 'property', 'properties')} updated, "
                f"{self.added} added, {self.removed} removed")
        if self.skipped:
            text += f"; skipped, as every object they name is outside the selection: {', '.join(self.skipped)}"
        return text


def apply_overrides(resources: list[Resource], overrides: list[Override], environ: Mapping[str, str] | None = None,
                    scope: StageScope = StageScope()) -> tuple[list[Resource], OverrideReport]:
    """New resources with every override applied to the selected objects it names, in file order (raises
    AdfgenError with every problem); a line naming only unselected objects is skipped."""
    environ = os.environ if environ is None else environ
    changed = {(r.kind, r.name): copy.deepcopy(r.properties) for r in resources}
    objects = _objects(resources, scope)
    report = OverrideReport()
    problems: list[str] = []
    for override in overrides:
        named, selected = _targets(override, objects, scope)
        label = f"{override.origin}: {override.kind} {override.pattern}"
        if not named:
            problems.append(f"{label}: matches no {override.kind} in the source folder")
            continue
        if not selected:
            report.skipped.append(override.entry or (f"line {override.line}" if override.line else override.origin))
            continue
        try:
            value = expand_env(override.value, environ)
        except ValueError as exc:
            problems.append(f"{label}: {exc}")
            continue
        for target in selected:
            problems += _apply_to(changed, target, override, value, report, label)
    if problems:
        raise AdfgenError("the stage config does not apply; nothing was deployed:\n  " + "\n  ".join(problems))
    return [Resource(r.kind, r.name, changed[(r.kind, r.name)]) for r in resources], report


def _apply_to(changed: dict, target: SourceObject, override: Override, value: str, report: OverrideReport,
              label: str) -> list[str]:
    """Apply one override to one selected object, counting it; the problems (none when it applied)."""
    if (target.kind, target.name) not in changed:  # a selected object deploy does not publish (read_stage refuses)
        return [f"{label}: {_refusal(target.kind)}"]
    try:
        apply_one(changed[(target.kind, target.name)], override.action, override.path, value)
    except LookupError:
        return [f"{label}: {target.name} has no property {override.path} to {override.action}"]
    except ValueError as exc:
        return [f"{label}: {target.name}.{override.path}: {exc}"]
    counter = {"update": "updated", "add": "added", "remove": "removed"}[override.action]
    setattr(report, counter, getattr(report, counter) + 1)
    return []


def folder_objects(folder: Path) -> tuple[SourceObject, ...]:
    """The folder's objects deploy does not publish, and every factory/ file (azure.datafactory.tools' `factory`
    lines name the factory, whether or not it holds global parameters)."""
    folder = Path(folder)
    files = {(kind, name): rel for kind, name, rel in unpublished(folder)}
    files |= {("factory", p.stem): p.relative_to(folder).as_posix()
              for p in sorted((folder / "factory").glob("*.json"))}
    return tuple(SourceObject(kind, name, _adf_folder(folder / rel)) for (kind, name), rel in files.items())


def _adf_folder(path: Path) -> str:
    """The ADF folder of a Git file, empty when it has none or cannot be read."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return ""
    return folder_of(doc.get("properties")) if isinstance(doc, dict) else ""


def apply_stage(folder: Path, stage: str, resources: list[Resource],
                selects: Callable[[str, str, str], bool] = _everything) -> tuple[list[Resource], str]:
    """`--stage` on a source folder: the resources with its overrides applied, and a line saying what changed."""
    file = stage_file(folder, stage)
    scope = StageScope(folder_objects(folder), selects)
    resources, report = apply_overrides(resources, read_stage(file, resources, scope=scope), scope=scope)
    return resources, report.describe(file)
