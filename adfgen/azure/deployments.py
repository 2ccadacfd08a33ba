"""Which factories a plan or deploy covers: where each lives, what it publishes, which secrets it uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from adfgen.azure.clients import Target
from adfgen.azure.filters import Selection, select
from adfgen.core.errors import UsageError
from adfgen.core.resources import Resource
from adfgen.core.wording import them


@dataclass
class Deployment:
    """One factory to plan or deploy: where it lives, what to publish, which secrets it uses."""

    target: Target
    resources: list[Resource]
    secret_names: tuple[str, ...] = ()
    written_secret_names: tuple[str, ...] = ()  # the subset the factory writes (least privilege: Officer there)
    location: str | None = None  # the spec's factory.azure.location (for --create-factory)


@dataclass(frozen=True)
class Overrides:
    """The flags that override the environment config's target (None: keep the config's value)."""

    subscription: str | None = None
    resource_group: str | None = None
    factory: str | None = None
    vault_name: str | None = None
    vault_resource_group: str | None = None


def target_of(overrides: Overrides, build: Any) -> Target:
    """Subscription, resource group, factory and vault: the environment config, overridden by flags."""
    config = getattr(build, "config", None)
    azure = getattr(config, "azure", None)
    values = {
        "subscription_id": overrides.subscription or getattr(azure, "subscription_id", None),
        "resource_group": overrides.resource_group or getattr(azure, "resource_group", None),
        "factory_name": overrides.factory or (build.name if build is not None else None),
        "vault_name": overrides.vault_name or getattr(config, "key_vault_name", None),
        "vault_resource_group": overrides.vault_resource_group or getattr(azure, "key_vault_resource_group", None),
    }
    flags = {"subscription_id": "--subscription", "resource_group": "--resource-group", "factory_name": "--factory"}
    missing = [flag for key, flag in flags.items() if not values[key]]
    if missing:
        if build is None:
            raise UsageError(f"missing {', '.join(missing)}: not set by --source; pass {them(len(missing))}")
        # with several specs only some may name a target: say which factory lacks it and how to leave it out
        unset = [f"factory.azure.{key}" for key, flag in flags.items() if flag in missing]
        specs = ", ".join(getattr(build, "spec_files", ())) or "its spec"
        raise UsageError(f"factory {build.name} ({specs}): missing {', '.join(missing)}: its config sets no "
                         f"{', '.join(unset)}; set {them(len(unset))} there, pass the flags, or pick the factories "
                         "to use (--factory NAME, or spec files)")
    return Target(**values)


def from_source(folder: Path, target: Target, selection: Selection, *, stage: str | None, command: str,
                notify: Callable[[str], None]) -> Deployment:
    """An ADF Git folder published as it is, with a stage config's overrides; `notify` hears what the stage changed."""
    from adfgen.azure.ownership import claim
    from adfgen.azure.source import check_unique, load_source, refuse_unpublished

    refuse_unpublished(folder, selection.selects, command)  # never skip data flows etc. silently
    resources = load_source(folder)
    if stage:
        from adfgen.azure.stage_config import apply_stage

        resources, summary = apply_stage(folder, stage, resources, selection.selects)
        notify(summary)
    check_unique(resources)
    # every resource deploy publishes is managed afterwards (docs/deploy.md, "Ownership")
    return Deployment(target, claim(resources))


def from_build(paths: list[Path], env: str | None, out_dir: Path, overrides: Overrides, *, build_first: bool,
               dry_run: bool) -> list[Deployment]:
    """The spec build's factories, as published from out/ (checked fresh); `--build --dry-run` plans the in-memory
    build and writes nothing."""
    from adfgen.azure.source import load_source, require_fresh
    from adfgen.build import build_factories, write_outputs

    builds = build_factories(paths, env)
    if len(builds) > 1 and overrides.factory:  # with several factories, --factory picks one
        builds = [b for b in builds if b.name == overrides.factory]
        if not builds:
            raise UsageError(f"--factory {overrides.factory}: no such factory in the build")
    if build_first and dry_run:
        return [_deployment(b, overrides, list(b.resources)) for b in builds]
    if build_first:
        write_outputs(builds, out_dir)
    deployments = []
    for build in builds:
        require_fresh(build, out_dir, env)
        deployments.append(_deployment(build, overrides, load_source(Path(out_dir) / build.name)))
    return deployments


def scoped(deployments: list[Deployment], selection: Selection) -> list[Deployment]:
    """Each deployment with only the resources the --include/--exclude/--filter selection keeps."""
    if not selection:
        return deployments
    return [replace(d, resources=select(d.resources, selection)) for d in deployments]


def _deployment(build: Any, overrides: Overrides, resources: list[Resource]) -> Deployment:
    location = getattr(getattr(getattr(build, "config", None), "azure", None), "location", None)
    return Deployment(target_of(overrides, build), resources, tuple(getattr(build, "secret_names", ())),
                      tuple(getattr(build, "written_secret_names", ())), location)
