"""Run the rules over factories: per-resource and factory-wide, with --ignore and annotation suppression."""

from __future__ import annotations

from typing import Iterable, NamedTuple

from adfgen.check.model import ERROR, Entry, Factory, Finding
from adfgen.check.paths import parse_loose, parse_path
from adfgen.check.positions import PositionMap, from_pointer, to_pointer
from adfgen.check.rules import all_rules
from adfgen.check.rules.base import FactoryView, Hit, Rule
from adfgen.check.schema import SchemaValidator

SUPPRESS_PREFIX = "adfgen:ignore="


def suppressed_codes(entry: Entry) -> set[str]:
    """Codes listed in the resource's `adfgen:ignore=CODE[,CODE]` annotations."""
    annotations = entry.properties.get("annotations")
    codes: set[str] = set()
    if isinstance(annotations, list):
        for item in annotations:
            if isinstance(item, str) and item.startswith(SUPPRESS_PREFIX):
                codes |= {c.strip().upper() for c in item[len(SUPPRESS_PREFIX):].split(",") if c.strip()}
    return codes


class Located(NamedTuple):
    """Where a rule's path is in a file: pointer, missing rest, start and end (0, 0 when the end is unknown)."""

    pointer: str
    missing: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0


class Locator:
    """Finds the pointer, line and column of a rule's path in an entry's file (one position map per text)."""

    def __init__(self) -> None:
        self._maps: dict[int, PositionMap] = {}

    def _map(self, text: str) -> PositionMap:
        found = self._maps.get(id(text))
        if found is None or found.text is not text:
            found = self._maps[id(text)] = PositionMap(text)
        return found

    def locate(self, entry: Entry, path: str | None) -> Located:
        """Where `path` is inside the entry's properties (None: the resource itself), start and end.

        A path naming a value the file lacks resolves to its nearest existing parent; `missing` is the rest.
        `name` is the resource's own name (rules say `name` for it; `properties` has no such key).
        """
        base = from_pointer(entry.pointer)
        if path is None:
            elements, rest = [], ""
        elif path == "name" and "name" not in entry.properties:
            elements, rest = ["name"], ""
        else:
            found, rest = parse_path(entry.properties, path)
            elements = ["properties", *found]
        wanted = base + elements
        missing = parse_loose(rest)
        if not entry.text:
            return Located(to_pointer(wanted), to_pointer(missing), entry.line, 0)
        try:
            positions = self._map(entry.text)
            offset, depth = positions.find(wanted)
            line, column = positions.position(offset)
            end_line, end_column = positions.position(positions.end(offset))
        except (IndexError, AttributeError, ValueError):  # text that is not the JSON the entry came from
            return Located(to_pointer(wanted), to_pointer(missing), entry.line, 0)
        if depth < len(wanted):  # the parsed document and its text disagree (should not happen): say the rest
            missing = wanted[depth:] + missing
            wanted = wanted[:depth]
        return Located(to_pointer(wanted), to_pointer(missing), line, column, end_line, end_column)


def _to_finding(rule: Rule, entry: Entry, hit: Hit, locator: Locator) -> Finding:
    message = hit.message if len(hit.message) <= MAX_MESSAGE_CHARS else hit.message[:MAX_MESSAGE_CHARS] + "…"
    where = locator.locate(entry, hit.path)
    return Finding(file=entry.file, line=where.line, code=rule.code, severity=hit.severity or rule.severity,
                   message=message, resource=entry.label, path=hit.path, column=where.column, pointer=where.pointer,
                   missing=where.missing, expression_column=hit.column, end_line=where.end_line,
                   end_column=where.end_column)


def _about_resource(entry: Entry, locator: Locator, code: str, severity: str, message: str) -> Finding:
    """A finding about a whole resource (a crash, a folded group), placed at the resource."""
    where = locator.locate(entry, None)
    return Finding(entry.file, where.line, code, severity, message, entry.label, column=where.column,
                   pointer=where.pointer, end_line=where.end_line, end_column=where.end_column)


