"""Publish a plan: stop affected triggers, PUT in dependency order (parallel, bounded), prune, (re)start triggers."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from adfgen.azure.clients import Clients, Target, describe_error
from adfgen.azure.diff import CREATE, DELETE, UPDATE, Plan, PlanItem
from adfgen.azure.normalize import READ_ONLY_KEYS
from adfgen.azure.plan import make_plan, operations
from adfgen.resources import KINDS, Resource
from adfgen.writer import references_of as references  # the one reference walker

PENDING, DONE, FAILED, NOT_APPLIED = "pending", "done", "failed", "not applied"
# start/stop are idempotent POSTs; azure-core only retries POST on 500/503/504, so allow it for dropped connections too
_RETRY_POST = frozenset(["HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE", "POST"])


@dataclass
class Step:
    """One call deploy makes (or would have made): stop / put / delete / start a resource."""

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
    """What deploy did, failed to do, and did not get to; plus triggers it could not restart."""

    target: Target
    plan: Plan
    steps: list[Step] = field(default_factory=list)
    restart_failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every step was applied and every stopped trigger restarted."""
        return all(s.status == DONE for s in self.steps) and not self.restart_failures

    def by_status(self, status: str) -> list[Step]:
        """Steps with one status."""
        return [s for s in self.steps if s.status == status]

    def restart_commands(self) -> list[str]:
        """The exact Azure CLI commands that start the triggers deploy could not restart."""
        t = self.target
        return [f"az datafactory trigger start --subscription {t.subscription_id} --resource-group {t.resource_group} "
                f"--factory-name {t.factory_name} --name {name}" for name in self.restart_failures]


Progress = Callable[[Step], None]


def deploy(clients: Clients, target: Target, source: list[Resource], *, prune: bool = False,
           start_triggers: bool = True, parallelism: int = 8, plan: Plan | None = None,
           progress: Progress | None = None) -> DeployReport:
    """Make the live factory match `source`; never raises for a failed call: the report says what happened."""
    plan = plan or make_plan(clients, target, source, prune=prune, start_triggers=start_triggers)
    runner = _Runner(clients, target, max(1, parallelism), progress)
    report = DeployReport(target, plan)
    stops = [runner.step(report, "stop", i) for i in plan.items if i.stop_first]
    puts = {kind: [runner.step(report, "put", i) for i in plan.with_action(CREATE, UPDATE) if i.kind == kind]
            for kind in KINDS}
    deletes = {kind: [runner.step(report, "delete", i) for i in plan.with_action(DELETE) if i.kind == kind]
               for kind in KINDS}
    report.steps += [Step("start", "trigger", i.name) for i in plan.items if i.start_after]
    items = {(i.kind, i.name): i for i in plan.items}
    halted = completed = False
    try:
        halted = not runner.run(stops, {})
        for kind in KINDS:  # linked services → datasets → pipelines → triggers
            if not halted:
                halted = not runner.run(puts[kind], _put_dependencies(puts[kind], items))
        for kind in reversed(list(KINDS)):  # triggers → pipelines → datasets → linked services
            if not halted:
                halted = not runner.run(deletes[kind], _delete_dependencies(deletes[kind], items))
        completed = not halted
    finally:
        # never leave a trigger stopped by this run: on failure restore it, on success start what should run
        start_steps = [s for s in report.steps if s.operation == "start"]
        deleted = {s.name for s in report.steps if s.operation == "delete" and s.kind == "trigger" and s.status == DONE}
        if not completed:  # restore the triggers this run stopped; planned starts of others stay "not applied"
            restore = sorted({s.name for s in stops if s.status == DONE} - deleted)
            todo = []
            for name in restore:
                step = next((s for s in start_steps if s.name == name), None)
                if step is None:
                    step = Step("start", "trigger", name)
                    report.steps.append(step)
                todo.append(step)
        else:
            todo = start_steps
        runner.run(todo, {}, halt_on_failure=False)
        report.restart_failures = sorted(s.name for s in todo if s.status == FAILED
                                         and any(x.name == s.name and x.status == DONE for x in stops))
        for step in report.steps:
            if step.status == PENDING:
                step.status = NOT_APPLIED
    return report


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

    def _call(self, step: Step) -> None:
        from azure.core.exceptions import AzureError

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
        except AzureError as exc:
            step.status, step.message = FAILED, describe_error(exc)
        except Exception as exc:  # noqa: BLE001 - a bug in one call must not leave triggers stopped
            step.status, step.message = FAILED, f"{type(exc).__name__}: {exc}"
        if self.progress:
            with self._lock:
                self.progress(step)
