"""Pipeline runs: parameters, variables, the activity graph with ADF's dependency and outcome rules, activity
policies (retry, interval, timeout), pipeline concurrency (queued runs) and the scope expressions see."""

from __future__ import annotations

import json
import threading
import uuid
from collections import ChainMap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adfgen.expressions.errors import ExpressionError
from adfgen.expressions.evaluator import UNSET, Scope, evaluate
from adfgen.local import evidence, limits
from adfgen.local.clock import Clock, parse_timespan
from adfgen.local.evidence import Relied
from adfgen.local.factory import LocalFactory
from adfgen.local.masking import Secrets
from adfgen.local.transport import HttpReply, Transport, TransportError

SUCCEEDED, FAILED, SKIPPED = "Succeeded", "Failed", "Skipped"
DEFAULT_TIMEOUT = 12 * 3600  # documented default activity timeout: 12 hours (at most 7 days)
DEFAULT_RETRY_INTERVAL = 30
CONDITIONS = {"Succeeded": {SUCCEEDED}, "Failed": {FAILED}, "Skipped": {SKIPPED}, "Completed": {SUCCEEDED, FAILED}}
PARAMETER_TYPES = ("String", "Int", "Float", "Bool", "Array", "Object", "SecureString")


class ActivityFailure(Exception):
    """An activity failed; `error` is the object activity('x').error and monitoring show."""

    def __init__(self, message: str, code: str = "ActivityFailed", *, output: Any = None,
                 failure_type: str = "UserError"):
        super().__init__(message)
        self.error = {"errorCode": code, "message": message, "failureType": failure_type, "target": "", "details": ""}
        self.output = output


class ActivityTimeout(ActivityFailure):
    """An attempt ran past its policy timeout."""


class RunUsageError(ValueError):
    """Bad parameters for a run (the CLI turns it into exit 2)."""


def timestamp(moment: datetime) -> str:
    """ADF's timestamp form: 2026-01-02T03:04:05.1234567Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


@dataclass
class ActivityRun:
    """One activity run as monitoring shows it."""

    name: str
    type: str
    pipeline: str
    pipeline_run_id: str
    activity_run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "InProgress"
    start: float = 0.0  # virtual seconds
    end: float = 0.0
    input: Any = None
    output: Any = None
    error: dict[str, Any] | None = None
    attempts: int = 0
    secure_input: bool = False
    secure_output: bool = False
    iteration: str = ""  # e.g. "ForEach1[3]" for activities inside a loop
    rows: int = 0
    pages: int = 0

    @property
    def duration(self) -> float:
        """Virtual seconds the activity took."""
        return max(self.end - self.start, 0.0)


@dataclass
class PipelineRun:
    """One pipeline run."""

    name: str
    run_id: str
    parameters: dict[str, Any]
    system: dict[str, Any]
    variables: dict[str, Any]
    variable_types: dict[str, str]
    secure_parameters: set[str] = field(default_factory=set)
    status: str = "Queued"
    start: float = 0.0
    end: float = 0.0
    error: dict[str, Any] | None = None
    activity_runs: list[ActivityRun] = field(default_factory=list)
    return_value: dict[str, Any] = field(default_factory=dict)
    parent_run_id: str | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def duration(self) -> float:
        """Virtual seconds from start to end."""
        return max(self.end - self.start, 0.0)


@dataclass
class Frame:
    """One container level: the activity results it sees, the ForEach item, its container ancestors."""

    run: PipelineRun
    results: dict[str, Any]
    parent: Frame | None = None
    item: Any = UNSET
    ancestors: tuple[str, ...] = ()
    label: str = ""

    def visible(self) -> ChainMap:
        """A snapshot of the results of this level and every enclosing one (inner names shadow outer ones).

        Copies, because parallel activities add results while an expression may iterate the names
        (dict.copy is atomic under the GIL).
        """
        maps = []
        frame: Frame | None = self
        while frame is not None:
            maps.append(frame.results.copy())
            frame = frame.parent
        return ChainMap(*maps)

    def child(self, *, item: Any = UNSET, kind: str = "", label: str = "") -> Frame:
        """A frame for a container's inner activities."""
        return Frame(self.run, {}, self, self.item if item is UNSET else item, self.ancestors + (kind,),
                     label or self.label)


