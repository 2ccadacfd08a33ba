"""`adfgen build` as a library: spec files → planned, rendered, serialised factories → out/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adfgen.core import adf_limits
from adfgen.core.errors import AdfgenError, Problem
from adfgen.core.naming_rules import name_problems
from adfgen.build.contexts import ArmBinding, plan_factory
from adfgen.build.render import render_job
from adfgen.core.resources import Resource, sort_resources
from adfgen.spec import load_specs
from adfgen.spec.model import FactoryConfig
from adfgen.build.writer import factory_files, write_tree


@dataclass(frozen=True)
class FactoryBuild:
    """One factory, built in memory: its resources and the exact bytes of `out/<factory>/`."""

    name: str
    config: FactoryConfig
    resources: list[Resource]
    files: dict[str, bytes]
    secret_names: tuple[str, ...]
    written_secret_names: tuple[str, ...]  # the subset the refresh pipelines write (refresh and access tokens)
    concurrency_limits: dict[str, int]
    arm_bindings: tuple[ArmBinding, ...]
    spec_files: tuple[str, ...]
    warnings: tuple[Problem, ...] = ()  # the spec builds, but something would misbehave at run time


def default_spec_paths(directory: Path | None = None) -> list[Path]:
    """Every `*.yaml`/`*.yml` under `./specs` (or `directory`); never the shipped samples unless named."""
    root = Path(directory) if directory else Path("specs")
    if directory is None and not root.is_dir():
        # Falling back to the shipped samples made check, run and deploy act on Xero's sample in any folder.
        raise AdfgenError(f"no spec found: there is no specs/ folder in {Path.cwd()}; start one with "
                          "`adfgen init` (`adfgen init --list` shows the catalog)")
    if not root.is_dir():
        raise AdfgenError(f"no spec folder: {root}")
    paths = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not paths:
        raise AdfgenError(f"no spec files (*.yaml) under {root}")
    return paths


def build_factories(spec_paths: list[Path], env: str | None = None,
                    template_dir: Path | None = None) -> list[FactoryBuild]:
    """Load, validate, plan and render every factory the specs describe; nothing is written."""
    loaded = load_specs(list(spec_paths), env)
    grouped: dict[str, list] = {}
    for item in loaded:
        grouped.setdefault(item.factory.name, []).append(item)
    builds = []
    for name in sorted(grouped):
        items = grouped[name]
        config = items[0].factory
        apis = [api for item in items for api in item.spec.apis]
        plan = plan_factory(config, apis)
        resources = sort_resources([render_job(job, template_dir) for job in plan.jobs])
        _refuse_duplicate_names(resources)
        refuse_beyond_limits(resources)
        builds.append(FactoryBuild(
            name=name, config=config, resources=resources,
            files=factory_files(name, resources, plan.arm_bindings),
            secret_names=tuple(sorted(plan.secret_names)),
            written_secret_names=tuple(sorted(plan.written_secret_names)), concurrency_limits=dict(plan.concurrency_limits),
            arm_bindings=tuple(plan.arm_bindings), spec_files=tuple(item.file for item in items),
            warnings=tuple(w for item in items for w in item.warnings)))
    return builds


def _refuse_duplicate_names(resources: list[Resource]) -> None:
    seen: set[tuple[str, str]] = set()
    invalid = [f"{r.kind} {r.name!r}: {'; '.join(name_problems(r.kind, r.name))}" for r in resources
               if name_problems(r.kind, r.name)]
    if invalid:  # the spec's patterns are checked already; this holds for every name however it was made
        raise AdfgenError("generated names break ADF's naming rules (https://learn.microsoft.com/azure/data-factory/"
                          "naming-rules): " + ", ".join(invalid))
    for r in resources:
        if (r.kind, r.name) in seen:
            raise AdfgenError(f"two generated {r.kind}s are both named '{r.name}'; rename an API, endpoint or sink, "
                              "or change factory.naming")
        seen.add((r.kind, r.name))


def refuse_beyond_limits(resources: list[Resource]) -> None:
    """Refuse a build with a pipeline ADF would refuse to publish (its documented limits: adfgen.core.adf_limits)."""
    breaches = [b.message if b.message.startswith("pipeline ") else f"pipeline {r.name}: {b.message}"
                for r in resources if r.kind == "pipeline" for b in adf_limits.breaches(r.name, r.properties)]
    too_many = adf_limits.factory_breach(len(resources))
    if too_many:  # split the specs into several factories (factory.name)
        breaches.insert(0, too_many + "; give some specs another factory.name")
    if breaches:
        raise AdfgenError("the build would break ADF's limits, and ADF would refuse to publish it, so nothing was "
                          "written (adfgen's planner should have avoided this: please report it with the spec):\n  "
                          + "\n  ".join(breaches))


def write_outputs(builds: list[FactoryBuild], out_dir: Path) -> list[tuple[str, bool]]:
    """Write each factory to `out_dir/<factory>/` atomically; returns (factory, changed) pairs."""
    return [(b.name, write_tree(Path(out_dir) / b.name, b.files)) for b in builds]
