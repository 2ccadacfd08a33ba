"""Pipeline runs: the activity graph walked with ADF's dependency and outcome rules, activity policies (retry,
interval, timeout), pipeline concurrency (queued runs) and the scope expressions see."""

from __future__ import annotations

import threading
from collections.abc import Callable
import uuid
from typing import Any

from adfgen.expressions.errors import ExpressionError
from adfgen.expressions.evaluator import Scope
from adfgen.core import adf_limits as limits
from adfgen.local.clock import Clock, parse_timespan
from adfgen.local.context import HANDLERS, ActivityContext, Frame, evaluate_value, handles
from adfgen.local.evidence import Relied
from adfgen.local.factory import LocalFactory
from adfgen.local.graph import check_graph, dependencies, judge, result_object
from adfgen.local.masking import Secrets
from adfgen.local.parameters import bind_parameters, declare_variables
from adfgen.local.records import (FAILED, SKIPPED, SUCCEEDED, ActivityFailure, ActivityRun, ActivityTimeout,
                                  PipelineRun, RunUsageError, timestamp)
from adfgen.local.transport import Transport

# Activity handlers import these from here: the runner is the runtime's public face.
__all__ = ["ActivityContext", "ActivityFailure", "ActivityRun", "PipelineRun", "RunUsageError", "Runtime",
           "evaluate_value", "handles", "load_handlers"]

DEFAULT_TIMEOUT = 12 * 3600  # documented default activity timeout: 12 hours (at most 7 days)
DEFAULT_RETRY_INTERVAL = 30

# Failures that come from how the run was started (a request the sandbox refuses, an activity type it lacks)
LOCAL_REFUSALS = {"RequestRefused", "UnsupportedActivity"}

EXECUTION_TYPES = {"WebActivity", "Copy", "Lookup", "GetMetadata", "Script", "StoredProcedure", "AzureFunctionActivity"}


