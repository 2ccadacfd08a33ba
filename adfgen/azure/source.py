"""What deploy publishes: the built `out/<factory>/` folder, refused when it is stale against the specs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from adfgen.core.errors import AdfgenError
from adfgen.core.wording import plural
from adfgen.core.resources import Resource, load_git_folder
from adfgen.build.writer import stale_files

_REASONS = {"missing": "missing", "differs": "differs", "extra": "not in the build"}


def require_fresh(build: Any, out_dir: Path, env: str | None) -> None:
    """Raise AdfgenError naming the stale files when `out/<factory>/` is not what the specs build to now."""
    folder = Path(out_dir) / build.name
    stale = [f"{rel} ({_REASONS[reason]})" for rel, reason in stale_files(build.files, folder)]
    if stale:
        env_flag = f" --env {env}" if env else ""
        shown = stale[:20] + ([f"... and {len(stale) - 20} more"] if len(stale) > 20 else [])
        raise AdfgenError(
            f"{folder} is stale against the specs ({plural(len(stale), 'file')}); deploy publishes only what was built and "
            f"reviewed. Run `adfgen build{env_flag}` and review the change, or pass --build to build first:\n  "
            + "\n  ".join(shown))


def load_source(folder: Path) -> list[Resource]:
    """Resources of a Git-layout folder, with a clear error when it is missing or unreadable."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AdfgenError(f"{folder}: no such folder; run `adfgen build` first or pass --source DIR")
    try:
        resources = load_git_folder(folder)
    except (OSError, ValueError) as exc:
        raise AdfgenError(f"{folder}: cannot read the built resources: {exc}") from None
    if not resources:
        raise AdfgenError(f"{folder}: no linkedService/, dataset/, pipeline/ or trigger/ files to deploy")
    return resources


def check_unique(resources: Iterable[Resource]) -> None:
    """ADF names are case-insensitive per kind: refuse two resources that differ only in case."""
    seen: dict[tuple[str, str], str] = {}
    for r in resources:
        key = (r.kind, r.name.lower())
        if key in seen:
            raise AdfgenError(f"{r.kind} names '{seen[key]}' and '{r.name}' collide (ADF names are case-insensitive)")
        seen[key] = r.name
