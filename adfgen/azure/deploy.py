"""Publish a plan: stop affected triggers, PUT in dependency order (parallel, bounded), prune, (re)start triggers."""

from __future__ import annotations

import signal
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adfgen.azure.clients import Clients, Target, describe_error
from adfgen.azure.diff import CREATE, DELETE, UPDATE, Plan, PlanItem
from adfgen.azure.grants import Grant
from adfgen.azure.interrupts import Interrupted, interrupts_recorded
from adfgen.azure.normalize import READ_ONLY_KEYS
from adfgen.azure.ownership import record_in_source
from adfgen.azure.plan import make_plan, operations
from adfgen.azure.references import refuse_dangling
from adfgen.core.errors import AdfgenError
from adfgen.core.resources import KINDS, Resource
from adfgen.core.wording import plural
from adfgen.build.writer import references_of as references  # the one reference walker

PENDING, DONE, FAILED, UNKNOWN, NOT_APPLIED = "pending", "done", "failed", "unknown", "not applied"
UNKNOWN_NOTE = "unknown (the change may have landed; re-run to converge)"
# start/stop are idempotent POSTs; azure-core only retries POST on 500/503/504, so allow it for dropped connections too
_RETRY_POST = frozenset(["HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE", "POST"])


@dataclass
class Step:
    """One call deploy makes (or would have made): stop / put / delete / grant / start."""

    operation: str
    kind: str
    name: str
    status: str = PENDING
    message: str = ""

    def to_json(self) -> dict[str, str]:
        """A machine-readable row."""
        row = {"operation": self.operation, "kind": self.kind, "name": self.name, "status": self.status}
        if self.message:
            row["message"] = self.message
        return row


@dataclass
class DeployReport:
    """What deploy did, failed to do, and did not get to; triggers it could not restart; grants; interruption."""

    target: Target
    plan: Plan
    steps: list[Step] = field(default_factory=list)
    restart_failures: list[str] = field(default_factory=list)
    grants: list[Grant] | None = None
    interrupted: str | None = None  # "SIGTERM" / "SIGINT" when a signal stopped the run
    recorded_files: list[str] = field(default_factory=list)  # source files that now carry the "adfgen" annotation
    record_failures: list[str] = field(default_factory=list)  # why a source file could not be annotated

    @property
    def ok(self) -> bool:
        """True when every step was applied and every stopped trigger restarted."""
        return all(s.status == DONE for s in self.steps) and not self.restart_failures and not self.interrupted

    def by_status(self, status: str) -> list[Step]:
        """Steps with one status."""
        return [s for s in self.steps if s.status == status]

    def restart_commands(self) -> list[str]:
        """The exact Azure CLI commands that start the triggers deploy could not restart."""
        t = self.target
        return [f"az datafactory trigger start --subscription {t.subscription_id} --resource-group {t.resource_group} "
                f"--factory-name {t.factory_name} --name {name}" for name in self.restart_failures]


class DeployInterrupted(Interrupted):
    """SIGTERM or Ctrl-C stopped deploy after it restored the triggers it had stopped; carries the partial report."""

    def __init__(self, report: DeployReport, signum: int):
        super().__init__(signum)
        self.report = report


Progress = Callable[[Step], None]
GrantAccess = Callable[[], "list[Grant]"]


def refuse_takeovers(plan: Plan) -> None:
    """Raise AdfgenError naming the live resources adfgen did not write that the plan would overwrite."""
    takeovers = plan.takeovers()
    if takeovers:
        names = "\n  ".join(f"{i.kind} {i.name}" for i in takeovers)
        raise AdfgenError(
            f"deploy would take over {plural(len(takeovers), 'live resource')} that adfgen did not write (no \"adfgen\" "
            f"annotation) and overwrite them:\n  {names}\nReview the diffs with `adfgen plan`, then pass --adopt to "
            "take them over (adfgen manages them from then on: later deploys update them, --prune deletes them "
            "when they leave the source), or rename the resources in the specs.")


