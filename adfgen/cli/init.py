"""The `init` command: start ./specs/ from a catalog entry or from a blank skeleton of every spec field."""

from __future__ import annotations

import re
from pathlib import Path

import click

from adfgen.cli.common import plural
from adfgen.core.errors import AdfgenError, UsageError

INIT_HELP = """Start a spec in ./specs/: a copy of a catalog entry, or a blank skeleton of every field.

\b
Examples:
  adfgen init --list                 # the catalog: real APIs proven end to end against local fakes
  adfgen init quickbooks             # ./specs/quickbooks.yaml, your own names marked TODO
  adfgen init --blank myapi          # ./specs/myapi.yaml, every spec field commented
"""


@click.command("init", help=INIT_HELP)
@click.argument("name", required=False)
@click.option("--list", "list_only", is_flag=True, help="List the catalog's APIs.")
@click.option("--blank", is_flag=True, help="Write a commented skeleton of every spec field for the API NAME.")
@click.option("--dir", "directory", type=click.Path(path_type=Path, file_okay=False), default=Path("specs"),
              show_default=True, help="Folder to write the spec into.")
@click.option("--force", is_flag=True, help="Overwrite an existing spec file.")
def init_command(name: str | None, list_only: bool, blank: bool, directory: Path, force: bool) -> None:
    from adfgen.spec import catalog

    if list_only:
        if name or blank:
            raise UsageError("--list takes no NAME and no --blank")
        for item in catalog.entries():
            click.echo(f"{item.name:<12} {item.summary}")
        return
    if not name:
        raise UsageError("give a catalog entry (adfgen init --list shows them) or --blank NAME")
    if blank:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,45}", name):
            raise UsageError(f"--blank {name!r}: an API name is lower-case letters, digits and '_', "
                             "starting with a letter (at most 46 characters)")
        from adfgen.spec import spec_json_schema
        from adfgen.spec.skeleton import skeleton

        text = skeleton(spec_json_schema(), name)
    else:
        try:  # an unknown entry is a usage error, as `adfgen build <unknown sample>` is
            name = catalog.entry(name).name
        except AdfgenError as exc:
            raise UsageError(str(exc)) from None
        text = catalog.user_copy(name)
    target = directory / f"{name}.yaml"
    if target.exists() and not force:
        raise UsageError(f"{target} exists; choose another name or pass --force to overwrite it")
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    todos = sum(1 for line in text.splitlines() if "TODO" in line and not line.lstrip().startswith("#"))
    click.echo(f"wrote {target}: replace the {plural(todos, 'value')} marked TODO, then run `adfgen build` "
               "and `adfgen check out/`")
