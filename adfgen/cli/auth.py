"""`adfgen auth login|status|refresh`: options in, the adfgen.oauth library, a report out; never a token or secret.

Exit codes: 0 done, 1 failed (nothing written unless the message says so), 2 usage, and for `status`
3 consent near its end, 4 consent gone."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from adfgen.cli.common import output_option, plural, require_project_env, verbose_option
from adfgen.core.errors import UsageError

AUTH_HELP = """Seed and keep healthy the tokens the generated pipelines use (Key Vault, or a local vault file).

\b
Examples:
  adfgen auth login xero --env prod             # browser consent, Key Vault of prod seeded
  adfgen auth login xero --no-browser           # print the URL, wait for the redirect on localhost
  adfgen auth login quickbooks --paste          # paste the URL the browser landed on
  adfgen auth login xero --vault ./secrets.yaml # the vault file `adfgen run --vault` uses
  adfgen auth status xero --env prod --output json
  adfgen auth refresh xero --env prod           # start the factory's refresh pipeline and wait for it

The client id and secret come from ADFGEN_CLIENT_ID / ADFGEN_CLIENT_SECRET, the store, or a hidden prompt;
never from the command line. The password flow reads ADFGEN_USERNAME / ADFGEN_PASSWORD or asks (hidden).
"""


def _common(command: Any) -> Any:
    options = [
        click.argument("api"),
        click.option("--env", metavar="NAME", help="The environment whose Key Vault (and factory) to use."),
        click.option("--vault", type=click.Path(path_type=Path, dir_okay=False),
                     help="Use this local vault file (as `adfgen run --vault`) instead of Key Vault."),
        click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False),
                     help="CA certificates (PEM) to trust; default REQUESTS_CA_BUNDLE or the system store."),
        output_option("human", "json"),
        verbose_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group("auth", help=AUTH_HELP)
def auth_group() -> None:
    """Auth commands."""


@auth_group.command("login")
@_common
@click.option("--no-browser", is_flag=True, help="Print the consent URL instead of opening a browser.")
@click.option("--paste", is_flag=True, help="Paste the URL the browser landed on (providers that refuse loopback).")
@click.option("--tenant", metavar="ID", help="The tenant (id or name) to use when the consent reaches several.")
@click.option("--port", type=click.IntRange(0, 65535), help="Loopback port for http://localhost:PORT/callback "
              "(default 8765, or the spec's redirect URI; 0: any free port).")
@click.option("--timeout", type=click.FloatRange(min=1), default=300, show_default=True,
              help="Seconds to wait for the redirect.")
def login_command(api: str, env: str | None, vault: Path | None, ca_bundle: str | None, output: str,
                  no_browser: bool, paste: bool, tenant: str | None, port: int | None, timeout: float) -> int:
    """Consent once and store the tokens, identity values and (when given) the client credentials."""
    from adfgen.oauth.login import Interaction, login

    target, store, verify = _setup(api, env, vault, ca_bundle, must_exist=False)
    interactive = sys.stdin.isatty() or paste  # --paste reads the URL from stdin even when it is a pipe
    how = Interaction(say=_say, ask=_ask if interactive else None, choose=_choose if interactive else None,
                      open_browser=not no_browser, paste=paste, tenant=tenant, port=port, timeout=timeout,
                      verify=verify)
    result = login(target, store, how)
    document = {"api": target.api.name, "store": store.description, "flow": result.flow,
                "written": list(result.written), "access_token_expires_at": result.access_expires_at,
                "identity": list(result.identity)}
    if output == "json":
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(f"{target.api.name}: logged in ({result.flow}); wrote {plural(len(result.written), 'secret')} to "
                   f"{store.description} and read them back: {', '.join(result.written)}")
        click.echo(f"access token expires at {_when(result.access_expires_at)}")
    return 0


@auth_group.command("status")
@_common
@click.option("--warn-within", metavar="DURATION", help="Warn when the refresh token expires within this "
              "(e.g. 14d); default two keep-alive periods, at least a quarter of its lifetime.")
def status_command(api: str, env: str | None, vault: Path | None, ca_bundle: str | None, output: str,
                   warn_within: str | None) -> int:
    """Which secrets exist, the access token's expiry, the refresh token's age against its lifetime.

    Exit 0 healthy, 3 consent near its end, 4 consent gone (missing or expired refresh token), 1 error."""
    from adfgen.oauth.status import status

    warn = _duration(warn_within) if warn_within else None
    target, store, _ = _setup(api, env, vault, ca_bundle, must_exist=True)
    report = status(target, store, warn=warn)
    if output == "json":
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        click.echo(f"{report.api} in {report.store}: {report.verdict}")
        for item in report.secrets:
            detail = f"updated {_when(item.updated)}" if item.present else "MISSING"
            if item.exp is not None:
                detail += f", expires {_when(item.exp)}"
            click.echo(f"  {item.role:<28} {item.name:<32} {detail}")
        if report.refresh_token_age is not None:
            from adfgen.oauth.status import days_text

            life = f", lifetime {days_text(report.refresh_token_lifetime)}" if report.refresh_token_lifetime else ""
            click.echo(f"  refresh token last rotated {days_text(report.refresh_token_age)} ago{life}")
    for message in report.messages:
        click.echo(f"{'warning' if report.exit_code else 'note'}: {message}", err=True)
    if report.exit_code:
        click.get_current_context().exit(report.exit_code)
    return 0


@auth_group.command("refresh")
@_common
@click.option("--direct", is_flag=True, help="Refresh from this machine against Key Vault (for a factory not "
              "deployed yet) instead of starting the factory's refresh pipeline.")
@click.option("--timeout", type=click.FloatRange(min=1), default=600, show_default=True,
              help="Seconds to wait for the vault lock or the factory's run.")
def refresh_command(api: str, env: str | None, vault: Path | None, ca_bundle: str | None, output: str,
                    direct: bool, timeout: float) -> int:
    """One refresh as the pipeline does it: with --vault under a file lock, --direct locally, else in the factory."""
    from adfgen.oauth import refresh

    target, store, verify = _setup(api, env, vault, ca_bundle, must_exist=True)
    if vault is not None:
        with refresh.vault_lock(vault, timeout):
            result = refresh.direct(target, store, verify=verify)
    elif direct:
        result = refresh.direct(target, store, verify=verify)
    else:
        result = refresh.via_factory(target, _arm_clients(target, ca_bundle), _resource_group(target),
                                     timeout=timeout)
    document = {"api": target.api.name, "store": store.description, "how": result.how, "rotated": result.rotated,
                "access_token_expires_at": result.access_expires_at, "run_id": result.run_id}
    if output == "json":
        click.echo(json.dumps(document, indent=2))
    elif result.how == "factory":
        click.echo(f"{target.refresh_pipeline} run {result.run_id}: {result.status}")
    else:
        click.echo(f"{target.api.name}: refreshed{' (refresh token rotated and saved first)' if result.rotated else ''}"
                   f"; access token expires at {_when(result.access_expires_at)}")
    return 0


# -- helpers ----------------------------------------------------------------------------------------------------
def _setup(api: str, env: str | None, vault: Path | None, ca_bundle: str | None, *, must_exist: bool) -> tuple:
    from adfgen.oauth.stores import KeyVaultStore, VaultFileStore
    from adfgen.oauth.target import load_target

    if env is not None and vault is not None:
        raise UsageError("give either --env NAME (Key Vault) or --vault FILE, not both")
    require_project_env(env)
    if vault is not None and must_exist and not vault.is_file():
        raise UsageError(f"--vault {vault}: no such file; run `adfgen auth login ... --vault {vault}` first")
    target = load_target(api, env)
    verify: Any = ca_bundle or True
    if vault is not None:
        return target, VaultFileStore(vault), verify
    from adfgen.azure.clients import credential_from_environment

    store = KeyVaultStore(target.config.key_vault_url, credential_from_environment(), ca_bundle)
    return target, store, verify


def _arm_clients(target: Any, ca_bundle: str | None) -> Any:
    from adfgen.azure.clients import ENDPOINT_ENV, Clients, Connection, credential_from_environment

    subscription = target.config.azure.subscription_id
    if not subscription:
        raise UsageError(f"factory.azure.subscription_id is not set for {target.config.name}; add it to the spec, "
                         "or use --direct")
    connection = Connection(arm_endpoint=os.environ.get(ENDPOINT_ENV), ca_bundle=ca_bundle)
    return Clients(credential_from_environment(), subscription, connection)


def _resource_group(target: Any) -> str:
    group = target.config.azure.resource_group
    if not group:
        raise UsageError(f"factory.azure.resource_group is not set for {target.config.name}; add it, or use --direct")
    return group


def _say(message: str) -> None:
    click.echo(message, err=True)


def _ask(label: str, hidden: bool) -> str:
    # hidden input needs a terminal; from a pipe nothing is echoed anyway
    return click.prompt(label, hide_input=hidden and sys.stdin.isatty(), err=True)


def _choose(tenants: list[dict[str, str]]) -> str:
    for index, tenant in enumerate(tenants, 1):
        click.echo(f"  {index}. {tenant.get('tenantName') or '(unnamed)'}", err=True)
    picked = click.prompt("Tenant", type=click.IntRange(1, len(tenants)), err=True)
    return str(tenants[picked - 1]["tenantId"])


def _when(epoch: int | None) -> str:
    import datetime as dt

    if epoch is None:
        return "unknown"
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(text: str) -> int:
    from adfgen.spec.fields import parse_duration

    try:
        return int(parse_duration(text))
    except ValueError:
        raise UsageError(f"--warn-within {text!r}: expected a duration such as 14d, 36h or 3600") from None
