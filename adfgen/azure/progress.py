"""deploy's progress bar: one step per ARM call the plan makes, drawn with rich on a terminal only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CHANGES = ("create", "update", "delete")  # one call each, plus a stop and/or a start for triggers


class DeployProgress:
    """A rich progress bar on a terminal, nothing otherwise; yields the per-step callback."""

    def __init__(self, terminal: bool, plan: Any, *, grants: bool = False):
        self.terminal = terminal
        self.total = sum((i.action in CHANGES) + i.stop_first + i.start_after for i in plan.items) + grants
        self.bar: Any = None

    def __enter__(self) -> Callable | None:
        if not self.terminal or not self.total:
            return None
        from rich.progress import Progress

        self.bar = Progress(transient=True)
        self.bar.start()
        task = self.bar.add_task("deploying", total=self.total)
        return lambda step: self.bar.update(task, advance=1, description=f"{step.operation} {step.name}")

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()
