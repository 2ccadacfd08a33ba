"""`adfgen check` without a path: build the specs in memory and check the result (and that out/ is current)."""

from __future__ import annotations

import re
from pathlib import Path

from adfgen.check.model import ERROR, WARNING, Entry, Factory, Finding
from adfgen.check.sources import SKIP_DIRS, Unreadable, read_bytes
from adfgen.core.errors import AdfgenError, UsageError


def _spec_finding(problem: object) -> Finding:
    file = str(getattr(problem, "file", "") or "specs")
    line = int(getattr(problem, "line", 0) or 0)
    where = str(getattr(problem, "where", "") or "")
    message = str(getattr(problem, "message", problem))
    return Finding(file=file, line=line, code="SP001", severity=ERROR, message=message, path=where)


def _stale(build: object, out_root: Path) -> list[Finding]:
    """SP002 findings when out/<factory>/ differs from the in-memory build."""
    folder = out_root / build.name
    shown = str(folder)
    if not folder.is_dir():
        return [Finding(shown, 0, "SP002", WARNING, "build output is missing; run `adfgen build`")]
    from adfgen.build.writer import stale_files

    try:
        stale = stale_files(build.files, folder)
    except OSError as exc:
        return [Finding(shown, 0, "SP002", WARNING, f"cannot read the build output: {exc}")]
    different = [rel for rel, reason in stale if reason != "extra"]
    extra = [rel for rel, reason in stale if reason == "extra"]
    findings = []
    for rel in different[:20]:
        findings.append(Finding(str(folder / rel), 0, "SP002", WARNING,
                                "differs from what the specs build now; run `adfgen build`"))
    for rel in extra[:20]:
        findings.append(Finding(str(folder / rel), 0, "SP002", WARNING,
                                "not produced by the specs any more; run `adfgen build` (it prunes stale files)"))
    return findings


SPEC_SUFFIXES = (".yaml", ".yml")
_TOP_KEY = re.compile(r"^(factory|apis)[ \t]*:", re.MULTILINE)


def is_spec_file(path: Path) -> bool:
    """A YAML file with top-level `factory:` and `apis:` keys (read as text: only adfgen.spec parses YAML)."""
    try:  # bounded, regular files only: a FIFO, device or huge file must not hang or exhaust memory
        text = read_bytes(path).decode("utf-8", errors="replace")
    except (OSError, Unreadable):
        return False
    return {m.group(1) for m in _TOP_KEY.finditer(text)} == {"factory", "apis"}


def spec_files_in(directory: Path) -> list[Path]:
    """The spec files at or below `directory`, sorted."""
    found = []
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory).parts
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel[:-1]):
            continue
        if path.suffix in SPEC_SUFFIXES and path.is_file() and is_spec_file(path):
            found.append(path)
    return found


def _spec_failure(exc: AdfgenError) -> Factory:
    factory = Factory(name="specs", root="specs")
    factory.load_findings = [_spec_finding(p) for p in exc.problems] or [Finding("specs", 0, "SP001", ERROR, str(exc))]
    return factory


def _environment_builds(builds: list, env: str | None) -> tuple[list, list[Finding]]:
    """The builds for every environment of the base builds' factories (or only `env`), and build problems."""
    from adfgen.build import build_factories

    wanted: dict[tuple[str, ...], list[str]] = {}
    for build in builds:
        names = sorted(build.config.environments) if env is None else [e for e in build.config.environments if e == env]
        for name in names:
            files = wanted.setdefault(tuple(build.spec_files), [])
            if name not in files:
                files.append(name)
    found, problems = [], []
    for files, names in wanted.items():
        for name in names:
            try:
                found += [(b, name) for b in build_factories([Path(f) for f in files], env=name)]
            except AdfgenError as exc:
                problems += _spec_failure(exc).load_findings
    return found, problems


def _factory_of(build: object, out_root: Path) -> Factory:
    root = out_root / build.name
    factory = Factory(name=build.name, root=str(root), complete=True,
                      concurrency_limits=dict(getattr(build, "concurrency_limits", {}) or {}))
    for resource in build.resources:
        data = build.files.get(resource.git_path, b"")
        text = data.decode("utf-8", "replace") if data else None
        factory.entries.append(Entry(resource, str(root / resource.git_path), 1, text, origin="build"))
    factory.load_findings = _stale(build, out_root) + [
        Finding(w.file, w.line, "SP003", WARNING, w.message, path=w.where)
        for w in getattr(build, "warnings", ())]
    return factory


def load_project(out_root: Path = Path("out"), spec_paths: list[Path] | None = None,
                 env: str | None = None) -> list[Factory]:
    """Factories built from `spec_paths` (default: `specs/`) for the base config and every environment.

    With `env`, only that environment's factories (a UsageError when no spec defines it). Spec problems
    become SP001 findings; each factory's `out/<factory>/` is compared with its build (SP002).
    """
    from adfgen.build import build_factories, default_spec_paths

    try:
        paths = spec_paths or default_spec_paths()
    except AdfgenError as exc:
        raise UsageError(f"{exc}; pass a PATH to a spec, an ADF folder or an ARM template") from None
    try:
        base = build_factories(paths)
    except AdfgenError as exc:
        return [_spec_failure(exc)]
    if env is not None:
        known = sorted({name for b in base for name in b.config.environments})
        if env not in known:
            raise UsageError(f"--env {env}: no spec defines this environment under factory.environments; "
                             f"expected one of: {', '.join(known) or '(none defined)'}")
    extra, problems = _environment_builds(base, env)
    labelled = ([] if env is not None else [(b, None) for b in base]) + extra
    factories: list[Factory] = []
    first: dict[str, str | None] = {}
    for build, name in labelled:
        if build.name in first:
            other = f"environment '{first[build.name]}'" if first[build.name] else "the base config"
            problems.append(Finding(str(build.spec_files[0]) if build.spec_files else "specs", 0, "SP001", ERROR,
                                    f"environment '{name}' builds factory '{build.name}', the same name as {other}; "
                                    f"give it its own factory.environments.{name}.name (factory names are "
                                    f"globally unique, and out/{build.name}/ can hold only one of them)", path=f"factory.environments.{name}.name"))
            continue
        first[build.name] = name
        factories.append(_factory_of(build, out_root))
    if problems and factories:
        factories[0].load_findings += problems
    elif problems:
        factories.append(Factory(name="specs", root="specs", load_findings=problems))
    return factories


def is_whole_factory(root: Path) -> bool:
    """A Git-integration root: ADF Studio writes `factory/<name>.json` beside the resource folders.

    Documented: https://learn.microsoft.com/azure/data-factory/source-control#repository-structure
    (assumed from the layout ADF Studio commits; the corpus's Git roots all carry it).
    """
    return (root / "factory").is_dir()


def settle_completeness(factories: list[Factory], partial: bool = False, complete: bool = False) -> None:
    """Decide per factory whether a missing reference is an error (a whole factory) or a warning (a subset).

    Whole by default: adfgen builds, ARM exports of a factory (decided when loaded) and Git-integration roots
    (`factory/` folder), since ADF Studio refuses to publish a dangling reference. `partial` makes every
    folder a subset (the opt-out); `complete` makes every Git folder whole (the former opt-in).
    """
    for factory in factories:
        if any(entry.origin == "build" for entry in factory.entries):
            continue  # an adfgen build is always whole
        root = Path(factory.root)
        if partial:
            factory.complete = False
        elif root.is_dir() and (complete or is_whole_factory(root)):
            factory.complete = True
