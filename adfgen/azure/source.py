"""What deploy publishes: the built `out/<factory>/` folder, refused when it is stale against the specs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
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


# ADF Git folders also hold these; deploy publishes only KINDS and refuses to skip them silently. Folder names as
# ADF Studio writes them (observed: dataflow/, integrationRuntime/, credential/, factory/; managedVirtualNetwork/<vnet>/
# managedPrivateEndpoint/ and adfcdc/ as azure.datafactory.tools reads them, its private/Import-AdfFromFolder.ps1)
UNPUBLISHED = {"dataflow": "data flow", "integrationRuntime": "integration runtime", "credential": "credential",
               "managedVirtualNetwork": "managed virtual network", "managedPrivateEndpoint": "managed private endpoint",
               "adfcdc": "change data capture", "factory": "global parameters"}


def unpublished(folder: Path) -> list[tuple[str, str, str]]:
    """(kind, name, file) of every object in a Git folder that deploy does not publish (`file` relative to it).

    A `factory/` file counts only when it holds global parameters: its other content (identity, Git settings)
    describes the factory itself, which deploy never changes.
    """
    folder = Path(folder)
    found: list[tuple[str, str, str]] = []
    for kind in ("dataflow", "integrationRuntime", "credential", "adfcdc", "managedVirtualNetwork"):
        found += [(kind, p.stem, p.relative_to(folder).as_posix()) for p in sorted((folder / kind).glob("*.json"))]
    found += [("managedPrivateEndpoint", p.stem, p.relative_to(folder).as_posix())
              for p in sorted(folder.glob("managedVirtualNetwork/*/managedPrivateEndpoint/*.json"))]
    for path in sorted((folder / "factory").glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = {"properties": {"globalParameters": "unreadable"}}  # cannot tell: refuse rather than skip
        parameters = (doc.get("properties") or {}).get("globalParameters") if isinstance(doc, dict) else None
        if parameters:
            found += [("factory", path.stem, path.relative_to(folder).as_posix())]
    return found


def _adf_folder(path: Path) -> str:
    """`properties.folder.name` of a Git file, empty when it has none or cannot be read."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return ""
    folder = (doc.get("properties") or {}).get("folder") if isinstance(doc, dict) else None
    return folder.get("name", "") if isinstance(folder, dict) and isinstance(folder.get("name"), str) else ""


# what each command says when it refuses: (what it does with the folder, the outcome of the refusal)
REFUSALS = {"deploy": ("deploy does not publish (it publishes", "Nothing was deployed."),
            "plan": ("deploy does not publish, so plan cannot show them (deploy publishes", "Nothing to plan."),
            "build": ("the ARM export would drop (it exports", "Nothing was written.")}


def refuse_unpublished(folder: Path, selects: Callable[[str, str, str], bool], command: str = "deploy") -> None:
    """Raise AdfgenError naming each object of the folder `command` would skip, unless excluded by the selection.

    `selects(kind, name, adf_folder)` sees each object's ADF folder, for `kind.name@folder` patterns.
    """
    skipped = [(kind, name, rel) for kind, name, rel in unpublished(folder)
               if selects(kind, name, _adf_folder(Path(folder) / rel))]
    if not skipped:
        return
    lines = "\n  ".join(f"{rel} ({UNPUBLISHED[kind]})" for kind, _, rel in skipped)
    excludes = " ".join(f"--exclude '{kind}.*'" for kind in dict.fromkeys(kind for kind, _, _ in skipped))
    does, outcome = REFUSALS[command]
    raise AdfgenError(
        f"{folder} holds {plural(len(skipped), 'object')} that {does} linked services, datasets, pipelines and "
        f"triggers only):\n  {lines}\n{outcome} Publish them another way (ADF Studio's publish, "
        f"azure.datafactory.tools or an ARM template), then {command} the rest with {excludes}.")