class Runtime:
    """Runs pipelines of one factory; owns the clock, transport, evidence and every run's record."""

    def __init__(self, factory: LocalFactory, *, transport: Transport | None = None, clock: Clock | None = None,
                 storage: Any = None, sink_root: Any = None, relied: Relied | None = None,
                 listener: Callable[[str, Any, str], None] | None = None):
        self.factory = factory
        self.clock = clock or Clock()
        self.transport = transport or Transport()
        self.secrets: Secrets = self.transport.secrets
        self.storage = storage
        self.sink_root = sink_root
        self.relied = relied or Relied()
        self.listener = listener
        self.runs: list[PipelineRun] = []
        self.rows_by_sink: dict[str, int] = {}
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._background: list[threading.Thread] = []

    # ---------------------------------------------------------------- runs

    def notify(self, event: str, subject: Any, text: str = "") -> None:
        """Tell the report about progress (never raises)."""
        if self.listener is not None:
            try:
                self.listener(event, subject, text)
            except Exception:  # noqa: BLE001 - a report problem must not change a run
                pass

    def prepare(self, name: str, parameters: dict[str, Any] | None = None, *, from_text: bool = False,
                parent: PipelineRun | None = None, trigger: tuple[str, str] = ("Manual", "Manual")) -> PipelineRun:
        """A queued run of pipeline `name` with its parameters checked and typed (RunUsageError when bad)."""
        real_name, props = self.factory.pipeline(name)
        declared = props.get("parameters") if isinstance(props.get("parameters"), dict) else {}
        values, secure = bind_parameters(real_name, declared, parameters or {}, from_text)
        for key in secure:
            self.relied.use("secure.parameters")
            self.secrets.add(values.get(key))
        variables, types = declare_variables(props.get("variables"))
        run_id = str(uuid.uuid4())
        system = {
            "DataFactory": self.factory.name, "Pipeline": real_name, "RunId": run_id,
            "TriggerType": trigger[0], "TriggerName": trigger[1], "TriggerId": str(uuid.uuid4()),
            "TriggerTime": timestamp(self.clock.now()), "GroupId": parent.system["GroupId"] if parent else run_id,
            "TriggeredByPipelineName": parent.name if parent else None,
            "TriggeredByPipelineRunId": parent.run_id if parent else None,
        }
        run = PipelineRun(real_name, run_id, values, system, variables, types, set(secure),
                          parent_run_id=parent.run_id if parent else None)
        with self._lock:
            self.runs.append(run)
        self.relied.use("system.variables")
        return run

    def execute(self, run: PipelineRun) -> PipelineRun:
        """Run a prepared run to its end, waiting for a concurrency slot first."""
        _, props = self.factory.pipeline(run.name)
        slot = self._slot(run.name, props.get("concurrency"))
        if slot is not None and not slot.acquire(blocking=False):
            self.relied.use("concurrency.queue")
            self.notify("queued", run)
            slot.acquire()
        try:
            run.status = "InProgress"
            run.start = self.clock.monotonic()
            self.notify("run-start", run)
            problems = limits.check_pipeline(run.name, props) + check_graph(props.get("activities"))
            if problems:
                run.status = FAILED
                run.error = {"errorCode": "InvalidPipeline", "message": "; ".join(problems),
                             "failureType": "UserError", "target": run.name}
            else:
                ok, error = self.run_activities(props.get("activities") or [], Frame(run, {}))
                run.status = SUCCEEDED if ok else FAILED
                run.error = None if ok else error
        finally:
            run.end = self.clock.monotonic()
            if slot is not None:
                slot.release()
            run.done.set()
            self.notify("run-end", run)
        return run

    def run(self, name: str, parameters: dict[str, Any] | None = None, *, from_text: bool = False) -> PipelineRun:
        """Prepare and execute a run of `name`; waits for runs it started without waiting."""
        run = self.execute(self.prepare(name, parameters, from_text=from_text))
        self.wait_background()
        return run

    def start_background(self, run: PipelineRun) -> None:
        """Execute a run on its own thread (Execute Pipeline without waitOnCompletion)."""
        thread = threading.Thread(target=self.execute, args=(run,), name=f"run-{run.name}", daemon=True)
        with self._lock:
            self._background.append(thread)
        thread.start()

    def wait_background(self) -> None:
        """Wait for every background run (they may start more)."""
        while True:
            with self._lock:
                pending = [t for t in self._background if t.is_alive()]
            if not pending:
                return
            for thread in pending:
                thread.join()

    def _slot(self, name: str, concurrency: Any) -> threading.Semaphore | None:
        if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
            return None
        with self._lock:
            if name.lower() not in self._slots:
                self._slots[name.lower()] = threading.Semaphore(concurrency)
            return self._slots[name.lower()]

    def add_rows(self, sink: str, rows: int) -> None:
        """Count rows landed in one sink (for the report)."""
        with self._lock:
            self.rows_by_sink[sink] = self.rows_by_sink.get(sink, 0) + rows

    # ---------------------------------------------------------------- scope

    def scope(self, frame: Frame, **overrides: Any) -> Scope:
        """What expressions see at `frame`."""
        run = frame.run
        values = dict(parameters=run.parameters, global_parameters=self.factory.global_parameters,
                      system=run.system, variables=run.variables, activities=frame.visible(), item=frame.item,
                      clock=self.clock.now)
        values.update(overrides)
        return Scope(**values)

    # ---------------------------------------------------------------- the graph

    def run_activities(self, activities: list[Any], frame: Frame) -> tuple[bool, dict[str, Any] | None]:
        """Run one container's activities in dependency order, independent ones in parallel."""
        by_name = {a["name"]: a for a in activities if isinstance(a, dict) and isinstance(a.get("name"), str)}
        status: dict[str, str] = {}
        errors: dict[str, dict[str, Any]] = {}
        pending = list(by_name)
        changed = threading.Condition()
        running = 0

        def work(activity: dict[str, Any]) -> None:
            nonlocal running
            outcome, error = FAILED, ActivityFailure("internal error in adfgen run", "InternalError",
                                                     failure_type="SystemError").error
            try:
                record = self.run_activity(activity, frame)
                outcome, error = record.status, record.error
            finally:  # whatever happens, the container must learn the activity ended, or it would wait forever
                with changed:
                    status[activity["name"]] = outcome
                    if error:
                        errors[activity["name"]] = error
                    running -= 1
                    changed.notify_all()

        with changed:
            while pending or running:
                progressed = False
                for name in list(pending):
                    deps = dependencies(by_name[name])
                    if any(parent not in status for parent, _ in deps):
                        continue
                    pending.remove(name)
                    progressed = True
                    if deps:
                        self.relied.use("dependency.conditions")
                    if all(status[parent] in allowed for parent, allowed in deps):
                        running += 1
                        threading.Thread(target=work, args=(by_name[name],), daemon=True,
                                         name=f"activity-{name}").start()
                    else:
                        status[name] = SKIPPED
                        self._record_skipped(by_name[name], frame)
                if not progressed:
                    changed.wait()
        return judge(by_name, status, errors, self.relied)

    def _record_skipped(self, activity: dict[str, Any], frame: Frame) -> None:
        record = ActivityRun(activity["name"], str(activity.get("type")), frame.run.name, frame.run.run_id,
                             status=SKIPPED, start=self.clock.monotonic(), end=self.clock.monotonic(),
                             iteration=frame.label)
        frame.results[activity["name"]] = result_object(record)
        with frame.run.lock:
            frame.run.activity_runs.append(record)
        self.notify("activity-end", record)

    def run_activity(self, activity: dict[str, Any], frame: Frame) -> ActivityRun:
        """Run one activity with its policy (retry, interval, timeout) and record the result."""
        kind = str(activity.get("type"))
        policy = activity.get("policy") if isinstance(activity.get("policy"), dict) else {}
        record = ActivityRun(activity["name"], kind, frame.run.name, frame.run.run_id,
                             secure_input=policy.get("secureInput") is True,
                             secure_output=policy.get("secureOutput") is True,
                             iteration=frame.label)
        record.start = self.clock.monotonic()
        with frame.run.lock:
            frame.run.activity_runs.append(record)
        self.notify("activity-start", record)
        if str(activity.get("state", "Active")).lower() == "inactive":
            self.relied.use("inactive.mark")
            record.status = str(activity.get("onInactiveMarkAs") or SUCCEEDED)
            record.output = {}
        else:
            self._attempts(activity, frame, record, policy)
        record.end = self.clock.monotonic()
        if record.secure_input or record.secure_output:
            self.relied.use("secure.mask")
            if record.error:
                self.relied.use("secure.errors")
        if record.secure_output and isinstance(record.output, dict):
            self.secrets.add(record.output.get("value"))  # a secret store's reply; other fields stay readable
            self.secrets.add_token_fields(record.output)
        frame.results[activity["name"]] = result_object(record)
        self.notify("activity-end", record)
        return record

    def _attempts(self, activity: dict[str, Any], frame: Frame, record: ActivityRun, policy: dict[str, Any]) -> None:
        handler = HANDLERS.get(record.type)
        try:
            retries = int(policy.get("retry") or 0)
            interval = float(policy.get("retryIntervalInSeconds") or DEFAULT_RETRY_INTERVAL)
            timeout = parse_timespan(policy["timeout"], "policy.timeout") if policy.get("timeout") else None
        except (TypeError, ValueError) as exc:
            record.status, record.error = FAILED, ActivityFailure(f"invalid policy: {exc}", "InvalidPolicy").error
            return
        if timeout is None and record.type in EXECUTION_TYPES:
            timeout = DEFAULT_TIMEOUT
        if record.type == "Lookup":  # documented: a Lookup times out after 24 hours whatever its policy says
            timeout = min(timeout or DEFAULT_TIMEOUT, limits.value("lookup.duration"))
        for attempt in range(retries + 1):
            record.attempts = attempt + 1
            if attempt:
                self.relied.use("policy.retry")
                self.notify("retry", record, f"attempt {attempt + 1} in {interval:g}s")
                self.clock.sleep(interval)
            deadline = None if timeout is None else self.clock.monotonic() + timeout
            if timeout is not None and attempt:
                self.relied.use("policy.timeout.per_attempt")
            context = ActivityContext(self, frame, activity, record, deadline)
            try:
                if handler is None:
                    raise ActivityFailure(f"adfgen run does not support activities of type '{record.type}'",
                                          "UnsupportedActivity")
                record.output = handler(context)
                record.status, record.error = SUCCEEDED, None
                return
            except ActivityTimeout as failure:
                self.relied.use("policy.timeout")
                record.status, record.error, record.output = FAILED, failure.error, failure.output
            except ActivityFailure as failure:
                record.status, record.error, record.output = FAILED, failure.error, failure.output
            except ExpressionError as exc:
                self.relied.use("expression.invalid")
                record.status, record.error = FAILED, ActivityFailure(str(exc), "InvalidTemplate").error
            except RunUsageError as exc:
                record.status, record.error = FAILED, ActivityFailure(str(exc), "InvalidParameter").error
            except Exception as exc:  # noqa: BLE001 - a runtime bug fails the activity, never the process
                record.status = FAILED
                record.error = ActivityFailure(f"internal error in adfgen run ({type(exc).__name__}: {exc})",
                                               "InternalError", failure_type="SystemError").error
            if record.error is not None:
                record.error["target"] = record.name
                if record.error["errorCode"] in LOCAL_REFUSALS:
                    return  # the local sandbox's own refusal: a retry would meet the same refusal, only later
            if record.type not in EXECUTION_TYPES and record.type not in ("SetVariable", "AppendVariable"):
                return  # control activities have no retry policy


def load_handlers() -> None:
    """Import every activity module so that it registers its handler."""
    from adfgen.local import activities  # noqa: F401
