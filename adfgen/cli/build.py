"""The `build` and `schema` commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from adfgen.cli.common import output_option, plural, require_env, verbose_option
from adfgen.cli.selection import selection_options
from adfgen.cli.spec_args import spec_path
from adfgen.core.errors import UsageError


@click.command("build")
@click.argument("specs", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--env", "env", metavar="NAME", help="environment from factory.environments (dev/test/prod...)")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("out"),
              show_default=True, help="output folder; each factory goes to OUT/<factory>/")
@click.option("--templates", "template_dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="folder of templates that override the built-in ones by file name")
@click.option("--source", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="an ADF Git folder adfgen did not write: only its ARM template, parameterised as its "
                   "arm-template-parameters-definition.json says, to OUT/<factory>/")
@click.option("--factory", "factory_name", metavar="NAME",
              help="with --source: the factory name (default: the one file in SOURCE/factory/)")
@selection_options("they are not in the ARM template", when="with --source: ")
@output_option("human", "json")
@verbose_option
def build_command(specs: tuple[Path, ...], env: str | None, out_dir: Path, template_dir: Path | None,
                  source: Path | None, factory_name: str | None, include: tuple[str, ...], exclude: tuple[str, ...],
                  filter_file: Path | None, output: str) -> None:
    """Build ADF JSON (Git layout + ARM template) from specs, or the ARM template of an existing ADF folder.

    \b
    Example:
      adfgen build                                   # every spec under specs/ -> out/<factory>/
      adfgen build specs/xero.yaml --env prod --out build/
      adfgen build --source adf --out publish        # publish/<factory>/ARMTemplateForFactory.json
      adfgen build --source adf --exclude 'dataflow.*' --filter deployment/filter.txt
    """
    if source is not None:
        if specs or env or template_dir:
            raise UsageError("--source builds only the ARM template of an existing folder: give no SPEC, --env "
                             "or --templates with it")
        _build_source(source, factory_name, out_dir, output, (include, exclude, filter_file))
        return
    given = [flag for flag, value in (("--include", include), ("--exclude", exclude), ("--filter", filter_file))
             if value]
    if given:
        raise UsageError(f"{' and '.join(given)} {'apply' if len(given) > 1 else 'applies'} to --source folders")
    from adfgen.build import build_factories, default_spec_paths, write_outputs

    paths = [spec_path(s) for s in specs] or _local_specs(default_spec_paths)
    require_env(env, paths)
    builds = build_factories(paths, env, template_dir)
    results = write_outputs(builds, out_dir)
    for warning in sorted({w for b in builds for w in b.warnings}):
        click.echo(f"warning: {warning}", err=True)
    if output == "json":
        click.echo(json.dumps([{"factory": b.name, "path": str(out_dir / b.name), "changed": changed,
                                "resources": len(b.resources), "files": len(b.files)}
                               for b, (_, changed) in zip(builds, results)], indent=2))
        return
    for build, (_, changed) in zip(builds, results):
        state = "written" if changed else "unchanged"
        click.echo(f"{out_dir / build.name}: {plural(len(build.resources), 'resource')}, "
                   f"{plural(len(build.files), 'file')} ({state})")


def _build_source(source: Path, factory_name: str | None, out_dir: Path, output: str,
                  selected: tuple[tuple[str, ...], tuple[str, ...], Path | None]) -> None:
    """ADF's ARM export of `source` into OUT/<factory>/, of the objects the (include, exclude, filter file)
    selection keeps, as deploy --source selects them (objects it cannot export are refused unless left out)."""
    from adfgen.azure.arm_export import DEFINITION_FILE, export_source
    from adfgen.azure.filters import select, selection_of
    from adfgen.azure.source import check_unique, load_source, refuse_unpublished
    from adfgen.build.writer import write_tree
    from adfgen.core.jsonout import dump_bytes

    if factory_name is None:
        named = sorted(p.stem for p in (source / "factory").glob("*.json"))
        if len(named) != 1:
            raise UsageError(f"--factory NAME is needed: {source}/factory/ holds "
                             f"{'no factory file' if not named else 'several: ' + ', '.join(named)}")
        factory_name = named[0]
    selection = selection_of(*selected)
    # the export holds linked services, datasets, pipelines and triggers only: never drop the rest silently
    refuse_unpublished(source, selection.selects, "build")
    resources = select(load_source(source), selection)
    check_unique(resources)
    documents = export_source(source, factory_name, resources)
    target = out_dir / factory_name
    foreign = sorted(p.name for p in target.iterdir() if p.name not in documents) if target.is_dir() else []
    if foreign:
        raise UsageError(f"{target} holds other files ({', '.join(foreign[:5])}); give another --out")
    changed = write_tree(target, {name: dump_bytes(doc) for name, doc in documents.items()})
    parameters = len(documents["ARMTemplateForFactory.json"]["parameters"])
    defined = (source / DEFINITION_FILE).is_file()
    if output == "json":
        click.echo(json.dumps({"factory": factory_name, "path": str(target), "changed": changed,
                               "resources": len(resources), "parameters": parameters, "definition": defined}, indent=2))
        return
    click.echo(f"{target}: {plural(len(resources), 'resource')}, {plural(parameters, 'parameter')} "
               f"({'from ' + DEFINITION_FILE if defined else 'no ' + DEFINITION_FILE + ': the factory name only'}; "
               f"{'written' if changed else 'unchanged'})")


def _local_specs(default_spec_paths) -> list[Path]:
    """The specs under ./specs; with no such folder, a usage error saying how to start one (never the sample)."""
    if not Path("specs").is_dir():
        raise UsageError(
            f"no spec found: there is no specs/ folder in {Path.cwd()}. Start one from a catalog entry "
            "(`adfgen init --list` shows them), or build the shipped sample by name: `adfgen build xero`")
    return default_spec_paths(Path("specs"))


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the spec format (for editors' YAML language servers).

    \b
    Example:
      adfgen schema > spec.schema.json
    """
    from adfgen.spec import spec_json_schema

    click.echo(json.dumps(spec_json_schema(), indent=2))
