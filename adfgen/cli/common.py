"""What every command shares: --output and --verbose, colour and logging policy, plural-aware counts, --env checks."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from adfgen.core.errors import AdfgenError, UsageError
from adfgen.core.wording import plural  # noqa: F401 (re-exported for the commands)

# Libraries whose loggers stay silent unless --verbose: azure-identity alone logs ~60 lines for one
# DefaultAzureCredential chain (each credential it tries), which buried deploy's own output in CI logs.
QUIET_LOGGERS = ("azure", "msal", "urllib3", "authlib")
OUTPUT_ALIASES = {"text": "human"}  # the old name in build/plan/deploy; accepted, not shown


def configure_logging(verbose: bool) -> None:
    """Library logs off, or (with --verbose) everything at DEBUG on stderr."""
    if verbose:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                            format="%(asctime)s %(name)s %(levelname)s %(message)s")
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)
            logging.getLogger(name).propagate = True
        return
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False  # not even Python's last-resort handler prints them


def _verbose_callback(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    root = ctx.find_root()
    root.meta["adfgen.verbose"] = value or root.meta.get("adfgen.verbose", False)
    configure_logging(root.meta["adfgen.verbose"])
    return value


def verbose_option(command: Callable) -> Callable:
    """`-v/--verbose`: show library logs (azure-identity, HTTP) on stderr."""
    return click.option("--verbose", "-v", is_flag=True, expose_value=False, callback=_verbose_callback,
                        help="Show library logs (Azure SDK, HTTP) on stderr.")(command)


class OutputChoice(click.Choice):
    """The one --output vocabulary (human|json|github|sarif|markdown, as each command supports); `text` means human."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value in OUTPUT_ALIASES and OUTPUT_ALIASES[value] in self.choices:
            value = OUTPUT_ALIASES[value]
        return super().convert(value, param, ctx)


def output_option(*formats: str) -> Callable:
    """`-o/--output FORMAT`, human by default."""
    readers = ["human for people"]
    if "markdown" in formats:
        readers.append("markdown for a pull-request or approval comment")
    machines = [f for f in formats if f not in ("human", "markdown")]
    return click.option("--output", "-o", "output", type=OutputChoice(list(formats)), default="human",
                        show_default=True, help=f"Output format: {', '.join(readers)}, {'/'.join(machines)} for machines.")


def color_enabled(stream: Any = None) -> bool:
    """Colour only on a terminal and never when NO_COLOR is set (https://no-color.org)."""
    stream = stream or sys.stdout
    if "NO_COLOR" in os.environ and os.environ["NO_COLOR"] != "":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def on_terminal(stream: Any = None) -> bool:
    """True when progress may be drawn: the stream is a terminal (NO_COLOR does not matter for this)."""
    isatty = getattr(stream or sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def require_env(env: str | None, spec_paths: list[Path]) -> None:
    """A usage error (exit 2) listing the environments when no spec defines `env`."""
    if env is None:
        return
    from adfgen.spec import load_specs

    try:
        loaded = load_specs(list(spec_paths), None)
    except AdfgenError:
        return  # the build reports the spec's own problems
    known = sorted({str(name) for item in loaded for name in (item.factory.environments or {})})
    if env not in known:
        raise UsageError(f"--env {env}: no spec defines this environment under factory.environments; "
                         f"expected one of: {', '.join(known) or '(none defined)'}")


def require_project_env(env: str | None) -> None:
    """require_env over the project's specs (./specs), when there are any to read."""
    if env is None:
        return
    from adfgen.build import default_spec_paths

    try:
        paths = default_spec_paths()
    except AdfgenError:
        return  # the command says what is missing in its own words
    require_env(env, paths)
