"""Show plans, deploy reports and grants: rich tables on a terminal, plain lines in logs, JSON for machines."""

from __future__ import annotations

from typing import Any, TextIO

from adfgen.azure.deploy import DONE, FAILED, NOT_APPLIED, UNKNOWN, UNKNOWN_NOTE, DeployReport
from adfgen.azure.diff import Plan
from adfgen.azure.grants import BROADER
from adfgen.core.resources import Resource
from adfgen.core.wording import plural

TAKES_OVER = "(takes over an unmanaged resource)"

ACTION_STYLE = {"create": "green", "update": "yellow", "delete": "red", "unchanged": "dim", "orphan": "magenta",
                "unmanaged": "dim italic"}


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan for `--output json`."""
    return {"changes": plan.has_changes, "counts": plan.counts(), "listCalls": plan.list_calls,
            "resources": [i.to_json() for i in plan.items]}


def plan_markdown(plan: Plan, factory: str) -> str:
    """The plan as a pull-request or release comment: the changes table, then each update's changes in review terms.

    Same layout as `adfgen diff --output markdown`: security-relevant changes flagged first, values old → new, then
    the JSON diff folded in a <details> block.
    """
    from adfgen.azure.normalize import normalise
    from adfgen.review import diff_factories
    from adfgen.review import markdown as md
    from adfgen.review.report import markdown_changes

    parts = [f"### plan for factory {md.code(factory)}: {md.text(summary_line(plan))}"]
    rows = [i for i in plan.items if i.action != "unchanged" or i.trigger_change]
    if rows:
        notes = {"unmanaged": "not written by adfgen: untouched",
                 "orphan": "managed, not in source: deleted with --prune"}
        parts.append("| action | kind | name | note |\n| --- | --- | --- | --- |\n" + "\n".join(
            f"| {md.text(_label(i))} | {i.kind} | {md.code(i.name)} | {notes.get(i.action, '')} |" for i in rows))
    if plan.takeovers():
        parts.append(f"**{_takeovers(plan)}; deploy needs --adopt**")
    for item in plan.with_action("update"):
        live = Resource(item.kind, item.name, normalise(item.live.properties)) if item.live else None
        source = Resource(item.kind, item.name, normalise(item.source.properties)) if item.source else None
        changes = diff_factories([live] if live else [], [source] if source else [])
        block = [f"**{item.kind} {md.code(item.name)}**", ""] + markdown_changes(changes)
        block += ["", "<details><summary>JSON diff (live → source)</summary>", "",
                  md.fence(item.diff.rstrip("\n"), "diff"), "", "</details>"]
        parts.append("\n".join(block))
    return "\n\n".join(parts) + "\n"


def report_json(report: DeployReport) -> dict[str, Any]:
    """The deploy result for `--output json`."""
    return {"ok": report.ok, "factory": report.target.factory_name, "plan": plan_json(report.plan),
            "steps": [s.to_json() for s in report.steps], "interrupted": report.interrupted,
            "restartFailures": report.restart_failures, "restartCommands": report.restart_commands(),
            "grants": [g.to_json() for g in report.grants] if report.grants is not None else None}


def _takeovers(plan: Plan) -> str:
    count = len(plan.takeovers())
    return f"{plural(count, 'update')} {'takes' if count == 1 else 'take'} over resources adfgen did not write"


def _label(item: Any) -> str:
    label = item.action
    change = item.trigger_change
    if change:
        label = change if item.action == "unchanged" else f"{label} + {change}"
    elif item.kind == "trigger" and item.stop_first and item.start_after:
        label += " (stop, restart)"
    if item.takes_over:
        label += f" {TAKES_OVER}"
    return label


def summary_line(plan: Plan) -> str:
    """`create 3, update 1, ...` in a fixed order."""
    counts = plan.counts()
    order = ["create", "update", "delete", "unchanged", "orphan", "unmanaged"]
    parts = [f"{a} {counts[a]}" for a in order if counts.get(a)]
    starts = sum(1 for i in plan.items if i.trigger_change == "start")
    stops = sum(1 for i in plan.items if i.trigger_change == "stop")
    parts += [f"start {starts}"] if starts else []
    parts += [f"stop {stops}"] if stops else []
    return ", ".join(parts) or "nothing"


def print_plan(plan: Plan, factory: str, out: TextIO, *, terminal: bool, diffs: bool = True) -> None:
    """Per-resource actions (hiding unchanged ones on a terminal), then the diffs of updates."""
    if terminal:
        from rich.console import Console
        from rich.syntax import Syntax
        from rich.table import Table

        console = Console(file=out)
        table = Table(title=f"plan for factory {factory}", show_lines=False)
        for column in ("action", "kind", "name", "note"):
            table.add_column(column)
        for item in plan.items:
            if item.action == "unchanged" and not item.trigger_change:
                continue
            note = "not written by adfgen: untouched" if item.action == "unmanaged" else \
                "managed, not in source: deleted with --prune" if item.action == "orphan" else ""
            table.add_row(f"[{ACTION_STYLE.get(item.action, '')}]{_label(item)}[/]", item.kind, item.name, note)
        console.print(table)
        if plan.takeovers():
            console.print(f"[bold yellow]{_takeovers(plan)}; deploy needs --adopt[/]")
        if diffs:
            for item in plan.with_action("update"):
                console.print(Syntax(item.diff, "diff", theme="ansi_dark", background_color="default"))
        console.print(f"{summary_line(plan)}")
        return
    out.write(f"plan for factory {factory}\n")
    for item in plan.items:
        note = "  (not written by adfgen: untouched)" if item.action == "unmanaged" else \
            "  (managed, not in source: deleted with --prune)" if item.action == "orphan" else ""
        out.write(f"  {_label(item):<24} {item.kind:<14} {item.name}{note}\n")
    if plan.takeovers():
        out.write(f"{_takeovers(plan)}; deploy needs --adopt\n")
    if diffs:
        for item in plan.with_action("update"):
            out.write(item.diff if item.diff.endswith("\n") else item.diff + "\n")
    out.write(f"{summary_line(plan)}\n")


def print_report(report: DeployReport, out: TextIO) -> None:
    """The summary after a deploy: counts, failures, what was not applied, triggers left stopped, grants."""
    done = report.by_status(DONE)
    ops: dict[str, int] = {}
    for step in done:
        ops[step.operation] = ops.get(step.operation, 0) + 1
    applied = ", ".join(f"{k} {v}" for k, v in sorted(ops.items())) or "nothing"
    unchanged = len(report.plan.with_action("unchanged"))
    if report.interrupted:
        out.write(f"deploy to factory {report.target.factory_name} INTERRUPTED by {report.interrupted}: "
                  f"applied {applied}; unchanged {unchanged}\n")
    else:
        out.write(f"deploy to factory {report.target.factory_name}: applied {applied}; unchanged {unchanged}\n")
    for step in report.by_status(FAILED):
        out.write(f"  FAILED      {step.operation} {step.kind} {step.name}: {step.message}\n")
    for step in report.by_status(UNKNOWN):
        out.write(f"  UNKNOWN     {step.operation} {step.kind} {step.name}: {UNKNOWN_NOTE}; last error: {step.message}\n")
    for step in report.by_status(NOT_APPLIED):
        out.write(f"  not applied {step.operation} {step.kind} {step.name}\n")
    if report.interrupted:
        out.write("deploy was interrupted; everything listed as done is live, the triggers it had stopped were "
                  "started again. Run deploy again: it converges.\n")
    elif not report.ok and len(done) < len(report.steps):
        out.write("deploy stopped after the first failure; everything listed as done is live. "
                  "Fix the cause and run deploy again: it converges.\n")
    if report.restart_failures:
        out.write("!!! TRIGGERS LEFT STOPPED: deploy stopped these triggers and could not start them again. "
                  "Start them now:\n")
        out.writelines(f"    {command}\n" for command in report.restart_commands())
    for grant in report.grants or []:
        if grant.status == BROADER:
            out.write(f"!!! key vault: {grant.note}\n")
        else:
            out.write(f"  key vault: {grant.permission} on {grant.scope}: {grant.status}\n")
