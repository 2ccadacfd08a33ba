"""Read a file only when it is a regular file, and only up to a size limit.

A FIFO blocks the open until a writer comes, a device such as /dev/zero never ends, and a huge file fills memory:
`adfgen check` and the spec loader both read whatever path a user names, so both read through here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegularFile(ValueError):
    """A directory, FIFO, device or socket: not read."""


class FileTooLarge(ValueError):
    """A file over the reader's limit: not read beyond it."""


def read_regular_file(path: Path, limit: int, limit_said: str) -> bytes:
    """A regular file's bytes, at most `limit`; else NotRegularFile, or FileTooLarge saying `larger than {limit_said}`."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: opening a FIFO must not wait for a writer
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise NotRegularFile("not a regular file")
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"larger than {limit_said}")
    return data
