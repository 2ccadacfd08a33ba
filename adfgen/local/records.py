"""What a run leaves behind: pipeline and activity run records, their statuses, and the failures activities raise."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SUCCEEDED, FAILED, SKIPPED = "Succeeded", "Failed", "Skipped"


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
