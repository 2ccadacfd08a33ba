"""Run the rules over factories: per-resource and factory-wide, with --ignore and annotation suppression."""

from __future__ import annotations

import json
import re
from typing import Iterable

from adfgen.check.model import ERROR, Entry, Factory, Finding
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


def _activity_line(entry: Entry, activity: str | None) -> int:
    """The line of `"name": "<activity>"` after the resource's own line, else the resource's line."""
    if not activity or not entry.text:
        return entry.line
    needle = re.compile(r'"name"\s*:\s*' + re.escape(json.dumps(activity, ensure_ascii=False)))
    start = 0
    if entry.line > 1:
        start = _offset_of_line(entry.text, entry.line)
    match = needle.search(entry.text, start)
    if match is None:
        return entry.line
    return entry.text.count("\n", 0, match.start()) + 1


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return 0
    return offset


def _to_finding(rule: Rule, entry: Entry, hit: Hit) -> Finding:
    message = hit.message if len(hit.message) <= MAX_MESSAGE_CHARS else hit.message[:MAX_MESSAGE_CHARS] + "…"
    return Finding(file=entry.file, line=_activity_line(entry, hit.activity), code=rule.code,
                   severity=hit.severity or rule.severity, message=message, resource=entry.label,
                   path=hit.path, column=hit.column)


def _crash(rule: Rule, entry: Entry | None, factory: Factory, exc: Exception) -> Finding:
    return Finding(file=entry.file if entry else factory.root, line=entry.line if entry else 0, code=rule.code,
                   severity=ERROR, resource=entry.label if entry else "",
                   message=f"internal error in rule {rule.code} ({type(exc).__name__}: {exc}); please report it")


# A resource that repeats one mistake thousands of times must not flood the output (a 152 KB file once gave 200 MB):
# the first MAX_REPEATS findings of a rule per resource are shown, the rest folded into one counted finding.
MAX_REPEATS = 20
MAX_MESSAGE_CHARS = 1000


class _Folder:
    """Collects findings, keeping MAX_REPEATS per (resource, rule) and counting the rest."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        self.kept: dict[tuple[int, str], int] = {}
        self.folded: dict[tuple[int, str], tuple[Entry, Rule, int, bool]] = {}

    def add(self, rule: Rule, entry: Entry, hit: Hit) -> None:
        key = (id(entry), rule.code)
        if self.kept.get(key, 0) < MAX_REPEATS:
            self.kept[key] = self.kept.get(key, 0) + 1
            self.findings.append(_to_finding(rule, entry, hit))
            return
        _, _, count, error = self.folded.get(key, (entry, rule, 0, False))
        self.folded[key] = (entry, rule, count + 1, error or (hit.severity or rule.severity) == ERROR)

    def close(self) -> None:
        """One finding per folded group, an error when any folded finding was one (so the exit code holds)."""
        for entry, rule, count, error in self.folded.values():
            self.findings.append(Finding(
                entry.file, entry.line, rule.code, ERROR if error else rule.severity,
                f"{count} more {rule.code} finding{'s' if count != 1 else ''} in this resource folded "
                f"(the first {MAX_REPEATS} are shown)", entry.label))


def check_factory(factory: Factory, schema: SchemaValidator | None, rules: list[Rule]) -> list[Finding]:
    """Every finding for one factory (load findings included), before --ignore filtering."""
    view = FactoryView(factory, schema)
    findings = list(factory.load_findings)
    folder = _Folder(findings)
    suppress = {id(e): suppressed_codes(e) for e in factory.entries}
    for rule in rules:
        if rule.factory_wide:
            try:
                for hit in rule.check_factory(view):
                    if hit.entry is not None and rule.code not in suppress.get(id(hit.entry), ()):
                        folder.add(rule, hit.entry, hit)
            except Exception as exc:  # noqa: BLE001 (a rule bug must not become a traceback)
                findings.append(_crash(rule, None, factory, exc))
            continue
        for entry in factory.entries:
            if entry.kind not in rule.kinds or rule.code in suppress[id(entry)]:
                continue
            try:
                for hit in rule.check(view.context(entry)):
                    folder.add(rule, entry, hit)
            except RecursionError:
                findings.append(Finding(entry.file, entry.line, rule.code, ERROR, "resource nested too deeply to check",
                                        entry.label))
            except Exception as exc:  # noqa: BLE001
                findings.append(_crash(rule, entry, factory, exc))
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
    return sorted(set(findings))
