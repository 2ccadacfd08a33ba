"""Render findings: human (grouped by file), json, github (workflow commands), sarif (2.1.0)."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any
from urllib.parse import quote


from adfgen import __version__
from adfgen.check.model import ERROR, Finding
from adfgen.check.rules import RULE_CLASSES
from adfgen.core.wording import plural


_ANSI = {"bold": "1", "underline": "4", "red": "31", "yellow": "33", "green": "32", "cyan": "36"}


def ansi_style(text: str, fg: str | None = None, bold: bool = False, underline: bool = False) -> str:
    """Wrap text in ANSI SGR codes (the CLI decides whether colour is on; this layer knows no terminal library)."""
    codes = [_ANSI[name] for name, on in (("bold", bold), ("underline", underline)) if on]
    if fg:
        codes.append(_ANSI[fg])
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if codes else text


def summary(findings: list[Finding], resources: int, factories: int) -> dict[str, int]:
    """Counts for the footer and the JSON output (files_with_findings: files named by a finding, not files checked)."""
    errors = sum(1 for f in findings if f.severity == ERROR)
    return {"errors": errors, "warnings": len(findings) - errors, "files_with_findings": len({f.file for f in findings}),
            "resources": resources, "factories": factories}


def _summary_line(counts: dict[str, int]) -> str:
    """`3 errors, 1 warning in 2 files; 210 resources in 15 factory folders checked`.

    The file count only appears when there are findings: "in 0 files" read as if nothing was checked.
    """
    found = f"{plural(counts['errors'], 'error')}, {plural(counts['warnings'], 'warning')}"
    if counts["files_with_findings"]:
        found += f" in {plural(counts['files_with_findings'], 'file')}"
    return f"{found}; {plural(counts['resources'], 'resource')} in {plural(counts['factories'], 'factory folder')} checked"


def _where(finding: Finding) -> str:
    parts = [p for p in (finding.resource, finding.path) if p]
    return ": ".join(parts)


def _position(finding: Finding) -> str:
    """`line:column`, `line`, or `-` when the line is unknown."""
    if not finding.line:
        return "-"
    return f"{finding.line}:{finding.column}" if finding.column else str(finding.line)


def render_human(findings: list[Finding], counts: dict[str, int], color: bool | None = None,
                 notices: list[str] | tuple[str, ...] = ()) -> str:
    """Findings grouped by file, one per line, and a one-line summary (naming what failed the check besides errors)."""
    def style(text: str, **kwargs: Any) -> str:
        return ansi_style(text, **kwargs) if color else text

    lines: list[str] = []
    for file, group in groupby(findings, key=lambda f: f.file):
        lines.append(style(file, bold=True, underline=True))
        for finding in group:
            position = _position(finding)
            severity = style(f"{finding.severity:<7}", fg="red" if finding.severity == ERROR else "yellow")
            where = _where(finding)
            text = f"{where}: {finding.message}" if where else finding.message
            lines.append(f"  {position:>9}  {severity} {style(finding.code, fg='cyan')}  {text}")
        lines.append("")
    tail = _summary_line(counts)
    # A notice fails the check (exit 1): a green "0 errors" last on stdout read as a pass in saved reports.
    tail += "".join(f"; failed: {notice.split(':')[0]} (see the error on stderr)" for notice in notices)
    failed = counts["errors"] or notices
    lines.append(style(tail, bold=True, fg="red" if failed else ("yellow" if counts["warnings"] else "green")))
    return "\n".join(lines)


def render_json(findings: list[Finding], counts: dict[str, int], notices: list[str]) -> str:
    """A JSON document with the findings, counts and notices."""
    return json.dumps({"findings": [f.to_dict() for f in findings], "summary": counts, "notices": notices},
                      indent=2, ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: list[Finding], notices: list[str] = ()) -> str:
    """GitHub Actions workflow commands (`::error file=...,line=...,col=...,title=CODE::message`); notices as errors."""
    lines = [f"::error title=adfgen check::{_escape_data(notice)}" for notice in notices]
    for finding in findings:
        command = "error" if finding.severity == ERROR else "warning"
        props = [f"file={_escape_property(finding.file)}"]
        if finding.line:
            props.append(f"line={finding.line}")
            if finding.column:
                props.append(f"col={finding.column}")
        props.append(f"title={_escape_property(finding.code)}")
        where = _where(finding)
        message = f"{where}: {finding.message}" if where else finding.message
        lines.append(f"::{command} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(lines)


def _sarif_properties(finding: Finding) -> dict[str, Any]:
    """The JSON pointer (and its missing continuation) and the column inside an expression, when known."""
    found: dict[str, Any] = {}
    if finding.pointer is not None:
        found["pointer"] = finding.pointer
        if finding.missing:
            found["missing"] = finding.missing
    if finding.expression_column:
        found["expressionColumn"] = finding.expression_column
    return found


def render_sarif(findings: list[Finding], notices: list[str] = ()) -> str:
    """A SARIF 2.1.0 log with every rule in tool.driver.rules; notices as tool execution notifications."""
    rules, index = [], {}
    for i, cls in enumerate(RULE_CLASSES):
        index[cls.code] = i
        doc = (cls.__doc__ or "").strip()
        rules.append({
            "id": cls.code, "name": cls.name,
            "shortDescription": {"text": cls.message},
            "fullDescription": {"text": doc.split("\n\n", 1)[0].replace("\n", " ")},
            "help": {"text": doc},
            "defaultConfiguration": {"level": "error" if cls.severity == ERROR else "warning"},
        })
    results = []
    for finding in findings:
        where = _where(finding)
        region: dict[str, int] = {"startLine": max(finding.line, 1)}
        if finding.line and finding.column:
            region["startColumn"] = finding.column
            if finding.end_line:  # SARIF §3.30.7-8: endColumn is one past the region's last character
                region.update(endLine=finding.end_line, endColumn=finding.end_column)
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": "error" if finding.severity == ERROR else "warning",
            "message": {"text": f"{where}: {finding.message}" if where else finding.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": quote(finding.file.replace("\\", "/"))},
                "region": region,
            }}],
        }
        properties = _sarif_properties(finding)
        if properties:
            result["properties"] = properties
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        results.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        # columns count code points (Python string indexes), not SARIF's default UTF-16 code units
        "runs": [{"tool": {"driver": {"name": "adfgen check", "version": __version__, "rules": rules}},
                  "columnKind": "unicodeCodePoints", "results": results}],
    }
    if notices:  # SARIF 2.1.0 invocation.toolExecutionNotifications: problems of the run, not of the files
        log["runs"][0]["invocations"] = [{"executionSuccessful": False, "toolExecutionNotifications": [
            {"level": "error", "message": {"text": notice}} for notice in notices]}]
    return json.dumps(log, indent=2, ensure_ascii=False)


def render_rules() -> str:
    """The rule list for --list-rules: code, severity, name, message (and when the severity differs)."""
    lines = []
    for cls in RULE_CLASSES:
        note = f" ({cls.severity_note})" if cls.severity_note else ""
        lines.append(f"{cls.code}  {cls.severity:<7}  {cls.name:<34} {cls.message}{note}")
    return "\n".join(lines)
