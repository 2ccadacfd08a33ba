"""What `adfgen run` shows: live progress on a terminal (quiet otherwise) and the run's summary, human or JSON.

Everything shown passes through the run's Secrets.scrub, and secure payloads are shown as monitoring shows them.
"""

from __future__ import annotations

import threading
from typing import Any

from adfgen.local.evidence import BY_KEY
from adfgen.local.masking import shown
from adfgen.local.runner import ActivityRun, PipelineRun, Runtime


class Progress:
    """A runtime listener that prints one line per finished activity and a spinner with the latest step."""

    def __init__(self, enabled: bool, secrets: Any = None):
        self.enabled = enabled
        self.secrets = secrets
        self._console = None
        self._status = None
        self._lock = threading.Lock()
        if enabled:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)

    def __enter__(self) -> Progress:
        if self._console is not None:
            self._status = self._console.status("starting")
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()

    def _text(self, text: str) -> str:
        return self.secrets.scrub(text) if self.secrets is not None else text

    def __call__(self, event: str, subject: Any, text: str = "") -> None:
        """Runtime events: run-start, run-end, queued, activity-start, activity-end, retry, progress."""
        if self._console is None:
            return
        with self._lock:
            if event == "activity-end" and isinstance(subject, ActivityRun):
                colour = {"Succeeded": "green", "Failed": "red"}.get(subject.status, "yellow")
                where = f"{subject.pipeline}/{subject.iteration + '/' if subject.iteration else ''}{subject.name}"
                extra = f", {subject.rows} rows" if subject.rows else ""
                error = subject.error if subject.status == "Failed" else None
                detail = f": {error.get('message')}" if isinstance(error, dict) else ""
                from rich.text import Text

                line = Text(f"{subject.status:<9}", style=colour)
                line.append(self._text(f" {where} ({subject.duration:.1f}s{extra}){detail}"))
                self._console.print(line)
            elif event in ("progress", "retry") and isinstance(subject, ActivityRun) and self._status is not None:
                self._status.update(self._text(f"{subject.pipeline}/{subject.name}: {text}"))
            elif event == "queued" and isinstance(subject, PipelineRun):
                self._console.print(f"queued    {subject.name} (pipeline concurrency reached)")


def summary(runtime: Runtime, run: PipelineRun, *, payloads: bool = False) -> dict[str, Any]:
    """The run's summary as a JSON-ready dict (secrets scrubbed, secure payloads masked)."""
    activity_runs = []
    for pipeline_run in runtime.runs:
        with pipeline_run.lock:
            records = list(pipeline_run.activity_runs)
        for record in records:
            row: dict[str, Any] = {
                "pipeline": record.pipeline, "pipelineRunId": record.pipeline_run_id, "activity": record.name,
                "type": record.type, "status": record.status, "durationSeconds": round(record.duration, 3),
                "attempts": record.attempts, "iteration": record.iteration or None,
                "error": record.error,  # errors stay visible (secrets in them are scrubbed like everything else)
            }
            if record.pages:
                row["pages"] = record.pages
            if record.rows:
                row["rows"] = record.rows
            if payloads:
                row["input"] = shown(record.input, record.secure_input)
                row["output"] = shown(record.output, record.secure_output)
            activity_runs.append(row)
    pipelines = [{"pipeline": r.name, "runId": r.run_id, "status": r.status, "parentRunId": r.parent_run_id,
                  "durationSeconds": round(r.duration, 3), "parameters": _parameters(r),
                  "returnValue": r.return_value or None, "error": r.error} for r in runtime.runs]
    failed = _failed_activity(runtime, run)
    document = {
        "pipeline": run.name, "runId": run.run_id, "status": run.status,
        "durationSeconds": round(run.duration, 3), "error": run.error,
        "failedActivity": failed,
        "pipelineRuns": pipelines, "activityRuns": activity_runs,
        "httpRequests": runtime.transport.requests_by_host(),
        "rowsBySink": dict(sorted(runtime.rows_by_sink.items())),
        "tokensRotated": dict(sorted(runtime.transport.secrets_written.items())),
        "assumedBehaviours": [{"key": b.key, "behaviour": b.text, "source": b.source}
                              for b in runtime.relied.assumed()],
        "reliedOn": [{"key": k, "status": BY_KEY[k].status} for k in runtime.relied.keys()],
    }
    return runtime.secrets.scrub_value(document)


