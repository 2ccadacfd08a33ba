"""`adfgen run`: options in, a local pipeline run, the report out; exit 0 success, 1 pipeline failure, 2 usage."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from adfgen.cli.common import output_option, verbose_option
from adfgen.core.errors import UsageError

RUN_HELP = """Run a pipeline on this machine over real HTTP, with ADF's documented semantics and limits.

PIPELINE is run from --folder DIR (any ADF Git folder), from out/<factory>/ of --env NAME, or from
out/<factory>/ of the project's base config. With --vault every Key Vault call is served by the file;
with --sink-dir every storage call (sinks, Lookups, Get Metadata, state files) by the folder; any other
Azure endpoint is refused unless --env is given. http:// is allowed only to loopback.

\b
Exit codes: 0 the pipeline succeeded, 1 it failed (the failed activity and its error are named), 2 bad usage.

\b
Examples:
  adfgen run pl_xero_controller --vault ./secrets.yaml --sink-dir ./landing
  adfgen run pl_xero_controller --vault ./secrets.yaml --sink-dir ./landing \\
      --redirect https://api.xero.com=http://127.0.0.1:8080
  adfgen run pl_xero_invoices --param Watermark=2026-01-01T00:00:00Z --output json
  adfgen run --folder some/adf-git-repo pl_other_pipeline
"""


@click.command("run", help=RUN_HELP)
@click.argument("pipeline")
@click.option("--folder", type=click.Path(path_type=Path, file_okay=False), help="An ADF Git folder to run from.")
@click.option("--env", metavar="NAME", help="Run out/<factory>/ of this environment, against real Azure (azure-identity).")
@click.option("--vault", type=click.Path(path_type=Path, dir_okay=False),
              help="Serve Key Vault from this YAML/JSON file of secrets (written back atomically).")
@click.option("--sink-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Serve Blob/ADLS Gen2 and Azure SQL from this folder.")
@click.option("--redirect", "redirects", multiple=True, metavar="FROM=TO",
              help="Send requests for base URL FROM to TO (repeatable), e.g. to a local mock.")
@click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False),
              help="CA certificates (PEM) to trust; default SSL_CERT_FILE or REQUESTS_CA_BUNDLE.")
@click.option("--param", "params", multiple=True, metavar="K=V", help="A pipeline parameter (repeatable).")
@click.option("--time-scale", type=float, default=1.0, show_default=True,
              help="Run waits (retry intervals, requestInterval, Wait, Until timeouts) this many times faster.")
@output_option("human", "json")
@verbose_option
def run_command(pipeline: str, folder: Path | None, env: str | None, vault: Path | None, sink_dir: Path | None,
                redirects: tuple[str, ...], ca_bundle: str | None, params: tuple[str, ...], time_scale: float,
                output: str) -> int:
    from adfgen.local.clock import Clock
    from adfgen.local.factory import folder_for_env, load_factory
    from adfgen.local.masking import Secrets
    from adfgen.local.report import Progress, render_human, summary
    from adfgen.local.runner import Runtime, RunUsageError, load_handlers

    parameters, rewrites = _check_usage(folder, env, vault, redirects, params, time_scale)
    root = folder if folder is not None else folder_for_env(env, pipeline=pipeline) if env is not None \
        else _base_folder(pipeline)
    factory = load_factory(root)
    clock = Clock(time_scale)
    secrets = Secrets()
    transport, storage = _transport(factory, env, vault, sink_dir, rewrites, ca_bundle, clock, secrets)
    load_handlers()
    progress = Progress(output == "human" and sys.stderr.isatty(), secrets)
    runtime = Runtime(factory, transport=transport, clock=clock, storage=storage, sink_root=sink_dir,
                      listener=progress)
    try:
        prepared = runtime.prepare(pipeline, parameters, from_text=True)
    except RunUsageError as exc:
        raise UsageError(str(exc)) from None
    with progress:
        run = runtime.execute(prepared)
        runtime.wait_background()
    document = summary(runtime, run, payloads=output == "json")
    for warning in factory.warnings:
        click.echo(secrets.scrub(f"warning: {warning}"), err=True)
    if output == "json":
        click.echo(json.dumps(document, indent=2, default=str))
    else:
        click.echo(render_human(document))
    if run.status != "Succeeded":
        click.get_current_context().exit(1)
    return 0


def _check_usage(folder: Path | None, env: str | None, vault: Path | None, redirects: tuple[str, ...],
                 params: tuple[str, ...], time_scale: float) -> tuple[dict[str, str], list[Any]]:
    """The options that can be wrong before anything runs: the parameters and redirects, or a UsageError."""
    from adfgen.local.transport import parse_redirect

    if folder is not None and env is not None:
        raise UsageError("give either --folder DIR or --env NAME, not both")
    # --env is checked where it is resolved (folder_for_env): it also accepts a base factory named *-<env> (dev)
    if not time_scale > 0:
        raise UsageError("--time-scale must be a positive number")
    parameters: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param {item!r}: expected K=V")
        parameters[key.strip()] = value
    try:
        rewrites = [parse_redirect(r) for r in redirects]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if vault is not None and not vault.is_file():
        raise UsageError(f"--vault {vault}: no such file")
    return parameters, rewrites


def _transport(factory: Any, env: str | None, vault: Path | None, sink_dir: Path | None, rewrites: list[Any],
               ca_bundle: str | None, clock: Any, secrets: Any) -> tuple[Any, Any]:
    """The run's HTTP transport (real Azure with --env; a local vault and storage where given) and its storage."""
    from adfgen.local.transport import Transport

    credential = None
    if env is not None:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential()
    local_vault = storage = None
    if vault is not None:
        from adfgen.local.vault import LocalVault

        local_vault = LocalVault(vault, clock)
    if sink_dir is not None:
        from adfgen.local.storage import LocalStorage

        sink_dir.mkdir(parents=True, exist_ok=True)
        storage = LocalStorage(sink_dir)
    transport = Transport(vault=local_vault, storage=storage, redirects=rewrites, ca_bundle=ca_bundle,
                          credential=credential, allow_azure=env is not None, vault_hosts=factory.vault_hosts(),
                          secrets=secrets)
    return transport, storage


def _base_folder(pipeline: str) -> Path:
    """out/<factory>/ of the project's base config: its one factory, or the one whose build holds `pipeline`."""
    from adfgen.core.errors import AdfgenError
    from adfgen.local.factory import pick_factory

    try:
        from adfgen.build import build_factories, default_spec_paths

        names = [b.name for b in build_factories(default_spec_paths())]
    except AdfgenError as exc:
        raise UsageError(f"no --folder or --env given and the project's specs cannot be read ({exc}); "
                         "pass --folder DIR") from None
    folder = Path("out") / pick_factory(names, pipeline, Path("out"), "the project's base config")
    if not folder.is_dir():
        raise UsageError(f"{folder} does not exist; run `adfgen build` first, or pass --folder DIR")
    return folder
