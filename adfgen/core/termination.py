"""SIGTERM as an exception: so that cleanup (`finally`, `except BaseException`) runs when CI cancels a job."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

EXIT_SIGTERM = 128 + 15  # as shells report a process ended by SIGTERM


class Terminated(SystemExit):
    """The process was asked to stop (SIGTERM); exits 143 once cleanup ran."""

    def __init__(self) -> None:
        super().__init__(EXIT_SIGTERM)


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Inside the block SIGTERM raises Terminated (the default would end the process with no cleanup at all).

    Only the main thread may set signal handlers; elsewhere the block changes nothing."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
