"""`adfgen check`: parse options, load the factories, run the rules, print, exit 0/1/2."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from adfgen.errors import UsageError


def _codes(values: tuple[str, ...]) -> list[str]:
    """--ignore values: repeatable and comma-separated; unknown codes are a usage error."""
    from adfgen.check.rules import RULES

    codes = [c.strip().upper() for value in values for c in value.split(",") if c.strip()]
    unknown = [c for c in codes if c not in RULES]
    if unknown:
        raise UsageError(f"--ignore: unknown rule code(s) {', '.join(unknown)}; see `adfgen check --list-rules`")
    return codes


@click.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--output", "-o", "output", type=click.Choice(["human", "json", "github", "sarif"]),
              default="human", show_default=True, help="Output format.")
@click.option("--ignore", "ignore", multiple=True, metavar="CODE[,CODE]", help="Skip rules (repeatable).")
@click.option("--list-rules", is_flag=True, help="Print every rule and exit.")
@click.option("--schema-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Directory holding Microsoft.DataFactory.json and definitions.json (else $ADFGEN_SCHEMA_DIR, "
                   "else the user cache, filled by one download).")
@click.option("--no-schema", is_flag=True, help="Skip the schema rules (SC002, SC003).")
@click.option("--complete", is_flag=True,
              help="Treat Git folders as whole factories: references to missing resources are errors.")
def check_command(path: Path | None, output: str, ignore: tuple[str, ...], list_rules: bool,
                  schema_dir: Path | None, no_schema: bool, complete: bool) -> int:
    """Lint ADF JSON offline: schema, expressions, references, security and reliability rules.

    With no PATH, checks the specs under specs/ and what they build. PATH may be an ADF Git-integration
    folder (or a folder holding several), or an ARM template such as ARMTemplateForFactory.json.

    \b
    Examples:
      adfgen check
      adfgen check path/to/adf-repo --output sarif > check.sarif
      adfgen check ARMTemplateForFactory.json --ignore SC003,SE005
    Exit status: 0 clean (warnings allowed), 1 errors, 2 usage errors.
    Suppress rules for one resource with an annotation: "annotations": ["adfgen:ignore=SE003"].
    """
    from adfgen.check.formats import render_github, render_human, render_json, render_rules, render_sarif, summary

    if list_rules:
        click.echo(render_rules())
        return 0
    ignored = _codes(ignore)
    if path is not None and not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    if schema_dir is not None and not schema_dir.is_dir():
        raise UsageError(f"--schema-dir {schema_dir}: not a directory")

    from adfgen.check.engine import run_checks
    from adfgen.check.schema import SchemaUnavailable, load_schema_validator
    from adfgen.check.sources import discover

    notices: list[str] = []
    schema = None
    if not no_schema and not {"SC002", "SC003"} <= set(ignored):
        try:
            schema = load_schema_validator(schema_dir)
        except SchemaUnavailable as exc:
            notices.append(str(exc))
    if path is None or path.suffix in (".yaml", ".yml"):
        from adfgen.check.project import load_project

        factories = load_project(spec_paths=[path] if path else None)
    else:
        factories = discover(path, complete=complete)
        if not factories:
            notices.append(f"{path}: no ADF resources found (no pipeline/, dataset/, linkedService/ or trigger/ "
                           f"folder and no ARM template)")
    findings = run_checks(factories, schema, ignored)
    counts = summary(findings, sum(len(f.entries) for f in factories), len(factories))
    for notice in notices:
        click.echo(f"notice: {notice}", err=True)
    if output == "json":
        click.echo(render_json(findings, counts, notices))
    elif output == "github":
        text = render_github(findings)
        if text:
            click.echo(text)
    elif output == "sarif":
        click.echo(render_sarif(findings))
    else:
        click.echo(render_human(findings, counts, color=sys.stdout.isatty()))
    return 1 if counts["errors"] else 0
