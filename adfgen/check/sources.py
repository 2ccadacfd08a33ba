"""Find and load what `check` checks: Git-integration folders, ARM templates, or the specs and their build.

Loading is tolerant: a file that cannot be read becomes a finding (code SC001), never an exception.
Reference policy: an adfgen build and an ARM template that exports a whole factory (it has a `factoryName`
parameter and linked services) are complete, so a reference to a missing resource is an error; a Git folder
may be a partial checkout (or a subset), so such references are warnings unless `complete=True` (--complete).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from adfgen.check.model import ERROR, WARNING, Entry, Factory, Finding
from adfgen.check.positions import PositionMap, to_pointer
from adfgen.check.walk import ARM_EXPRESSION
from adfgen.core.regular_files import FileTooLarge, NotRegularFile, read_regular_file
from adfgen.core.resources import KIND_BY_ARM_SEGMENT, KINDS, Resource, sort_resources

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_INT_DIGITS = 4300  # Python's default int-string conversion limit (sys.get_int_max_str_digits())
SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv"}
ARM_COPY_FOLDER = "arm"
OTHER_FOLDERS = ("dataflow", "integrationRuntime", "credential", "managedVirtualNetwork", "factory")
_ARM_NAME = re.compile(r"""^\[concat\(\s*parameters\(\s*'factoryName'\s*\)\s*,\s*'/(.*)'\s*\)\]$""", re.DOTALL)
_ARM_LITERAL_BODY = re.compile(r"^(?:[^']|'')*$", re.DOTALL)
_DF_TYPE = "microsoft.datafactory/factories"


def display(path: Path) -> str:
    """A path relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return str(path)


def _finding(file: str, message: str, line: int = 0, code: str = "SC001", severity: str = ERROR,
             column: int = 0) -> Finding:
    return Finding(file=file, line=line, code=code, severity=severity, message=message, column=column)


def _finding_at(file: str, text: str | None, elements: list[str | int], message: str, code: str = "SC001",
                severity: str = ERROR) -> Finding:
    """A load finding about the value at `elements` in the file (its nearest existing parent when absent)."""
    if not text:
        return Finding(file, 0, code, severity, message, pointer=to_pointer(elements))
    positions = PositionMap(text)
    offset, depth = positions.find(elements)
    line, column = positions.position(offset)
    end_line, end_column = positions.position(positions.end(offset))
    return Finding(file, line, code, severity, message, column=column, pointer=to_pointer(elements[:depth]),
                   missing=to_pointer(elements[depth:]), end_line=end_line, end_column=end_column)


class Unreadable(Exception):
    """A file that is not read: not a regular file, or over the size limit."""


def read_bytes(path: Path) -> bytes:
    """A regular file's bytes, at most MAX_FILE_BYTES; FIFOs and devices are refused (they block or never end)."""
    try:
        return read_regular_file(path, MAX_FILE_BYTES, f"{MAX_FILE_BYTES // 1024 // 1024} MB")
    except NotRegularFile:
        raise Unreadable("not a regular file (a directory, FIFO, device or socket); not checked") from None
    except FileTooLarge as exc:
        raise Unreadable(f"file {exc}; not checked") from None


def _bounded_int(text: str) -> int:
    """int() for JSON integers, refusing more digits than Python converts (its int-string limit)."""
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise Unreadable(f"an integer has {len(text.lstrip('-')):,} digits; at most {MAX_INT_DIGITS:,} can be read")
    return int(text)


