"""The `adfgen` command line: parses options, calls the library, maps errors to exit codes; no logic."""

from __future__ import annotations

import os
import sys

import click

from adfgen import __version__
from adfgen.cli.common import configure_logging, verbose_option
from adfgen.core.errors import AdfgenError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="adfgen")
@verbose_option
def cli() -> None:
    """YAML specs of OAuth 2.0 REST APIs in, a complete and secure Azure Data Factory out."""


def _register_commands() -> None:
    """Attach the commands; each lives beside the library it drives and imports heavy modules lazily."""
    from adfgen.cli.build import build_command, schema_command

    cli.add_command(build_command)
    cli.add_command(schema_command)
    for module_name, names in (("adfgen.cli.check", ("check_command",)),
                               ("adfgen.cli.deploy", ("plan_command", "deploy_command")),
                               ("adfgen.cli.review", ("diagram_command", "diff_command")),
                               ("adfgen.cli.run", ("run_command",)), ("adfgen.cli.auth", ("auth_group",)),
                               ("adfgen.cli.init", ("init_command",))):
        try:
            module = __import__(module_name, fromlist=list(names))
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        for name in names:
            cli.add_command(getattr(module, name))


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning AdfgenError and I/O errors into a message and an exit code."""
    configure_logging(False)  # library logs stay silent unless --verbose
    try:
        result = cli.main(args=argv, prog_name="adfgen", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except AdfgenError as exc:
        click.echo(exc.render(), err=True)
        return exc.exit_code
    except OSError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except Exception as exc:  # a bug: say so plainly; ADFGEN_DEBUG=1 shows the traceback
        if os.environ.get("ADFGEN_DEBUG"):
            raise
        click.echo(f"internal error ({type(exc).__name__}: {exc}); please report it, and rerun with "
                   "ADFGEN_DEBUG=1 for the traceback", err=True)
        return 70
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