def _crash(rule: Rule, entry: Entry | None, factory: Factory, exc: Exception, locator: Locator) -> Finding:
    message = f"internal error in rule {rule.code} ({type(exc).__name__}: {exc}); please report it"
    if entry is None:
        return Finding(file=factory.root, line=0, code=rule.code, severity=ERROR, message=message)
    return _about_resource(entry, locator, rule.code, ERROR, message)


# A resource that repeats one mistake thousands of times must not flood the output (a 152 KB file once gave 200 MB):
# the first MAX_REPEATS findings of a rule per resource are shown, the rest folded into one counted finding.
MAX_REPEATS = 20
MAX_MESSAGE_CHARS = 1000


class _Folder:
    """Collects findings, keeping MAX_REPEATS per (resource, rule) and counting the rest."""

    def __init__(self, findings: list[Finding], locator: Locator):
        self.findings = findings
        self.locator = locator
        self.kept: dict[tuple[int, str], int] = {}
        self.folded: dict[tuple[int, str], tuple[Entry, Rule, int, bool]] = {}

    def add(self, rule: Rule, entry: Entry, hit: Hit) -> None:
        key = (id(entry), rule.code)
        if self.kept.get(key, 0) < MAX_REPEATS:
            self.kept[key] = self.kept.get(key, 0) + 1
            self.findings.append(_to_finding(rule, entry, hit, self.locator))
            return
        _, _, count, error = self.folded.get(key, (entry, rule, 0, False))
        self.folded[key] = (entry, rule, count + 1, error or (hit.severity or rule.severity) == ERROR)

    def close(self) -> None:
        """One finding per folded group, an error when any folded finding was one (so the exit code holds)."""
        for entry, rule, count, error in self.folded.values():
            self.findings.append(_about_resource(
                entry, self.locator, rule.code, ERROR if error else rule.severity,
                f"{count} more {rule.code} finding{'s' if count != 1 else ''} in this resource folded "
                f"(the first {MAX_REPEATS} are shown)"))


def check_factory(factory: Factory, schema: SchemaValidator | None, rules: list[Rule]) -> list[Finding]:
    """Every finding for one factory (load findings included), before --ignore filtering."""
    view = FactoryView(factory, schema)
    findings = list(factory.load_findings)
    locator = Locator()
    folder = _Folder(findings, locator)
    suppress = {id(e): suppressed_codes(e) for e in factory.entries}
    for rule in rules:
        if rule.factory_wide:
            try:
                for hit in rule.check_factory(view):
                    if hit.entry is not None and rule.code not in suppress.get(id(hit.entry), ()):
                        folder.add(rule, hit.entry, hit)
            except Exception as exc:  # noqa: BLE001 (a rule bug must not become a traceback)
                findings.append(_crash(rule, None, factory, exc, locator))
            continue
        for entry in factory.entries:
            if entry.kind not in rule.kinds or rule.code in suppress[id(entry)]:
                continue
            try:
                for hit in rule.check(view.context(entry)):
                    folder.add(rule, entry, hit)
            except RecursionError:
                findings.append(_about_resource(entry, locator, rule.code, ERROR, "resource nested too deeply to check"))
            except Exception as exc:  # noqa: BLE001
                findings.append(_crash(rule, entry, factory, exc, locator))
    folder.close()
    return findings


def run_checks(factories: Iterable[Factory], schema: SchemaValidator | None,
               ignore: Iterable[str] = ()) -> list[Finding]:
    """Findings for all factories, sorted by file and line, without the ignored codes."""
    ignored = {c.upper() for c in ignore}
    rules = [r for r in all_rules() if r.code not in ignored]
    findings: list[Finding] = []
    for factory in factories:
        findings += [f for f in check_factory(factory, schema, rules) if f.code not in ignored]
    return sorted(set(findings), key=lambda f: (f.file, f.line, f.column, f))
