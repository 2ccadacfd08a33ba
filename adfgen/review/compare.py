"""Pair the factories of two builds (folders or a git ref's folder) and diff each pair."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from adfgen.core.errors import AdfgenError
from adfgen.review.diff import Change, diff_factories
from adfgen.review.folders import Factory, factories_at, group_factories
from adfgen.review.gitref import files_at


@dataclass
class FactoryDiff:
    """The changes of one factory between two builds, and files that could not be read on either side."""

    factory: str
    changes: list[Change]
    unreadable: list[str] = field(default_factory=list)

    @property
    def security_count(self) -> int:
        """How many changes are security-relevant."""
        return sum(c.security for c in self.changes)


def factories_in_folder(path: Path) -> dict[str, Factory]:
    """The factories at or below a folder (a factory folder, out/, a repository), keyed by relative path."""
    path = Path(path)
    if path.is_file():
        raise AdfgenError(f"{path}: a file; adfgen diff compares folders (factory folders or folders of factories)")
    if not path.is_dir():
        raise AdfgenError(f"{path}: no such folder")
    return factories_at(path)


def factories_in_files(files: dict[str, bytes], name: str) -> dict[str, Factory]:
    """The same grouping for a folder read from git: relative path → bytes."""
    return group_factories(files, name)


def diff_folders(before: dict[str, Factory], after: dict[str, Factory]) -> list[FactoryDiff]:
    """One FactoryDiff per factory on either side; a single factory on each side is compared whatever its name."""
    if len(before) == 1 and len(after) == 1 and set(before) != set(after):
        old, (new_name, new) = next(iter(before.values())), next(iter(after.items()))
        return [FactoryDiff(new_name, diff_factories(old.resources, new.resources), old.unreadable + new.unreadable)]
    empty = Factory("", [])
    return [FactoryDiff(name, diff_factories(before.get(name, empty).resources, after.get(name, empty).resources),
                        before.get(name, empty).unreadable + after.get(name, empty).unreadable)
            for name in sorted(set(before) | set(after))]


def diff_ref(ref: str, out_dir: Path) -> tuple[str, list[FactoryDiff]]:
    """(commit, diffs) of `out_dir` as committed at `ref` against `out_dir` in the working tree."""
    commit, files = files_at(ref, out_dir)
    out_dir = Path(out_dir)
    if not files and not out_dir.is_dir():
        raise AdfgenError(f"{out_dir}: neither at {ref} nor in the working tree; run `adfgen build` first")
    before = factories_in_files(files, out_dir.resolve().name)
    after = factories_in_folder(out_dir) if out_dir.is_dir() else {}
    if not before and not after:  # a wrong --out must not read as "no change"
        raise AdfgenError(f"{out_dir}: no ADF resources at {ref} nor in the working tree (pipeline/, dataset/, ...)")
    return commit, diff_folders(before, after)