Handler = Callable[["ActivityContext"], Any]
HANDLERS: dict[str, Handler] = {}


def handles(*types: str) -> Callable[[Handler], Handler]:
    """Register an activity handler for one or more activity types."""

    def register(function: Handler) -> Handler:
        for kind in types:
            HANDLERS[kind] = function
        return function

    return register


class ActivityContext:
    """What an activity handler sees: its definition, scope, clock, transport and deadline."""

    def __init__(self, runtime: Runtime, frame: Frame, activity: dict[str, Any], record: ActivityRun,
                 deadline: float | None):
        self.runtime = runtime
        self.frame = frame
        self.run = frame.run
        self.activity = activity
        self.record = record
        self.deadline = deadline
        self.name = str(activity.get("name"))
        self.props: dict[str, Any] = activity.get("typeProperties") if isinstance(activity.get("typeProperties"), dict) else {}

    @property
    def clock(self) -> Clock:
        """The run's clock."""
        return self.runtime.clock

    def scope(self, **overrides: Any) -> Scope:
        """The expression scope at this activity."""
        return self.runtime.scope(self.frame, **overrides)

    def eval(self, value: Any, scope: Scope | None = None) -> Any:
        """A JSON value with every expression evaluated (Expression objects and '@' strings)."""
        if _mentions(value, "activity("):
            self.rely("activity.object")
        return evaluate_value(value, scope or self.scope())

    def rely(self, key: str) -> None:
        """Record that this run depends on evidence row `key`."""
        self.runtime.relied.use(key)

    def remaining(self) -> float | None:
        """Virtual seconds left before the policy timeout; None without one."""
        return None if self.deadline is None else self.deadline - self.clock.monotonic()

    def check_deadline(self) -> None:
        """Fail the attempt when its timeout has passed."""
        left = self.remaining()
        if left is not None and left <= 0:
            raise ActivityTimeout(f"Activity '{self.name}' timed out (policy timeout passed).", "ActivityTimedOut")

    def sleep(self, seconds: float) -> None:
        """Wait virtual seconds, failing the attempt if the timeout passes first."""
        left = self.remaining()
        if left is not None and seconds >= left:
            self.clock.sleep(max(left, 0))
            self.check_deadline()
            raise ActivityTimeout(f"Activity '{self.name}' timed out (policy timeout passed).", "ActivityTimedOut")
        self.clock.sleep(seconds)

    def http(self, method: str, url: str, headers: dict[str, str] | None = None, body: bytes | None = None, *,
             timeout: float = 100.0, msi_resource: str | None = None, verify: bool = True) -> HttpReply:
        """One request through the transport; `timeout` in virtual seconds, capped by the policy deadline."""
        self.check_deadline()
        left = self.remaining()
        wait = timeout if left is None else min(timeout, left)
        try:
            reply = self.runtime.transport.request(method, url, headers, body, timeout=self.clock.real_seconds(wait),
                                                   msi_resource=msi_resource, verify=verify)
        except TransportError as exc:
            self.check_deadline()
            raise ActivityFailure(str(exc), "RequestRefused" if exc.refused else "RequestFailed") from None
        self.check_deadline()  # a reply after the policy timeout comes too late: ADF would have ended the attempt
        return reply

    def set_input(self, value: Any) -> Any:
        """Record the evaluated input (as monitoring shows it) and enforce the payload limit."""
        self.record.input = value
        size = len(json.dumps(value, default=str))
        if size > limits.value("activity.payload"):
            raise ActivityFailure(f"The activity input is {size} bytes; ADF allows "
                                  f"{limits.value('activity.payload')} {limits.cite('activity.payload')}",
                                  "PayloadTooLarge")
        return value

    def progress(self, text: str) -> None:
        """A live-progress line (shown on a terminal only)."""
        self.runtime.notify("progress", self.record, text)

    def run_inner(self, activities: list[Any], frame: Frame) -> tuple[bool, dict[str, Any] | None]:
        """Run a container's inner activities; (succeeded, first error) by the outcome rule."""
        return self.runtime.run_activities(activities, frame)


