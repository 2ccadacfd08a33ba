"""`adfgen check`: parse options, load the factories, run the rules, print, exit 0/1/2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from adfgen.cli.common import color_enabled, output_option, verbose_option
from adfgen.cli.spec_args import spec_path
from adfgen.core.errors import UsageError


def _codes(values: tuple[str, ...]) -> list[str]:
    """--ignore values: repeatable and comma-separated; unknown codes are a usage error."""
    from adfgen.check.rules import RULES

    codes = [c.strip().upper() for value in values for c in value.split(",") if c.strip()]
    unknown = [c for c in codes if c not in RULES]
    if unknown:
        raise UsageError(f"--ignore: unknown rule {'code' if len(unknown) == 1 else 'codes'} {', '.join(unknown)}; "
                         "see `adfgen check --list-rules`")
    return codes


def _load(path: Path | None, partial: bool, complete: bool, env: str | None) -> list:
    """The factories to check: the specs' builds, or what `path` holds (a usage error when it holds nothing)."""
    from adfgen.check.project import SPEC_SUFFIXES, load_project, settle_completeness, spec_files_in
    from adfgen.check.sources import discover

    if path is None or (path.suffix in SPEC_SUFFIXES and path.is_file()):
        return load_project(spec_paths=[path] if path else None, env=env)
    factories = discover(path)
    if factories:
        if env is not None:
            raise UsageError(f"--env {env}: environments apply to specs; {path} holds ADF JSON")
        settle_completeness(factories, partial=partial, complete=complete)
        return factories
    specs = spec_files_in(path) if path.is_dir() else []
    if specs:
        return load_project(spec_paths=specs, env=env)
    raise UsageError(f"{path}: nothing to check: no ADF resources (no pipeline/, dataset/, linkedService/ or "
                     f"trigger/ folder, no ARM template) and no spec file (*.yaml with top-level factory: and apis:)")


@click.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@output_option("human", "json", "github", "sarif")
@verbose_option
@click.option("--ignore", "ignore", multiple=True, metavar="CODE[,CODE]", help="Skip rules (repeatable).")
@click.option("--list-rules", is_flag=True, help="Print every rule and exit.")
@click.option("--schema-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Directory holding Microsoft.DataFactory.json and definitions.json (else $ADFGEN_SCHEMA_DIR, "
                   "else the user cache, filled by one download).")
@click.option("--no-schema", is_flag=True, help="Skip the schema rules (SC002, SC003).")
@click.option("--partial", is_flag=True,
              help="The folder is deliberately a subset: references to missing resources are warnings, not "
                   "errors (a Git-integration root with factory/, an ARM export and a build are whole by default).")
@click.option("--complete", is_flag=True,
              help="Treat every Git folder as a whole factory, even without factory/ (whole factories are by default).")
@click.option("--env", "env", metavar="NAME",
              help="Check only this environment's build (from factory.environments); default: the base config "
                   "and every environment.")
def check_command(path: Path | None, output: str, ignore: tuple[str, ...], list_rules: bool,
                  schema_dir: Path | None, no_schema: bool, partial: bool, complete: bool, env: str | None) -> int:
    """Lint ADF JSON offline: schema, expressions, references, security and reliability rules.

    With no PATH, checks the specs under specs/ and what they build for the base config and every
    environment (--env NAME for one), and that out/<factory>/ is current. PATH may be a spec file, a
    folder of specs, an ADF Git-integration folder (or a folder holding several), or an ARM template such
    as ARMTemplateForFactory.json, or a shipped sample's name (`xero`). A PATH with nothing to check is a
    usage error.

    \b
    Examples:
      adfgen check
      adfgen check --env prod
      adfgen check path/to/adf-repo --output sarif > check.sarif
      adfgen check ARMTemplateForFactory.json --ignore SC003,SE005
    Exit status: 0 clean (warnings allowed), 1 errors or no schema (without --no-schema), 2 usage errors.
    Suppress rules for one resource with an annotation: "annotations": ["adfgen:ignore=SE003"].
    """
    from adfgen.check.formats import render_rules

    if list_rules:
        click.echo(render_rules())
        return 0
    ignored = _codes(ignore)
    if path is not None:
        path = spec_path(path)  # `adfgen check xero`: the shipped sample, as build/plan/deploy read SPEC
    if path is not None and not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    if schema_dir is not None and not schema_dir.is_dir():
        raise UsageError(f"--schema-dir {schema_dir}: not a directory")
    if partial and complete:
        raise UsageError("--partial and --complete contradict each other; give one")

    from adfgen.check.engine import run_checks
    from adfgen.check.formats import summary

    factories = _load(path, partial, complete, env)  # first: a usage error should not wait for a schema download
    notices: list[str] = []
    schema = None if no_schema or {"SC002", "SC003"} <= set(ignored) else _schema(schema_dir, notices)
    findings = run_checks(factories, schema, ignored)
    counts = summary(findings, sum(len(f.entries) for f in factories), len(factories))
    for notice in notices:
        click.echo(f"error: {notice}", err=True)
    text = _render(output, findings, counts, notices)
    if text:
        click.echo(_encodable(text))
    return 1 if counts["errors"] or notices else 0


def _schema(schema_dir: Path | None, notices: list[str]) -> Any:
    """The ADF schema validator, or None with a notice saying why the check fails without it."""
    from adfgen.check.schema import SchemaUnavailable, load_schema_validator

    try:
        return load_schema_validator(schema_dir)
    except SchemaUnavailable as exc:  # a gate must not pass green on rules that did not run
        notices.append(f"{exc}; the check fails without the schema: pass --no-schema to accept that")
        return None


def _render(output: str, findings: Any, counts: dict[str, Any], notices: list[str]) -> str:
    """The findings in the chosen output format."""
    from adfgen.check.formats import render_github, render_human, render_json, render_sarif

    if output == "json":
        return render_json(findings, counts, notices)
    if output == "github":
        return render_github(findings, notices)
    if output == "sarif":
        return render_sarif(findings, notices)
    return render_human(findings, counts, color=color_enabled(sys.stdout), notices=notices)


def _encodable(text: str) -> str:
    """`text` with lone surrogates (valid in JSON, not in UTF-8) written as `\\udXXX` escapes, which JSON reads back."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