def read_json(path: Path, shown: str) -> tuple[Any, str | None, Finding | None]:
    """(document, text, None) or (None, None, finding) for a file that is not readable JSON."""
    try:
        data = read_bytes(path)
    except Unreadable as exc:
        return None, None, _finding(shown, str(exc))
    except OSError as exc:
        return None, None, _finding(shown, f"cannot read file: {exc.strerror or exc}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, None, _finding(shown, f"not UTF-8 text (byte {exc.start})")
    try:
        return json.loads(text, parse_int=_bounded_int), text, None
    except json.JSONDecodeError as exc:
        return None, None, _finding(shown, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                                    exc.lineno, column=exc.colno)
    except Unreadable as exc:
        return None, None, _finding(shown, f"{exc}; not checked")
    except RecursionError:
        return None, None, _finding(shown, "invalid JSON: nested too deeply")


def line_of(text: str | None, needle: str, start: int = 0) -> int:
    """1-based line of the first `needle` at or after `start` in `text`, 0 when absent."""
    if not text:
        return 0
    index = text.find(needle, start)
    return text.count("\n", 0, index) + 1 if index >= 0 else 0


# ---------------------------------------------------------------- Git-integration folders

def is_factory_root(directory: Path) -> bool:
    """True when the directory holds at least one of the resource folders (pipeline/, dataset/, ...)."""
    return any((directory / kind).is_dir() for kind in KINDS)


def load_git_factory(root: Path, complete: bool = False) -> Factory:
    """Load `<root>/{linkedService,dataset,pipeline,trigger}/*.json` tolerantly."""
    factory = Factory(name=root.resolve().name, root=display(root), complete=complete)
    for kind in KINDS:
        folder = root / kind
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            shown = display(path)
            doc, text, problem = read_json(path, shown)
            if problem:
                factory.load_findings.append(problem)
                continue
            if not isinstance(doc, dict):
                factory.load_findings.append(_finding_at(
                    shown, text, [], f"expected a JSON object with name and properties, found {type(doc).__name__}"))
                continue
            name = doc.get("name", path.stem)
            if not isinstance(name, str) or not name:
                factory.load_findings.append(_finding_at(shown, text, ["name"], "'name' must be a non-empty string"))
                name = path.stem
            properties = doc.get("properties")
            if not isinstance(properties, dict):
                what = "missing" if properties is None else f"a {type(properties).__name__}, not an object"
                factory.load_findings.append(_finding_at(shown, text, ["properties"], f"'properties' is {what}"))
                continue
            if name != path.stem:
                factory.load_findings.append(_finding_at(
                    shown, text, ["name"],
                    f"file name {path.name!r} does not match the resource name {name!r}; ADF expects <name>.json",
                    code="SC004", severity=WARNING))
            factory.entries.append(Entry(Resource(kind, name, properties), shown, 1, text))
    for other in OTHER_FOLDERS:
        folder = root / other
        if folder.is_dir():
            factory.other_names[other] = {p.stem for p in folder.glob("*.json")}
    _read_global_parameters(root, factory)
    factory.entries = _sorted(factory.entries)
    return factory


def _read_global_parameters(root: Path, factory: Factory) -> None:
    """Global parameter names from factory/<name>.json, when there is exactly one readable factory file."""
    files = sorted((root / "factory").glob("*.json")) if (root / "factory").is_dir() else []
    if len(files) != 1:
        return
    doc, _, problem = read_json(files[0], display(files[0]))
    if problem or not isinstance(doc, dict):
        return
    props = doc.get("properties")
    params = props.get("globalParameters") if isinstance(props, dict) else None
    if isinstance(params, dict):  # newer factories keep global parameters out of this file: then unknown
        factory.global_parameters = set(params)


def _sorted(entries: list[Entry]) -> list[Entry]:
    order = {id(r): i for i, r in enumerate(sort_resources([e.resource for e in entries]))}
    return sorted(entries, key=lambda e: order[id(e.resource)])


# ---------------------------------------------------------------- ARM templates

def is_arm_template(doc: Any) -> bool:
    """True for an ARM template with at least one Data Factory resource."""
    if not isinstance(doc, dict) or not isinstance(doc.get("resources"), list):
        return False
    return any(isinstance(r, dict) and isinstance(r.get("type"), str) and r["type"].lower().startswith(_DF_TYPE)
               for r in doc["resources"])


def arm_resource_name(raw: Any) -> str | None:
    """`x` from `[concat(parameters('factoryName'), '/x')]` or `factory/x`; None when not a plain name."""
    if not isinstance(raw, str):
        return None
    match = _ARM_NAME.match(raw)
    if match:
        if not _ARM_LITERAL_BODY.match(match.group(1)):
            return None  # a quote not doubled ends the ARM string literal: the expression is invalid
        return match.group(1).replace("''", "'")
    if ARM_EXPRESSION.match(raw):
        return None
    return raw.rsplit("/", 1)[-1] if "/" in raw else raw


def _add_arm_resource(factory: Factory, raw: dict, index: int, arm_type: str, line: int, shown: str,
                      text: str | None) -> None:
    """File one Data Factory resource of an ARM template: the factory's global parameters, a checked entry, the
    name of another kind, or a load finding."""
    raw_name = raw.get("name")
    segments = arm_type.split("/")
    if len(segments) == 2:  # the factory itself
        props = raw.get("properties")
        if isinstance(props, dict) and isinstance(props.get("globalParameters"), dict):
            factory.global_parameters = set(props["globalParameters"])
        return
    name = arm_resource_name(raw_name)
    kind = KIND_BY_ARM_SEGMENT.get(segments[2].lower())
    if kind is None:
        if segments[2].lower() == "globalparameters" and isinstance(raw.get("properties"), dict):
            factory.global_parameters = set(raw["properties"])
        elif name:
            factory.other_names.setdefault(segments[2].lower(), set()).add(name)
        return
    if name is None:
        factory.load_findings.append(_finding_at(shown, text, ["resources", index, "name"],
                                                 f"resources[{index}]: cannot read a resource name from {raw_name!r}"))
        return
    properties = raw.get("properties")
    if not isinstance(properties, dict):
        factory.load_findings.append(_finding_at(shown, text, ["resources", index, "properties"],
                                                 f"{kind.name} {name}: 'properties' must be an object"))
        return
    factory.entries.append(Entry(Resource(kind.name, name, properties), shown, line, text, origin="arm",
                                 pointer=to_pointer(["resources", index])))


def load_arm_factory(path: Path, doc: Any = None, text: str | None = None) -> Factory:
    """Load the Data Factory resources of an ARM template tolerantly."""
    shown = display(path)
    factory = Factory(name=path.stem, root=shown)
    if doc is None:
        doc, text, problem = read_json(path, shown)
        if problem:
            factory.load_findings.append(problem)
            return factory
    if not isinstance(doc, dict) or not isinstance(doc.get("resources"), list):
        factory.load_findings.append(_finding_at(shown, text, ["resources"] if isinstance(doc, dict) else [],
                                                 "not an ARM template: expected an object with a 'resources' array"))
        return factory
    params = doc.get("parameters") if isinstance(doc.get("parameters"), dict) else {}
    cursor, cursor_line = 0, 1  # lines are counted from the previous resource on: linear in the template's size
    for index, raw in enumerate(doc["resources"]):
        if not isinstance(raw, dict):
            factory.load_findings.append(_finding_at(shown, text, ["resources", index], f"resources[{index}] is not an object"))
            continue
        arm_type = raw.get("type")
        if not isinstance(arm_type, str) or not arm_type.lower().startswith(_DF_TYPE):
            continue
        raw_name = raw.get("name")
        line = 0
        found = text.find(json.dumps(raw_name), cursor) if isinstance(raw_name, str) and text else -1
        if found >= 0:
            cursor_line += text.count("\n", cursor, found)
            cursor, line = found, cursor_line
        _add_arm_resource(factory, raw, index, arm_type, line, shown, text)
    factory.complete = "factoryName" in params and any(e.kind == "linkedService" for e in factory.entries)
    factory.entries = _sorted(factory.entries)
    return factory


# ---------------------------------------------------------------- discovery

def discover(path: Path, complete: bool = False) -> list[Factory]:
    """Every factory at or below `path`: Git folders (by their resource folders) and ARM templates.

    The `arm/` folder of a Git folder is skipped: it holds the ARM copy of that same factory.
    """
    if path.is_file():
        shown = display(path)
        doc, text, problem = read_json(path, shown)
        factory = Factory(name=path.stem, root=shown)
        if problem:
            factory.load_findings.append(problem)
            return [factory]
        if isinstance(doc, dict) and isinstance(doc.get("resources"), list):
            return [load_arm_factory(path, doc, text)]
        factory.load_findings.append(_finding_at(
            shown, text, ["resources"] if isinstance(doc, dict) else [],
            "not an ARM template (no 'resources' array); pass the folder that holds pipeline/, dataset/, ... instead"))
        return [factory]
    found: list[Factory] = []
    for directory, subdirs, files in os.walk(path):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS and not d.startswith("."))
        here = Path(directory)
        if is_factory_root(here):
            found.append(load_git_factory(here, complete))
            # arm/ inside a Git folder is adfgen's ARM copy of the same resources: checking it too would
            # report every finding twice. Pass the template itself to check it.
            subdirs[:] = [d for d in subdirs if d not in KINDS and d not in OTHER_FOLDERS and d != ARM_COPY_FOLDER]
        for file_name in sorted(files):
            if not file_name.lower().endswith(".json") or file_name.lower().startswith("armtemplateparameters"):
                continue
            file_path = here / file_name
            try:
                head = read_bytes(file_path)
            except (Unreadable, OSError) as exc:  # said, not skipped silently: it may be a template
                shown = display(file_path)
                reason = str(exc) if isinstance(exc, Unreadable) else f"cannot read file: {exc.strerror or exc}"
                unread = Factory(name=file_path.stem, root=shown)
                unread.load_findings.append(_finding(shown, reason, severity=WARNING))
                found.append(unread)
                continue
            if b"Microsoft.DataFactory/factories/" not in head and b"microsoft.datafactory/factories/" not in head.lower():
                continue
            doc, text, problem = read_json(file_path, display(file_path))
            if problem is None and is_arm_template(doc):
                found.append(load_arm_factory(file_path, doc, text))
    return found