def _mentions(value: Any, needle: str) -> bool:
    """Whether any string inside a JSON value contains `needle`."""
    if isinstance(value, str):
        return needle in value
    if isinstance(value, dict):
        return any(_mentions(v, needle) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, needle) for v in value)
    return False


def evaluate_value(value: Any, scope: Scope) -> Any:
    """Evaluate every expression inside a JSON value."""
    if isinstance(value, str):
        return evaluate(value, scope) if ("@" in value) else value
    if isinstance(value, dict):
        if value.get("type") == "Expression" and "value" in value and len(value) == 2:
            inner = value["value"]
            return evaluate(inner, scope) if isinstance(inner, str) else inner
        return {k: evaluate_value(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate_value(v, scope) for v in value]
    return value


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


# Failures that come from how the run was started (a request the sandbox refuses, an activity type it lacks)
LOCAL_REFUSALS = {"RequestRefused", "UnsupportedActivity"}

EXECUTION_TYPES = {"WebActivity", "Copy", "Lookup", "GetMetadata", "Script", "StoredProcedure", "AzureFunctionActivity"}


def result_object(record: ActivityRun) -> dict[str, Any]:
    """What activity('x') returns for a finished activity."""
    return {"output": record.output if record.output is not None else {}, "error": record.error,
            "status": record.status, "activityRunId": record.activity_run_id, "activityName": record.name,
            "activityType": record.type, "pipelineRunId": record.pipeline_run_id}


def dependencies(activity: dict[str, Any]) -> list[tuple[str, set[str]]]:
    """(parent, allowed statuses) for each dependsOn entry."""
    found = []
    for dep in activity.get("dependsOn") or []:
        if not isinstance(dep, dict):
            continue
        allowed: set[str] = set()
        for condition in dep.get("dependencyConditions") or []:
            allowed |= CONDITIONS.get(str(condition), set())
        found.append((str(dep.get("activity")), allowed))
    return found


def judge(by_name: dict[str, dict[str, Any]], status: dict[str, str], errors: dict[str, dict[str, Any]],
          relied: Relied) -> tuple[bool, dict[str, Any] | None]:
    """ADF's outcome rule: every leaf must succeed; a skipped leaf is judged by its parents."""
    relied.use("outcome.leaves")
    depended = {parent for activity in by_name.values() for parent, _ in dependencies(activity)}
    leaves = [name for name in by_name if name not in depended]
    failed: list[str] = []
    seen: set[str] = set()

    def examine(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        state = status.get(name)
        if state == FAILED:
            failed.append(name)
        elif state == SKIPPED:
            for parent, _ in dependencies(by_name[name]):
                examine(parent)

    for leaf in leaves:
        examine(leaf)
    if not failed:
        return True, None
    name = failed[0]
    inner = errors.get(name) or {"errorCode": "ActivityFailed", "message": "", "failureType": "UserError"}
    error = {"errorCode": inner.get("errorCode"), "message": f"Operation on target {name} failed: {inner.get('message')}",
             "failureType": inner.get("failureType", "UserError"), "target": name, "details": ""}
    return False, error


def check_graph(activities: Any, where: str = "") -> list[str]:
    """Dependency problems ADF refuses at publish: unknown activities, cycles, repeated names."""
    if not isinstance(activities, list):
        return []
    problems: list[str] = []
    names = [a.get("name") for a in activities if isinstance(a, dict)]
    by_name = {a["name"]: a for a in activities if isinstance(a, dict) and isinstance(a.get("name"), str)}
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(f"activity name {name!r} is used twice{where}")
    for name, activity in by_name.items():
        for parent, _ in dependencies(activity):
            if parent not in by_name:
                problems.append(f"activity '{name}' depends on '{parent}', which is not in the same container{where}")
    paths: dict[str, set[str]] = {}
    for activity in by_name.values():
        for dep in activity.get("dependsOn") or []:
            if isinstance(dep, dict):
                paths.setdefault(str(dep.get("activity")), set()).update(map(str, dep.get("dependencyConditions") or []))
    for parent, conditions in sorted(paths.items()):
        if "Completed" in conditions and conditions & {"Succeeded", "Failed"}:
            problems.append(f"activity '{parent}' has an Upon Completion path together with an Upon Success or Upon "
                            f"Failure path, which ADF does not allow{where} (documented: {evidence.ERROR_HANDLING})")
    visiting: dict[str, int] = {}

    def visit(name: str) -> bool:
        if visiting.get(name) == 1:
            return True
        if visiting.get(name) == 2:
            return False
        visiting[name] = 1
        cyclic = any(visit(p) for p, _ in dependencies(by_name[name]) if p in by_name)
        visiting[name] = 2
        return cyclic

    if any(visit(n) for n in by_name):
        problems.append(f"the dependencies form a cycle{where}")
    for name, activity in by_name.items():
        for inner in limits.inner_lists(activity):
            problems += check_graph(inner, f" (inside '{name}')")
    return problems


def bind_parameters(pipeline: str, declared: dict[str, Any], given: dict[str, Any],
                    from_text: bool) -> tuple[dict[str, Any], list[str]]:
    """Parameter values with defaults applied and types checked; (values, names of SecureString ones)."""
    folded = {k.lower(): k for k in declared}
    values: dict[str, Any] = {}
    for key, value in given.items():
        if key.lower() not in folded:
            known = ", ".join(declared) or "(none)"
            raise RunUsageError(f"pipeline {pipeline} has no parameter {key!r}; parameters: {known}")
        values[folded[key.lower()]] = value
    secure = []
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        kind = str(spec.get("type", "String"))
        if kind.lower() == "securestring":
            secure.append(name)
        if name not in values:
            if "defaultValue" not in spec:
                raise RunUsageError(f"pipeline {pipeline} needs a value for parameter {name!r} ({kind}); "
                                    f"pass --param {name}=VALUE")
            values[name] = spec["defaultValue"]
            continue
        values[name] = coerce(name, kind, values[name], from_text)
    return values, secure


def coerce(name: str, kind: str, value: Any, from_text: bool) -> Any:
    """A parameter value as its declared type; text from the command line is parsed."""
    folded = kind.lower()
    try:
        if folded in ("string", "securestring"):
            if isinstance(value, (dict, list)):
                raise ValueError("expected a string")
            return value if isinstance(value, str) or not from_text else str(value)
        if folded == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError("expected an integer")
            return int(value)
        if folded == "float":
            if isinstance(value, bool):
                raise ValueError("expected a number")
            return float(value)
        if folded == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise ValueError("expected true or false")
        if folded in ("array", "object"):
            parsed = json.loads(value) if isinstance(value, str) else value
            wanted = list if folded == "array" else dict
            if not isinstance(parsed, wanted):
                raise ValueError(f"expected a JSON {'array' if folded == 'array' else 'object'}")
            return parsed
    except (TypeError, ValueError) as exc:
        raise RunUsageError(f"parameter {name!r} is {kind}: {exc}, found {value!r}") from None
    raise RunUsageError(f"parameter {name!r} has unknown type {kind!r}; expected one of {', '.join(PARAMETER_TYPES)}")


def declare_variables(declared: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Initial variable values and types from a pipeline's `variables`."""
    values: dict[str, Any] = {}
    types: dict[str, str] = {}
    if not isinstance(declared, dict):
        return values, types
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        kind = str(spec.get("type", "String"))
        types[name] = kind
        if "defaultValue" in spec:
            values[name] = spec["defaultValue"]
        else:
            values[name] = [] if kind.lower() == "array" else (False if kind.lower() == "boolean" else
                                                              (0 if kind.lower() == "integer" else ""))
    return values, types


def load_handlers() -> None:
    """Import every activity module so that it registers its handler."""
    from adfgen.local import activities  # noqa: F401
