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
    return Finding(file=entry.file, line=_activity_line(entry, hit.activity), code=rule.code,
                   severity=hit.severity or rule.severity, message=hit.message, resource=entry.label,
                   path=hit.path, column=hit.column)


def _crash(rule: Rule, entry: Entry | None, factory: Factory, exc: Exception) -> Finding:
    return Finding(file=entry.file if entry else factory.root, line=entry.line if entry else 0, code=rule.code,
                   severity=ERROR, resource=entry.label if entry else "",
                   message=f"internal error in rule {rule.code} ({type(exc).__name__}: {exc}); please report it")


def check_factory(factory: Factory, schema: SchemaValidator | None, rules: list[Rule]) -> list[Finding]:
    """Every finding for one factory (load findings included), before --ignore filtering."""
    view = FactoryView(factory, schema)
    findings = list(factory.load_findings)
    suppress = {id(e): suppressed_codes(e) for e in factory.entries}
    for rule in rules:
        if rule.factory_wide:
            try:
                for hit in rule.check_factory(view):
                    if hit.entry is not None and rule.code not in suppress.get(id(hit.entry), ()):
                        findings.append(_to_finding(rule, hit.entry, hit))
            except Exception as exc:  # noqa: BLE001 (a rule bug must not become a traceback)
                findings.append(_crash(rule, None, factory, exc))
            continue
        for entry in factory.entries:
            if entry.kind not in rule.kinds or rule.code in suppress[id(entry)]:
                continue
            try:
                for hit in rule.check(view.context(entry)):
                    findings.append(_to_finding(rule, entry, hit))
            except RecursionError:
                findings.append(Finding(entry.file, entry.line, rule.code, ERROR, "resource nested too deeply to check",
                                        entry.label))
            except Exception as exc:  # noqa: BLE001
                findings.append(_crash(rule, entry, factory, exc))
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
