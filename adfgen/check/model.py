"""The data `check` works on: located resources, factories to check, and findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adfgen.core.resources import Resource

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Entry:
    """One resource and where it came from (file, 1-based line of the resource, 0 when unknown)."""

    resource: Resource
    file: str
    line: int = 0
    text: str | None = field(default=None, repr=False, compare=False)  # the source text, for locating values
    origin: str = "git"  # "git" | "arm" | "build"; ARM strings `[...]` are ARM expressions, not ADF ones
    pointer: str = ""  # RFC 6901 pointer of the resource object in `text`: "" for a file, "/resources/3" in ARM

    @property
    def kind(self) -> str:
        """The resource kind, e.g. "pipeline"."""
        return self.resource.kind

    @property
    def name(self) -> str:
        """The resource name."""
        return self.resource.name

    @property
    def properties(self) -> dict[str, Any]:
        """The resource's `properties` object."""
        return self.resource.properties

    @property
    def label(self) -> str:
        """How messages name the resource, e.g. `pipeline pl_x`."""
        return f"{self.resource.kind} {self.resource.name}"


@dataclass
class Factory:
    """A set of resources checked together: a Git folder, an ARM template, or an adfgen build."""

    name: str
    root: str  # what the user sees as the factory's location
    entries: list[Entry] = field(default_factory=list)
    complete: bool = False  # True: a reference to a missing resource is an error, not a warning
    concurrency_limits: dict[str, int] = field(default_factory=dict)  # pipeline name -> API concurrency limit
    global_parameters: set[str] | None = None  # None when the factory's global parameters are unknown
    other_names: dict[str, set[str]] = field(default_factory=dict)  # e.g. "dataflow" -> names present
    load_findings: list["Finding"] = field(default_factory=list)

    def by_kind(self, kind: str) -> dict[str, Entry]:
        """Entries of one kind by name (the first one wins when names repeat)."""
        found: dict[str, Entry] = {}
        for entry in self.entries:
            if entry.kind == kind:
                found.setdefault(entry.name, entry)
        return found


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found by a rule, and where: the value it is about, by pointer and by line and column."""

    file: str
    line: int  # 1-based line where the value's text starts; 0 when unknown
    code: str
    severity: str
    message: str
    resource: str = ""  # e.g. "pipeline pl_x"
    path: str = ""  # readable JSON path inside the resource's properties
    column: int = 0  # 1-based column (code points) where the value's text starts; 0 when unknown
    # RFC 6901 pointer of the value in the file; None when the finding is not about a JSON value (e.g. invalid JSON).
    # Not compared: it follows from file and path, and None must not be ordered against a string.
    pointer: str | None = field(default=None, compare=False)
    missing: str = field(default="", compare=False)  # the pointer's continuation absent from the file
    expression_column: int = 0  # 1-based column inside an expression string, when known
    # Where the value's text ends: the line and the column just past its last character (a string's closing
    # quote, a container's closing bracket), as SARIF's endLine/endColumn count; 0 when unknown. Not compared:
    # it follows from the start and the pointer, so ordering and de-duplication stay as they were.
    end_line: int = field(default=0, compare=False)
    end_column: int = field(default=0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for JSON output."""
        return {"file": self.file, "line": self.line, "column": self.column, "pointer": self.pointer,
                "missing": self.missing, "code": self.code, "severity": self.severity, "resource": self.resource,
                "path": self.path, "expression_column": self.expression_column, "message": self.message}
