"""The semantic diff for people and machines: plain text, Markdown for a pull-request comment, JSON."""

from __future__ import annotations

import difflib
from typing import Any

from adfgen.review import markdown as md
from adfgen.review.compare import FactoryDiff
from adfgen.review.diff import Change
from adfgen.review.pretty import show

INLINE_WIDTH = 60  # old → new on one line up to this length, else as a diff block


def _counts(diff: FactoryDiff) -> str:
    total = len(diff.changes)
    if not total:
        return "no changes"
    security = f", {diff.security_count} security-relevant" if diff.security_count else ""
    return f"{total} change{'s' if total != 1 else ''}{security}"


def _has_values(change: Change) -> bool:
    return change.old is not None or change.new is not None


def _is_short(change: Change) -> bool:
    return all("\n" not in show(v) and len(show(v)) <= INLINE_WIDTH for v in (change.old, change.new))


def _value_diff(change: Change) -> list[str]:
    """Old → new of a long value as diff lines ("- ", "+ ", "  "), three lines of context, "…" for lines cut."""
    old = show(change.old).splitlines() if change.old is not None else []
    new = show(change.new).splitlines() if change.new is not None else []
    found = []
    for line in list(difflib.unified_diff(old, new, lineterm="", n=3))[2:]:
        found.append("…" if line.startswith("@@") else f"{line[0] if line[0] in '+-' else ' '} {line[1:]}")
    return found[1:] if found[:1] == ["…"] else found


def diff_json(diffs: list[FactoryDiff], *, base: str | None = None) -> dict[str, Any]:
    """The document `--output json` prints."""
    return {"changes": any(d.changes for d in diffs), "base": base,
            "factories": [{"factory": d.factory, "counts": {"changes": len(d.changes), "security": d.security_count},
                           "changes": [c.to_json() for c in d.changes], "unreadable": d.unreadable}
                          for d in diffs]}


def diff_text(diffs: list[FactoryDiff]) -> str:
    """Plain text: per factory, security-relevant changes first, then per resource, values old → new."""
    lines: list[str] = []
    for diff in diffs:
        lines.append(f"{diff.factory}: {_counts(diff)}")
        current = None
        for change in diff.changes:
            heading = "security-relevant" if change.security else f"{change.kind} {change.resource}"
            if heading != current:
                lines.append(f"  {heading}")
                current = heading
            subject = f"{change.kind} {change.resource}: " if change.security else ""
            where = f" at {change.where}" if change.where else ""
            lines.append(f"    {'!' if change.security else '-'} {subject}{change.summary}{where}")
            if _has_values(change):
                if _is_short(change):
                    lines.append(f"        {show(change.old)} → {show(change.new)}")
                else:
                    lines += [f"        {line}" for line in _value_diff(change)]
        lines += [f"  could not read {item}" for item in diff.unreadable]
    return "\n".join(lines) + "\n"


def _markdown_change(change: Change) -> list[str]:
    subject = f"{md.text(change.kind)} {md.code(change.resource)}: " if change.security else ""
    where = f" at {md.code(change.where)}" if change.where else ""
    line = f"- {'⚠️ ' if change.security else ''}{subject}{md.text(change.summary)}{where}"
    if not _has_values(change):
        return [line]
    if _is_short(change):
        return [f"{line}: {md.code(show(change.old))} → {md.code(show(change.new))}"]
    body = "\n".join(_value_diff(change))
    return [line, "", "  " + md.fence(body, "diff").replace("\n", "\n  "), ""]


def markdown_changes(changes: list[Change]) -> list[str]:
    """Markdown bullets for changes (security-relevant ones flagged), e.g. for one resource of `plan`."""
    return [line for change in changes for line in _markdown_change(change)]


def diff_markdown(diffs: list[FactoryDiff], *, base: str | None = None) -> str:
    """A pull-request comment: a summary line per factory, then security-relevant changes, then per resource."""
    total = sum(len(d.changes) for d in diffs)
    against = f" against {md.code(base)}" if base else ""
    parts = [f"## adfgen diff{against}: {total} change{'s' if total != 1 else ''}"]
    quiet = [d for d in diffs if not d.changes and not d.unreadable]
    if len(quiet) > 1:  # out/ holds every environment: a heading each for "no changes" buries the one that changed
        parts.append("No changes in " + ", ".join(md.code(d.factory) for d in quiet) + ".")
    changed = [d for d in diffs if d.changes]
    if len(changed) > 1 and any(d.security_count for d in changed):
        # several factories (dev, test, prod): every security-relevant change above all others, named by factory
        parts.append("**Security-relevant**\n\n" + "\n".join(
            f"- {md.code(d.factory)}:{line[1:]}" if line.startswith("- ") else line
            for d in changed for c in d.changes if c.security for line in _markdown_change(c)))
    for diff in (d for d in diffs if len(quiet) < 2 or d not in quiet):
        parts.append(f"### {md.text(diff.factory)}: {_counts(diff)}")
        security = [c for c in diff.changes if c.security]
        if security and len(changed) == 1:
            parts.append("**Security-relevant**\n\n" + "\n".join(l for c in security for l in _markdown_change(c)))
        current, block = None, []
        for change in (c for c in diff.changes if not c.security):
            if (change.kind, change.resource) != current:
                if block:
                    parts.append("\n".join(block))
                current = (change.kind, change.resource)
                block = [f"**{md.text(change.kind)} {md.code(change.resource)}**", ""]
            block += _markdown_change(change)
        if block:
            parts.append("\n".join(block))
        if diff.unreadable:
            parts.append("Could not read:\n\n" + "\n".join(f"- {md.code(item)}" for item in diff.unreadable))
    return "\n\n".join(parts) + "\n"
