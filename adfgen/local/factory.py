"""Load an ADF Git-integration folder (pipeline/, dataset/, linkedService/, trigger/) for a local run."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from adfgen.check.model import ERROR
from adfgen.check.sources import is_factory_root, load_git_factory
from adfgen.core.errors import AdfgenError, UsageError


@dataclass
class LocalFactory:
    """The resources of one factory by kind, with case-insensitive names as ADF has them."""

    name: str
    root: Path
    resources: dict[str, dict[str, tuple[str, dict[str, Any]]]] = field(default_factory=dict)  # kind -> lower -> (name, props)
    global_parameters: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def find(self, kind: str, name: str) -> tuple[str, dict[str, Any]] | None:
        """(name as written, properties) of a resource, matched without regard to case; None when absent."""
        return self.resources.get(kind, {}).get(str(name).lower())

    def names(self, kind: str) -> list[str]:
        """The names of every resource of one kind, sorted."""
        return sorted(name for name, _ in self.resources.get(kind, {}).values())

    def pipeline(self, name: str) -> tuple[str, dict[str, Any]]:
        """A pipeline by name, or a UsageError listing the pipelines there are."""
        found = self.find("pipeline", name)
        if found is None:
            known = ", ".join(self.names("pipeline")) or "(none)"
            raise UsageError(f"no pipeline named {name!r} in {self.root}; pipelines: {known}")
        return found

    def vault_hosts(self) -> tuple[str, ...]:
        """Hosts of the factory's AzureKeyVault linked services (served by --vault too)."""
        hosts = []
        for _, props in self.resources.get("linkedService", {}).values():
            if props.get("type") == "AzureKeyVault":
                url = (props.get("typeProperties") or {}).get("baseUrl")
                if isinstance(url, str) and urlsplit(url).hostname:
                    hosts.append(urlsplit(url).hostname.lower())
        return tuple(hosts)


def load_factory(root: Path) -> LocalFactory:
    """Load `root` (a Git folder); unreadable files become a UsageError, other findings warnings."""
    root = Path(root)
    if not root.is_dir() or not is_factory_root(root):
        raise UsageError(f"{root} is not an ADF Git folder (expected pipeline/, dataset/, linkedService/ ...)")
    loaded = load_git_factory(root)
    errors = [f for f in loaded.load_findings if f.severity == ERROR]
    if errors:
        raise UsageError(f"cannot load {root}: " + "; ".join(f"{f.file}: {f.message}" for f in errors))
    factory = LocalFactory(name=loaded.name, root=root,
                           warnings=[f"{f.file}: {f.message}" for f in loaded.load_findings])
    for entry in loaded.entries:
        table = factory.resources.setdefault(entry.kind, {})
        if entry.name.lower() in table:
            factory.warnings.append(f"{entry.file}: {entry.kind} {entry.name} repeats a name (ADF names are "
                                    "case-insensitive); the first one is used")
            continue
        table[entry.name.lower()] = (entry.name, entry.properties)
    factory.global_parameters = _global_parameters(root)
    return factory


def _global_parameters(root: Path) -> dict[str, Any]:
    """Global parameter values from factory/<name>.json ({name: {type, value}})."""
    import json

    folder = root / "factory"
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if len(files) != 1:
        return {}
    try:
        doc = json.loads(files[0].read_text("utf-8-sig"))
    except (OSError, ValueError):
        return {}
    params = (doc.get("properties") or {}).get("globalParameters") if isinstance(doc, dict) else None
    if not isinstance(params, dict):
        return {}
    return {k: v.get("value") if isinstance(v, dict) else v for k, v in params.items()}


def folder_for_env(env: str, out_root: Path = Path("out"), pipeline: str | None = None) -> Path:
    """out/<factory>/ of the project's specs for environment `env` (or a base factory named *-<env>).

    When the specs build several factories, the one whose build holds `pipeline` is chosen.
    """
    from adfgen.build import build_factories, default_spec_paths

    try:
        paths = default_spec_paths()
        base = build_factories(paths)
    except AdfgenError as exc:
        raise UsageError(f"--env {env}: cannot read the project's specs: {exc}") from None
    known = sorted({name for b in base for name in b.config.environments})
    if env in known:
        names = [b.name for b in build_factories(paths, env=env)]
    else:
        names = [b.name for b in base if b.name.lower().endswith(f"-{env.lower()}")]
        if not names:
            raise UsageError(f"--env {env}: no spec defines this environment under factory.environments "
                             f"(expected one of: {', '.join(known) or 'none'}) and no base factory is named *-{env}")
    folder = out_root / pick_factory(names, pipeline, out_root, f"--env {env}")
    if not folder.is_dir():
        raise UsageError(f"--env {env}: {folder} does not exist; run `adfgen build --env {env}` first")
    return folder


def pick_factory(names: list[str], pipeline: str | None, out_root: Path, what: str) -> str:
    """The one factory of `names`, or the one whose out/<factory>/ holds `pipeline` (ADF names: any case)."""
    if len(names) == 1:
        return names[0]
    holding = [name for name in names if pipeline and any(
        p.stem.lower() == pipeline.lower() for p in (out_root / name / "pipeline").glob("*.json"))]
    if len(holding) == 1:
        return holding[0]
    found = f"; {pipeline} is in {', '.join(holding)}" if len(holding) > 1 else (
        f"; none has a built pipeline {pipeline} ({_nearest(pipeline, names, out_root)})" if pipeline else "")
    raise UsageError(f"{what} builds several factories ({', '.join(names)}){found}; pass --folder out/<factory>")


def _nearest(pipeline: str, names: list[str], out_root: Path) -> str:
    """A hint for a pipeline no factory holds: the built names it is closest to (a typo), else to build first."""
    built = {p.stem.lower(): p.stem for name in names for p in (out_root / name / "pipeline").glob("*.json")}
    close = [built[n] for n in difflib.get_close_matches(pipeline.lower(), sorted(built), n=3, cutoff=0.85)]
    return f"did you mean {' or '.join(close)}?" if close else "run `adfgen build`?"
