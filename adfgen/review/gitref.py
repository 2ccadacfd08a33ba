"""The files of a folder as committed at a git ref, read with `git` itself (no library, no checkout)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from adfgen.core.errors import AdfgenError


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise AdfgenError("git is not installed; compare two folders instead: adfgen diff A B") from None


def repository_of(folder: Path) -> tuple[Path, str]:
    """(repository top level, `folder` relative to it in POSIX form); raises when not inside a work tree."""
    folder = Path(folder).resolve()
    probe = folder if folder.is_dir() else folder.parent
    while not probe.exists():
        probe = probe.parent
    result = _git(["rev-parse", "--show-toplevel"], probe)
    if result.returncode != 0:
        raise AdfgenError(f"{folder} is not inside a git repository; compare two folders instead: adfgen diff A B")
    top = Path(result.stdout.decode().strip()).resolve()
    return top, folder.relative_to(top).as_posix()


def resolve(ref: str, top: Path) -> str:
    """The commit id `ref` names; raises with the ref in the message when git does not know it."""
    if ref.startswith("-"):
        raise AdfgenError(f"unknown git ref {ref!r}")  # never let a ref be read as a git option
    result = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    if result.returncode != 0:
        raise AdfgenError(f"unknown git ref {ref!r} (try a branch, tag or commit: `git branch -a`)")
    return result.stdout.decode().strip()


def files_at(ref: str, folder: Path) -> tuple[str, dict[str, bytes]]:
    """(commit, {path relative to `folder`: bytes}) of every file under `folder` at `ref`; {} when absent there."""
    top, rel = repository_of(folder)
    commit = resolve(ref, top)
    prefix = "" if rel in ("", ".") else rel + "/"
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix or "."], top)
    if listing.returncode != 0:
        raise AdfgenError(f"git ls-tree failed at {ref}: {listing.stderr.decode(errors='replace').strip()}")
    blobs = []
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.split(b"\t", 1)
        if meta.split()[1] == b"blob":
            blobs.append((meta.split()[2].decode(), path.decode("utf-8", errors="surrogateescape")))
    if not blobs:
        return commit, {}
    batch = _git(["cat-file", "--batch"], top, stdin="".join(f"{sha}\n" for sha, _ in blobs).encode())
    if batch.returncode != 0:
        raise AdfgenError(f"git cat-file failed: {batch.stderr.decode(errors='replace').strip()}")
    files, data, offset = {}, batch.stdout, 0
    for _, path in blobs:  # each object: "<sha> blob <size>\n<bytes>\n"
        header_end = data.index(b"\n", offset)
        size = int(data[offset:header_end].split()[2])
        files[path[len(prefix):]] = data[header_end + 1:header_end + 1 + size]
        offset = header_end + 1 + size + 1
    return commit, files
