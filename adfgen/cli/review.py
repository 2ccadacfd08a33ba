"""`adfgen diagram` and `adfgen diff`: Mermaid diagrams of any ADF folder, the semantic diff of two builds."""

from __future__ import annotations

import json
from pathlib import Path

import click

from adfgen.cli.common import output_option
from adfgen.core.errors import UsageError

EXIT_CHANGES = 3  # as `plan`: the compared builds differ

DIAGRAM_HELP = """Print Mermaid diagrams of every pipeline in an ADF folder, and of the factory.

PATH is a factory folder (pipeline/, dataset/, ...), a folder of factories such as out/, or one pipeline JSON file.
GitHub renders ```mermaid fences in Markdown files and comments; Azure DevOps renders `::: mermaid` blocks in
wikis only: choose with --flavor.

\b
Example:
  adfgen diagram out/adf-xero-dev > diagrams.md
  adfgen diagram ../factory --flavor azure-devops
"""

DIFF_HELP = """What changed between two builds, per resource and activity, security-relevant changes first.

`adfgen diff REF` compares out/ as committed at git ref REF with out/ in the working tree (what a pull request
changes in the reviewed output); `adfgen diff A B` compares two folders (factory folders or folders of factories).

\b
Exit codes: 0 no change, 3 changes, 1 error, 2 bad usage.

\b
Example:
  adfgen diff main
  adfgen diff origin/main --output markdown > review.md
  adfgen diff old/adf-xero-dev out/adf-xero-dev --output json
"""


@click.command("diagram", help=DIAGRAM_HELP)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--flavor", type=click.Choice(["github", "azure-devops"]), default="github", show_default=True,
              help="Markdown fence for GitHub (```mermaid) or an Azure DevOps wiki (::: mermaid).")
def diagram_command(path: Path, flavor: str) -> None:
    from adfgen.review.folders import discover
    from adfgen.review.readme import factory_readme, pipeline_section

    arm = _arm_factories(path)
    factories = arm if arm is not None else discover(path)
    if not factories:
        raise UsageError(f"{path}: no ADF resources (no pipeline/, dataset/, linkedService/ or trigger/ folder, "
                         "no ARM template of a factory)")
    documents = []
    for factory in factories:
        if path.is_file() and arm is None:
            documents.append(pipeline_section(factory.resources[0], flavor, level="#") + "\n")
        else:
            documents.append(factory_readme(factory.name, factory.resources, flavor))
        for problem in factory.unreadable:
            click.echo(f"warning: could not read {problem}", err=True)
    click.echo("\n".join(documents), nl=False)


@click.command("diff", help=DIFF_HELP)
@click.argument("sides", nargs=-1, required=True, metavar="REF | A B")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="The build output folder compared with REF.")
@output_option("human", "json", "markdown")
def diff_command(sides: tuple[str, ...], out_dir: Path, output: str) -> None:
    from adfgen.review.compare import diff_folders, diff_ref, factories_in_folder
    from adfgen.review.report import diff_json, diff_markdown, diff_text

    if len(sides) == 1:
        commit, diffs = diff_ref(sides[0], out_dir)
        base = f"{sides[0]} ({commit[:12]})"
    elif len(sides) == 2:
        before, after = (factories_in_folder(Path(side)) for side in sides)
        for side, found in zip(sides, (before, after)):
            if not found:  # a folder one level too high or low must not read as "no change"
                raise UsageError(f"{side}: no ADF resources (no pipeline/, dataset/, linkedService/, trigger/ or "
                                 "dataflow/ folder at or below it)")
        diffs = diff_folders(before, after)
        base = sides[0]
    else:
        raise UsageError("give a git ref (adfgen diff main) or two folders (adfgen diff A B)")
    if output == "json":
        click.echo(json.dumps(diff_json(diffs, base=base), indent=2, ensure_ascii=False))
    elif output == "markdown":
        click.echo(diff_markdown(diffs, base=base), nl=False)
    else:
        click.echo(diff_text(diffs), nl=False)
    raise click.exceptions.Exit(EXIT_CHANGES if any(d.changes for d in diffs) else 0)


def _arm_factories(path: Path) -> list | None:
    """ARM templates of factories (ADF's export, adf_publish) as factories to draw: for an ARM file, or for a folder
    that holds no Git-layout factory; None otherwise. Read with check's tolerant loader."""
    from adfgen.check.sources import discover as discover_any, is_arm_template
    from adfgen.review.folders import Factory, discover

    if path.is_file():
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError):
            return None  # review's discover says what is wrong with the file
        if isinstance(doc, dict) and isinstance(doc.get("resources"), list) and not is_arm_template(doc):
            raise UsageError(f"{path}: an ARM template without Data Factory resources (Synapse, or another service)")
        if not is_arm_template(doc):
            return None
    elif not path.is_dir() or discover(path):
        return None
    templates = [f for f in discover_any(path) if f.entries and all(e.origin == "arm" for e in f.entries)]
    return [Factory(f.name, [e.resource for e in f.entries]) for f in templates]
