"""Problems are data; AdfgenError is the one exception type the CLI turns into a clean message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about user input: `file:line: where: message`."""

    file: str
    line: int
    where: str
    message: str

    def __str__(self) -> str:
        location = f"{self.file}:{self.line}" if self.line else self.file
        return f"{location}: {self.where}: {self.message}" if self.where else f"{location}: {self.message}"


class AdfgenError(Exception):
    """An error the user can act on; the CLI prints it without a traceback and exits non-zero."""

    exit_code = 1

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = sorted(problems or [])

    def render(self) -> str:
        """The message followed by every problem, one per line."""
        lines = [str(self)] if str(self) else []
        lines += [str(p) for p in self.problems]
        return "\n".join(lines)


class UsageError(AdfgenError):
    """Bad command-line usage (exit 2)."""

    exit_code = 2
