"""`adfgen check` without a path: build the specs in memory and check the result (and that out/ is current)."""

from __future__ import annotations

from pathlib import Path

from adfgen.check.model import ERROR, WARNING, Entry, Factory, Finding
from adfgen.errors import AdfgenError, UsageError


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
    from adfgen.writer import stale_files

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


def load_project(out_root: Path = Path("out"), spec_paths: list[Path] | None = None) -> list[Factory]:
    """Factories built from `spec_paths` (default: `specs/`); spec problems become SP001 findings."""
    from adfgen.build import build_factories, default_spec_paths

    try:
        paths = spec_paths or default_spec_paths()
    except AdfgenError as exc:
        raise UsageError(f"{exc}; pass a PATH to a spec, an ADF folder or an ARM template") from None
    try:
        builds = build_factories(paths)
    except AdfgenError as exc:
        factory = Factory(name="specs", root="specs")
        factory.load_findings = [_spec_finding(p) for p in exc.problems] or [
            Finding("specs", 0, "SP001", ERROR, str(exc))]
        return [factory]
    factories = []
    for build in builds:
        root = out_root / build.name
        factory = Factory(name=build.name, root=str(root), complete=True,
                          concurrency_limits=dict(getattr(build, "concurrency_limits", {}) or {}))
        for resource in build.resources:
            data = build.files.get(resource.git_path, b"")
            text = data.decode("utf-8", "replace") if data else None
            factory.entries.append(Entry(resource, str(root / resource.git_path), 1, text, origin="build"))
        factory.load_findings = _stale(build, out_root)
        factories.append(factory)
    return factories
