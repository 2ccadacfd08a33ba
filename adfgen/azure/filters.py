"""--include / --exclude / --filter for deploy, plan and build --source: azure.datafactory.tools' filters.

A pattern is `<kind>.<name>` with wildcards in either part (`pipeline.pl_xero_*`, `trigger.*`, `*.ls_old`),
case-insensitive (documented: https://github.com/Azure-Player/azure.datafactory.tools/blob/master/docs/GUIDE/SELECTIVE_DEPLOYMENT.md),
optionally followed by `@<folder>`, their `{Type}.{Name}@{Folder}` form (documented: its README, "Pattern
(WildCard)"): then the object's ADF folder (`properties.folder.name`, empty when it has none) must match the
folder pattern too, as their AdfObject.IsNameMatch splits the pattern at `@` (read from its source).
With includes only the resources they match are deployed (or exported); excludes then drop resources. A
resource outside the selection is out of scope on both sides: not published, and never stopped or pruned in the
live factory (azure.datafactory.tools' default DoNotDeleteExcludedObjects); a stage config skips its lines.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adfgen.azure.source import UNPUBLISHED
from adfgen.core.errors import UsageError
from adfgen.core.resources import KINDS, Resource


@dataclass(frozen=True)
class Selection:
    """The include and exclude patterns (lower-case `kind.name`)."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude)

    def selects(self, kind: str, name: str, folder: str = "") -> bool:
        """True when `kind name` (in ADF folder `folder`) is in scope."""
        if self.include and not any(matches(p, kind, name, folder) for p in self.include):
            return False
        return not any(matches(p, kind, name, folder) for p in self.exclude)


def matches(pattern: str, kind: str, name: str, folder: str = "") -> bool:
    """PowerShell `-like` of a lower-case `kind.name[@folder]` pattern; without `@` any folder matches."""
    name_pattern, at, folder_pattern = pattern.partition("@")
    if not fnmatch.fnmatchcase(f"{kind}.{name}".lower(), name_pattern):
        return False
    return not at or fnmatch.fnmatchcase(folder.lower(), folder_pattern)


def folder_of(properties: Any) -> str:
    """The ADF folder an object sits in (`properties.folder.name`), empty when it has none."""
    folder = properties.get("folder") if isinstance(properties, dict) else None
    name = folder.get("name") if isinstance(folder, dict) else None
    return name if isinstance(name, str) else ""


def parse_selection(include: tuple[str, ...], exclude: tuple[str, ...]) -> Selection:
    """Validate the patterns (usage errors name the bad one)."""
    for flag, patterns in (("--include", include), ("--exclude", exclude)):
        # an exclude may name the kinds deploy does not publish (data flows, ...): it acknowledges they are skipped
        known = list(KINDS) + (list(UNPUBLISHED) if flag == "--exclude" else [])
        for pattern in patterns:
            kind, dot, name = pattern.partition("@")[0].partition(".")
            if not dot or not kind or not name:
                raise UsageError(f"{flag} {pattern!r}: expected KIND.NAME or KIND.NAME@FOLDER, e.g. "
                                 "'pipeline.pl_xero_*', 'trigger.*' or '*.*@testFolder'")
            if not any(fnmatch.fnmatchcase(k.lower(), kind.lower()) for k in known):
                raise UsageError(f"{flag} {pattern!r}: {kind!r} matches no kind; expected one of {', '.join(known)}")
    return Selection(tuple(p.lower() for p in include), tuple(p.lower() for p in exclude))


def read_filter_file(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(includes, excludes) of azure.datafactory.tools' filter file (New-AdfPublishOption -FilterFilePath).

    One rule per line or comma: `+pattern` or `pattern` includes, `-pattern` excludes; blank rules are skipped.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"--filter {path}: {exc.strerror or exc}") from None
    rules = [r.strip() for r in text.replace(",", "\n").splitlines() if r.strip()]
    includes = tuple(r.lstrip("+").strip() for r in rules if not r.startswith("-"))
    excludes = tuple(r[1:].strip() for r in rules if r.startswith("-"))
    return includes, excludes


def selection_of(include: tuple[str, ...], exclude: tuple[str, ...], filter_file: Path | None) -> Selection:
    """--include and --exclude, plus the rules of a --filter file when one is given."""
    extra_include, extra_exclude = read_filter_file(filter_file) if filter_file else ((), ())
    return parse_selection(tuple(include) + extra_include, tuple(exclude) + extra_exclude)


def select(resources: list[Resource], selection: Selection) -> list[Resource]:
    """The resources in scope; an include that matches nothing is a usage error (a typo must not deploy nothing)."""
    for pattern in selection.include:
        if not any(matches(pattern, r.kind, r.name, folder_of(r.properties)) for r in resources):
            raise UsageError(f"--include {pattern!r} matches no resource of the source")
    return [r for r in resources if selection.selects(r.kind, r.name, folder_of(r.properties))]


def scope_plan(plan: Any, selection: Selection) -> Any:
    """Drop live-only items outside the selection: they are neither deleted, stopped nor reported as orphans."""
    if selection:
        plan.items = [i for i in plan.items if i.source is not None
                      or selection.selects(i.kind, i.name, folder_of(i.live.properties if i.live else None))]
    return plan
