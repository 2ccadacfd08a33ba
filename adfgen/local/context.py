"""What an activity handler works with: the container frame it runs in, its context, and the handler registry."""

from __future__ import annotations

import json
from collections import ChainMap
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adfgen.expressions.evaluator import UNSET, Scope, evaluate
from adfgen.core import adf_limits as limits
from adfgen.local.clock import Clock
from adfgen.local.masking import strings_in
from adfgen.local.records import ActivityFailure, ActivityRun, ActivityTimeout, PipelineRun
from adfgen.local.transport import HttpReply, TransportError

if TYPE_CHECKING:
    from adfgen.local.runner import Runtime


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
    return any(needle in text for text in strings_in(value))


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
