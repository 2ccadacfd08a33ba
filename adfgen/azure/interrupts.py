"""Turn SIGTERM (a cancelled CI job) and Ctrl-C into one exception while deploy runs, so it restores triggers.

Every interrupt ends the same way: the first signal decides the exit code (128 + its number: 130 SIGINT, 143
SIGTERM); later ones are only recorded, from the moment the guard is installed until the process exits.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), signal.SIGINT) if s is not None)


class Interrupted(KeyboardInterrupt):
    """Deploy was told to stop by a signal (a KeyboardInterrupt, so callers unaware of it stop too)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def name(self) -> str:
        """SIGTERM / SIGINT."""
        return signal.Signals(self.signum).name


class InterruptGuard:
    """Records SIGTERM/SIGINT; raises Interrupted (once) only inside `interruptible()` blocks.

    Outside those blocks a signal is only remembered: a second signal must not abort the restart of the triggers
    the run stopped (GitHub Actions sends SIGINT, then SIGTERM a few seconds later).
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._raised = False
        self._interruptible = False

    def handle(self, signum: int, frame: Any) -> None:
        """The signal handler (Python runs it in the main thread, between bytecodes)."""
        if self.received is None:
            self.received = signum
        if self._interruptible and not self._raised:
            self._raised = True
            raise Interrupted(self.received)

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """Inside the block a signal (or one received just before it) raises Interrupted."""
        self._interruptible = True
        try:
            late = self.pending()
            if late:
                raise late
            yield
        finally:
            self._interruptible = False

    def pending(self) -> Interrupted | None:
        """A signal received but not raised yet, as an exception to raise; None otherwise."""
        if self.received is not None and not self._raised:
            self._raised = True
            return Interrupted(self.received)
        return None


_active: InterruptGuard | None = None  # the guard installed by an outer interrupts_recorded(), if any


@contextmanager
def interrupts_recorded(*, exiting: bool = False) -> Iterator[InterruptGuard]:
    """Route SIGTERM and SIGINT to a guard (main thread only), restoring the previous handlers afterwards.

    Nested use shares the outer guard, so a signal is never lost between an inner block's end and the outer one's.
    `exiting=True` (a CLI process that ends after the block): the signals stay ignored afterwards instead of the
    previous handlers coming back, so a late signal cannot kill the process before it exits with the code decided.
    """
    global _active
    if _active is not None:
        yield _active
        return
    guard = InterruptGuard()
    if threading.current_thread() is not threading.main_thread():
        yield guard  # Python delivers signals to the main thread only: nothing to install here
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, guard.handle)
    _active = guard
    try:
        yield guard
    finally:
        _active = None
        for s, handler in previous.items():
            if exiting:
                handler = signal.SIG_IGN
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)


def exit_code(signum: int) -> int:
    """The documented exit code of a deploy interrupted by `signum`: 128 + its number, as shells report it."""
    return 128 + signum