def _parameters(run: PipelineRun) -> dict[str, Any]:
    return {k: ("**********" if k in run.secure_parameters else v) for k, v in run.parameters.items()}


def _failed_activity(runtime: Runtime, run: PipelineRun) -> dict[str, Any] | None:
    """The innermost failed activity behind a failed run (following Execute Pipeline and containers)."""
    if run.status != "Failed":
        return None
    target = (run.error or {}).get("target")
    by_id = {r.run_id: r for r in runtime.runs}
    current = run
    found = None
    for _ in range(50):
        records = [a for a in current.activity_runs if a.status == "Failed"]
        match = next((a for a in records if a.name == target), records[0] if records else None)
        if match is None:
            break
        found = {"pipeline": current.name, "activity": match.name, "type": match.type, "error": match.error}
        child = next((r for r in by_id.values() if r.parent_run_id == current.run_id and r.status == "Failed"
                      and isinstance(match.output, dict) and match.output.get("pipelineRunId") == r.run_id), None)
        if child is None:
            inner = [a for a in current.activity_runs if a.status == "Failed" and a.iteration and a is not match]
            if inner and match.type in ("ForEach", "IfCondition", "Switch", "Until"):
                deeper = inner[0]
                found = {"pipeline": current.name, "activity": deeper.name, "type": deeper.type, "error": deeper.error}
            break
        current, target = child, (child.error or {}).get("target")
    return found


def render_human(document: dict[str, Any]) -> str:
    """The summary as text."""
    lines = [f"pipeline {document['pipeline']} (run {document['runId']}): {document['status']} "
             f"in {document['durationSeconds']:.1f}s"]
    lines.append("")
    lines.append("activity runs:")
    for row in document["activityRuns"]:
        where = f"{row['pipeline']}/{row['iteration'] + '/' if row.get('iteration') else ''}{row['activity']}"
        extra = []
        if row.get("attempts", 0) > 1:
            extra.append(f"{row['attempts']} attempts")
        if row.get("pages"):
            extra.append(f"{row['pages']} pages")
        if row.get("rows"):
            extra.append(f"{row['rows']} rows")
        tail = f" ({', '.join(extra)})" if extra else ""
        lines.append(f"  {row['status']:<9} {row['durationSeconds']:>8.1f}s  {where} [{row['type']}]{tail}")
        if row.get("error") and row["status"] == "Failed":
            error = row["error"]
            message = error.get("message") if isinstance(error, dict) else error
            lines.append(f"            {message}")
    if document["httpRequests"]:
        lines += ["", "HTTP requests:"]
        for host, statuses in document["httpRequests"].items():
            lines.append(f"  {host}: " + ", ".join(f"{status} x{count}" for status, count in statuses.items()))
    if document["rowsBySink"]:
        lines += ["", "rows landed:"]
        lines += [f"  {sink}: {rows}" for sink, rows in document["rowsBySink"].items()]
    if document["tokensRotated"]:
        lines += ["", "secrets written (token rotations):"]
        lines += [f"  {name}: {count}" for name, count in document["tokensRotated"].items()]
    if document["assumedBehaviours"]:
        lines += ["", "notice: this run relied on behaviours no ADF source confirms (test them in a real factory):"]
        lines += [f"  - {b['key']}: {b['behaviour']}" for b in document["assumedBehaviours"]]
    lines.append("")
    if document["status"] == "Succeeded":
        lines.append(f"outcome: {document['pipeline']} succeeded")
    else:
        failed = document.get("failedActivity")
        if failed:
            error = failed.get("error")
            message = error.get("message") if isinstance(error, dict) else error
            lines.append(f"outcome: {document['pipeline']} failed: activity '{failed['activity']}' "
                         f"({failed['pipeline']}) failed: {message}")
        else:
            lines.append(f"outcome: {document['pipeline']} failed: {(document.get('error') or {}).get('message')}")
    return "\n".join(lines)