def deploy(clients: Clients, target: Target, source: list[Resource], *, prune: bool = False,
           start_triggers: bool = True, parallelism: int = 8, plan: Plan | None = None,
           progress: Progress | None = None, adopt: bool = False, grant: GrantAccess | None = None,
           source_dir: Path | None = None) -> DeployReport:
    """Make the live factory match `source`; a failed call does not raise: the report says what happened.

    Every resource published carries the "adfgen" annotation afterwards (make_plan adds it), adopted ones included.
    `source_dir`, the Git folder `source` was read from, gets it recorded in each published resource's file before
    any change (`report.recorded_files`), so that an ADF Studio publish of the committed files keeps it; the CLI's
    `--source` passes its folder here. Order: stop triggers, PUT by kind, prune, `grant()` (Key Vault access,
    before any trigger can fire), then (re)start triggers. Raises AdfgenError before any change when the plan takes
    over unmanaged resources and `adopt` is false, or leaves a reference dangling (refuse_dangling); raises
    DeployInterrupted (with the report) after SIGTERM/Ctrl-C, once the triggers this run stopped are started again.
    """
    plan = plan or make_plan(clients, target, source, prune=prune, start_triggers=start_triggers)
    refuse_dangling(plan, target.factory_name)  # ARM would refuse the referring resource after others landed
    if not adopt:
        refuse_takeovers(plan)
    runner = _Runner(clients, target, max(1, parallelism), progress)
    report = DeployReport(target, plan)
    if source_dir is not None:
        report.recorded_files, report.record_failures = record_in_source(Path(source_dir), plan)
    stops = [runner.step(report, "stop", i) for i in plan.items if i.stop_first]
    puts = {kind: [runner.step(report, "put", i) for i in plan.with_action(CREATE, UPDATE) if i.kind == kind]
            for kind in KINDS}
    deletes = {kind: [runner.step(report, "delete", i) for i in plan.with_action(DELETE) if i.kind == kind]
               for kind in KINDS}
    grant_step = Step("grant", "keyVault", target.vault_name or "") if grant else None
    report.steps += [grant_step] if grant_step else []
    report.steps += [Step("start", "trigger", i.name) for i in plan.items if i.start_after]
    completed = False
    with interrupts_recorded() as guard:
        try:
            with guard.interruptible():
                completed = _publish(runner, report, plan, stops, puts, deletes, (grant_step, grant))
        except KeyboardInterrupt as exc:  # our Interrupted (SIGTERM/SIGINT), or a Ctrl-C without the guard
            report.interrupted = getattr(exc, "name", "SIGINT")
        finally:  # signals are only recorded here: a second one must not abort the restarts
            _start_triggers(runner, report, stops, completed)
        late = guard.pending()
        if late and not report.interrupted:
            report.interrupted = late.name
    if report.interrupted:
        raise DeployInterrupted(report, signal.Signals[report.interrupted])
    return report


def _publish(runner: _Runner, report: DeployReport, plan: Plan, stops: list[Step], puts: dict[str, list[Step]],
             deletes: dict[str, list[Step]], granting: tuple[Step | None, GrantAccess | None]) -> bool:
    """Stop triggers, PUT by kind, prune, then grant, each phase only after the last succeeded; whether all did."""
    items = {(i.kind, i.name): i for i in plan.items}
    halted = not runner.run(stops, {})
    for kind in KINDS:  # linked services → datasets → pipelines → triggers
        if not halted:
            halted = not runner.run(puts[kind], _put_dependencies(puts[kind], items))
    for kind in reversed(list(KINDS)):  # triggers → pipelines → datasets → linked services
        if not halted:
            halted = not runner.run(deletes[kind], _delete_dependencies(deletes[kind], items))
    grant_step, grant = granting
    if not halted and grant_step and grant:  # before any trigger starts: a new trigger must find its secrets
        halted = not runner.grant(report, grant_step, grant)
    return not halted


def _start_triggers(runner: _Runner, report: DeployReport, stops: list[Step], completed: bool) -> None:
    """Never leave a trigger stopped by this run: on failure restore it, on success start what should run."""
    start_steps = [s for s in report.steps if s.operation == "start"]
    deleted = {s.name for s in report.steps if s.operation == "delete" and s.kind == "trigger" and s.status == DONE}
    # a stop that failed or whose answer was lost may still have landed: starting a started trigger is harmless
    stopped = {s.name for s in stops if s.status != PENDING} - deleted
    if completed:
        todo = start_steps
    else:  # restore the triggers this run stopped; planned starts of others stay "not applied"
        todo = []
        for name in sorted(stopped):
            step = next((s for s in start_steps if s.name == name), None)
            if step is None:
                step = Step("start", "trigger", name)
                report.steps.append(step)
            todo.append(step)
    runner.run(todo, {}, halt_on_failure=False)
    report.restart_failures = sorted(s.name for s in todo if s.status != DONE and s.name in stopped)
    for step in report.steps:
        if step.status == PENDING:
            step.status = NOT_APPLIED


def _put_dependencies(steps: list[Step], items: dict[tuple[str, str], PlanItem]) -> dict[str, set[str]]:
    """For each resource of one kind, the same-kind resources it references that are PUT in this run."""
    names = {s.name.lower(): s.name for s in steps}
    deps: dict[str, set[str]] = {}
    for step in steps:
        source = items[(step.kind, step.name)].source
        refs = references(source.properties) if source else set()
        deps[step.name] = {names[n.lower()] for k, n in refs if k == step.kind and n.lower() in names and
                           n.lower() != step.name.lower()}
    return deps


