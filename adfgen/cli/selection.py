"""--include / --exclude / --filter, defined once for every command that selects objects of a source folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click


def selection_options(left_out: str, when: str = "") -> Callable[[Callable], Callable]:
    """The three selection options (adfgen.azure.filters.selection_of reads them); `left_out` says, in the
    command's terms, what becomes of an object the selection leaves out, `when` (e.g. "with --source: ") when
    the options apply."""
    options = [
        click.option("--include", multiple=True, metavar="KIND.NAME",
                     help=_help(when, "only objects matching this pattern (repeatable), e.g. 'pipeline.pl_xero_*' or "
                                       "'*.*@FOLDER' (an ADF folder); one that matches nothing is an error.")),
        click.option("--filter", "filter_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
                     help=_help(when, "a filter file as azure.datafactory.tools reads it: one rule a line, +KIND.NAME "
                                       "or KIND.NAME includes, -KIND.NAME excludes (added to --include/--exclude).")),
        click.option("--exclude", multiple=True, metavar="KIND.NAME",
                     help=_help(when, f"leave out objects matching this pattern (repeatable), e.g. 'trigger.*'; "
                                       f"{left_out}.")),
    ]

    def decorate(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _help(when: str, text: str) -> str:
    """`when` then `text`; without `when`, `text` as a sentence (each command keeps its own help's case)."""
    return when + text if when else text[0].upper() + text[1:]