def _delete_dependencies(steps: list[Step], items: dict[tuple[str, str], PlanItem]) -> dict[str, set[str]]:
    """Delete a resource only after the same-kind resources referencing it are gone."""
    names = {s.name.lower(): s.name for s in steps}
    deps: dict[str, set[str]] = {s.name: set() for s in steps}
    for step in steps:
        live = items[(step.kind, step.name)].live
        for kind, name in references(live.properties) if live else set():
            if kind == step.kind and name.lower() in names and name.lower() != step.name.lower():
                deps[names[name.lower()]].add(step.name)
    return deps


def request_body(resource: Resource) -> dict[str, Any]:
    """The PUT body: a dict (never a str, never an SDK model), without read-only keys."""
    return {"properties": {k: v for k, v in resource.properties.items() if k not in READ_ONLY_KEYS}}


class _Runner:
    """Runs steps on a bounded thread pool, respecting dependencies, stopping new work after the first failure."""

    def __init__(self, clients: Clients, target: Target, parallelism: int, progress: Progress | None):
        self.clients = clients
        self.target = target
        self.parallelism = parallelism
        self.progress = progress
        self.items: dict[tuple[str, str], PlanItem] = {}
        self._lock = threading.Lock()

    def step(self, report: DeployReport, operation: str, item: PlanItem) -> Step:
        self.items[(item.kind, item.name)] = item
        step = Step(operation, item.kind, item.name)
        report.steps.append(step)
        return step

    def run(self, steps: list[Step], deps: dict[str, set[str]], *, halt_on_failure: bool = True) -> bool:
        """Run `steps` (dependencies by name within this batch); False when one failed."""
        if not steps:
            return True
        by_name = {s.name: s for s in steps}
        blockers = {s.name: set(deps.get(s.name, ())) & set(by_name) for s in steps}
        dependents: dict[str, list[str]] = {}
        for name, before in blockers.items():
            for other in before:
                dependents.setdefault(other, []).append(name)
        ready = deque(s for s in steps if not blockers[s.name])
        waiting = {s.name for s in steps if blockers[s.name]}
        failed = False
        running: dict[Future, Step] = {}
        with ThreadPoolExecutor(max_workers=min(self.parallelism, len(steps))) as pool:
            while True:
                # only `parallelism` calls are ever handed to the pool, so nothing queued runs after a failure
                while ready and len(running) < self.parallelism and not (failed and halt_on_failure):
                    step = ready.popleft()
                    running[pool.submit(self._call, step)] = step
                if not running:
                    if waiting and not (failed and halt_on_failure):  # a reference cycle: go on by name
                        ready.extend(by_name[n] for n in sorted(waiting))
                        waiting.clear()
                        continue
                    break
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    step = running.pop(future)
                    if step.status != DONE:
                        failed = True
                        continue
                    for name in dependents.get(step.name, ()):
                        blockers[name].discard(step.name)
                        if not blockers[name] and name in waiting:
                            waiting.discard(name)
                            ready.append(by_name[name])
        return not failed

    def grant(self, report: DeployReport, step: Step, grant: GrantAccess) -> bool:
        """Run the Key Vault grant as a step; False when it failed."""
        try:
            report.grants = grant()
            step.status = DONE
        except AdfgenError as exc:
            step.status, step.message = FAILED, exc.render()
        except Exception as exc:  # noqa: BLE001 - a bug here must not leave triggers stopped
            step.status, step.message = FAILED, f"{type(exc).__name__}: {exc}"
        self._report(step)
        return step.status == DONE

    def _report(self, step: Step) -> None:
        if self.progress:
            with self._lock:
                self.progress(step)

    def _call(self, step: Step) -> None:
        from azure.core.exceptions import AzureError, ServiceResponseError

        t = self.target
        try:
            if step.operation == "put":
                source = self.items[(step.kind, step.name)].source
                # stream=True: skip deserialising the echoed body into SDK models (half the client CPU per PUT)
                echoed = operations(self.clients, step.kind).create_or_update(
                    t.resource_group, t.factory_name, step.name, request_body(source), stream=True)
                for _ in echoed:  # read it to the end so the connection goes back to the pool
                    pass
            elif step.operation == "delete":
                operations(self.clients, step.kind).delete(t.resource_group, t.factory_name, step.name)
            elif step.operation in ("start", "stop"):
                triggers = self.clients.datafactory.triggers
                begin = triggers.begin_start if step.operation == "start" else triggers.begin_stop
                begin(t.resource_group, t.factory_name, step.name, retry_on_methods=_RETRY_POST).result()
            step.status = DONE
        except ServiceResponseError as exc:  # the request went out, the answer never came back, retries exhausted
            step.status, step.message = UNKNOWN, describe_error(exc)
        except AzureError as exc:
            step.status, step.message = FAILED, describe_error(exc)
        except Exception as exc:  # noqa: BLE001 - a bug in one call must not leave triggers stopped
            step.status, step.message = FAILED, f"{type(exc).__name__}: {exc}"
        self._report(step)
