"""`adfgen plan` and `adfgen deploy`: options in, library calls, exit codes out (Azure imported lazily)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from adfgen.cli.common import color_enabled, on_terminal, output_option, plural, require_env, verbose_option
from adfgen.cli.selection import selection_options
from adfgen.cli.spec_args import spec_path
from adfgen.core.errors import AdfgenError, UsageError
from adfgen.core.wording import them

if TYPE_CHECKING:  # for annotations only: Azure's modules load when a command runs
    from adfgen.azure.clients import Clients
    from adfgen.azure.deploy import DeployReport
    from adfgen.azure.deployments import Deployment
    from adfgen.azure.diff import Plan
    from adfgen.azure.filters import Selection

    Planned = list[tuple[Deployment, Clients, Plan]]

EXIT_CHANGES = 3  # `plan` / `deploy --dry-run`: the live factory differs from the build
EXIT_SIGNAL_BASE = 128  # interrupted deploy: 128 + signal number (130 Ctrl-C, 143 SIGTERM), as shells do


def _options(command: Callable) -> Callable:
    options = [
        click.argument("specs", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--env", help="Environment whose config names the subscription, resource group, factory, vault."),
        click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
                     help="Build output folder; deploy publishes out/<factory>/."),
        click.option("--source", type=click.Path(path_type=Path),
                     help="Publish this ADF Git folder as it is (no spec build, no staleness check); "
                          "needs --subscription, --resource-group and --factory."),
        click.option("--subscription", help="Override the subscription id."),
        click.option("--resource-group", help="Override the factory's resource group."),
        click.option("--factory", help="Override the factory name."),
        click.option("--vault-name", help="Override the Key Vault name."),
        click.option("--vault-resource-group", help="Override the Key Vault's resource group."),
        click.option("--arm-endpoint", envvar="ADFGEN_ARM_ENDPOINT",
                     help="Resource Manager URL (sovereign clouds, local test endpoints). [env: ADFGEN_ARM_ENDPOINT]"),
        click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False),
                     help="CA certificates (PEM) to trust for the ARM endpoint."),
        click.option("--prune", is_flag=True, help="Delete resources adfgen manages that are no longer in the source."),
        click.option("--no-start-triggers", is_flag=True,
                     help="Do not start new or stopped triggers (triggers deploy stops are still restarted)."),
        click.option("--stage", metavar="NAME|FILE",
                     help="With --source: apply azure.datafactory.tools' stage config (SOURCE/deployment/"
                          "config-NAME.csv, or a .csv/.json file): per-environment property overrides."),
        selection_options("they are neither published, stopped nor pruned"),
        output_option("human", "json", "markdown"),
        verbose_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


PLAN_HELP = """Show what `deploy` would change in the live factory, per resource, with diffs.

\b
Exit codes: 0 nothing to change, 3 changes pending, 1 error, 2 bad usage.

\b
Example:
  adfgen plan --env prod
  adfgen plan --env prod --prune --output json
"""

DEPLOY_HELP = """Publish the built out/<factory>/ to the live factory and grant it Key Vault access.

Stops only the triggers that change, PUTs linked services, datasets, pipelines and triggers in
dependency order (in parallel within a level), skips unchanged resources, deletes managed
resources no longer in the source with --prune, grants Key Vault access, then starts triggers.
Refuses to publish a stale build unless --build, and to overwrite resources adfgen did not write
unless --adopt. On SIGTERM or Ctrl-C it restarts the triggers it stopped and prints what was
applied. Credentials: azure-identity's DefaultAzureCredential.

\b
Exit codes: 0 deployed, 1 error or partial deploy, 2 bad usage, 130/143 interrupted by
Ctrl-C/SIGTERM; with --dry-run as `plan` (0 / 3).

\b
Example:
  adfgen deploy --env prod --prune
  adfgen deploy --env prod --dry-run --output json
"""


@click.command("plan", help=PLAN_HELP)
@_options
@click.option("--create-factory", is_flag=True,
              help="Plan as `deploy --create-factory` would: a missing factory is shown as to be created, with "
                   "every resource a create.")
def plan_command(**opts: Any) -> None:
    deployments = _deployments(opts, build_first=False, command="plan")
    planned = _plan_factories(opts, deployments, parallelism=8, dry_run=True)
    raise click.exceptions.Exit(_show_plans(opts, planned))


@click.command("deploy", help=DEPLOY_HELP)
@_options
@click.option("--build", "build_first", is_flag=True, help="Build out/ from the specs first, then deploy it.")
@click.option("--dry-run", is_flag=True, help="Only plan; exit like `adfgen plan`.")
@click.option("--parallelism", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Concurrent ARM calls within a dependency level.")
@click.option("--skip-grants", is_flag=True, help="Do not grant the factory's identity Key Vault access.")
@click.option("--least-privilege", is_flag=True,
              help="RBAC vaults: Key Vault Secrets User on each secret the factory reads, Secrets Officer only on "
                   "those it writes, instead of Secrets Officer on the whole vault.")
@click.option("--adopt", is_flag=True,
              help="Take over live resources adfgen did not write (no 'adfgen' annotation) that have a source "
                   "resource's name (they carry the annotation afterwards); without it deploy refuses to "
                   "overwrite them.")
@click.option("--create-factory", is_flag=True,
              help="Create the factory, with a system-assigned managed identity, when it does not exist "
                   "(location from factory.azure.location or --location).")
@click.option("--location", metavar="REGION", help="Azure region for --create-factory (overrides the spec's).")
def deploy_command(**opts: Any) -> None:
    from adfgen.azure.interrupts import Interrupted, exit_code, interrupts_recorded

    if opts["output"] == "markdown" and not opts["dry_run"]:
        raise UsageError("--output markdown shows a plan: use it with `adfgen plan` or `deploy --dry-run`")
    if opts["location"] and not opts["create_factory"]:
        raise UsageError("--location applies only with --create-factory")
    if opts["source"] and not (opts["vault_name"] or opts["skip_grants"] or opts["dry_run"]):
        _refuse_no_vault("--source folders name no Key Vault")
    # one guard from the first call to the exit: every SIGINT/SIGTERM ends in 130/143, whenever it arrives
    with interrupts_recorded(exiting=_owns_process()) as guard:
        try:
            with guard.interruptible():  # nothing has changed yet: stop at once
                planned = _plan_all(opts)
        except Interrupted as stop:
            click.echo(f"INTERRUPTED by {stop.name} while planning: nothing was published", err=True)
            raise click.exceptions.Exit(exit_code(stop.signum)) from None
        try:
            code = _show_plans(opts, planned) if opts["dry_run"] else _publish(opts, planned)
        except AdfgenError as exc:  # e.g. a refused take-over: with a signal pending, the signal's code still wins
            if guard.received is None:
                raise
            click.echo(exc.render(), err=True)
            code = exc.exit_code
        if guard.received is not None and code < EXIT_SIGNAL_BASE:  # a signal after the last call: still honoured
            click.echo(f"INTERRUPTED by {signal_name(guard.received)} after deploy finished (the report above "
                       "is complete)", err=True)
            code = exit_code(guard.received)
    raise click.exceptions.Exit(code)


def _refuse_no_vault(why: str) -> None:
    """Deploy grants Key Vault access after publishing: without a vault it would publish, then fail as partial."""
    raise UsageError(f"{why}, and deploy grants the factory's identity access to one after publishing: pass "
                     "--vault-name NAME (the vault its linked services read) or --skip-grants to grant nothing. "
                     "Nothing was deployed.")


def _owns_process() -> bool:
    """True when this deploy is the process's command (`adfgen deploy`, `python -m adfgen.cli deploy`).

    Then the process ends right after the command, and late signals stay ignored until it does; called in-process
    (tests, a host program) deploy restores the caller's handlers instead.
    """
    program = Path(sys.argv[0]).stem if sys.argv else ""
    return program in ("adfgen", "__main__") and "deploy" in sys.argv[1:]


def signal_name(signum: int) -> str:
    """SIGINT / SIGTERM."""
    import signal

    return signal.Signals(signum).name


def _plan_all(opts: dict) -> Planned:
    """Read every target factory and plan it (and print the plans); changes nothing but a --create-factory."""
    deployments = _deployments(opts, build_first=opts["build_first"], dry_run=opts["dry_run"])
    if not (opts["skip_grants"] or opts["dry_run"]):
        for d in deployments:  # before the first PUT (even --create-factory's): a grant that cannot run fails late
            if not d.target.vault_name:
                _refuse_no_vault(f"the config of factory {d.target.factory_name} names no Key Vault")
    return _plan_factories(opts, deployments, parallelism=opts["parallelism"], dry_run=opts["dry_run"])


def _plan_factories(opts: dict, deployments: list[Deployment], *, parallelism: int, dry_run: bool) -> Planned:
    """(deployment, clients, plan) per factory, each plan printed for people; with --create-factory a missing
    factory is created (or, planning only, announced) and planned as all creates."""
    from adfgen.azure.clients import Clients, Connection, credential_from_environment
    from adfgen.azure.diff import compute_plan
    from adfgen.azure.filters import scope_plan
    from adfgen.azure.plan import make_plan
    from adfgen.azure.report import print_plan

    credential = credential_from_environment()
    connection = Connection.for_parallelism(parallelism, arm_endpoint=opts["arm_endpoint"], ca_bundle=opts["ca_bundle"])
    terminal = color_enabled(sys.stdout) and opts["output"] == "human"
    planned = []
    for d in deployments:
        clients = Clients(credential, d.target.subscription_id, connection)
        start_triggers = not opts["no_start_triggers"]
        if opts["create_factory"] and _create_factory(clients, d, opts.get("location"), dry_run) == "planned":
            plan = compute_plan(d.resources, [], start_triggers=start_triggers)
        else:
            plan = scope_plan(make_plan(clients, d.target, d.resources, prune=opts["prune"],
                                        start_triggers=start_triggers), _selection(opts))
        if opts["output"] == "human":
            print_plan(plan, d.target.factory_name, sys.stdout, terminal=terminal, diffs=dry_run)
        planned.append((d, clients, plan))
    return planned


def _show_plans(opts: dict, planned: Planned) -> int:
    """The plans for machines (--output json) or an approval comment (markdown); the exit code of a plan."""
    from adfgen.azure.references import dangling_text
    from adfgen.azure.report import plan_json, plan_markdown

    for d, _, plan in planned:  # deploy would refuse this plan: say so now, not at the deploy
        text = dangling_text(plan, d.target.factory_name)
        if text:
            click.echo(f"warning: deploy would refuse this plan: {text}", err=True)
    if opts["output"] == "json":
        documents = [dict(factory=d.target.factory_name, **plan_json(plan)) for d, _, plan in planned]
        click.echo(json.dumps({"factories": documents}, indent=2))
    if opts["output"] == "markdown":  # a release approval's comment
        click.echo("\n".join(plan_markdown(plan, d.target.factory_name) for d, _, plan in planned), nl=False)
    return EXIT_CHANGES if any(plan.has_changes for _, _, plan in planned) else 0


def _publish(opts: dict, planned: Planned) -> int:
    """Deploy every planned factory and print the reports; the exit code."""
    from adfgen.azure.deploy import DeployInterrupted, refuse_takeovers
    from adfgen.azure.grants import check_grantable
    from adfgen.azure.interrupts import exit_code
    from adfgen.azure.references import refuse_dangling
    from adfgen.azure.report import print_report, report_json

    for d, clients, plan in planned:  # before any factory changes: a refusal after a publish would leave it half done
        refuse_dangling(plan, d.target.factory_name)
        if not opts["adopt"]:
            refuse_takeovers(plan)
        if not opts["skip_grants"]:
            check_grantable(clients, d.target, secret_names=d.secret_names,
                            written_secret_names=d.written_secret_names, least_privilege=opts["least_privilege"])
    documents, failed = [], False
    for d, clients, plan in planned:
        try:
            report = _deploy_one(opts, d, clients, plan)
        except DeployInterrupted as interrupted:  # SIGTERM (cancelled CI job) or Ctrl-C: say what happened, loudly
            print_report(interrupted.report, sys.stderr)
            if opts["output"] == "json":
                documents.append(report_json(interrupted.report))
                click.echo(json.dumps({"factories": documents}, indent=2))
            return exit_code(interrupted.signum)
        if opts["output"] == "human":
            print_report(report, sys.stdout)
        elif report.restart_failures or any(g.remove_command for g in report.grants or []):
            print_report(report, sys.stderr)  # loud even when stdout is for machines
        documents.append(report_json(report))
        failed = failed or not report.ok
    if opts["output"] == "json":
        click.echo(json.dumps({"factories": documents}, indent=2))
    return 1 if failed else 0


def _deploy_one(opts: dict, d: Deployment, clients: Clients, plan: Plan) -> DeployReport:
    """Publish one factory's plan (and grant its vault access); its report."""
    from adfgen.azure.deploy import DeployInterrupted, deploy
    from adfgen.azure.grants import grant_key_vault_access
    from adfgen.azure.progress import DeployProgress

    grant = None if opts["skip_grants"] else partial(grant_key_vault_access, clients, d.target,
                                                      secret_names=d.secret_names,
                                                      written_secret_names=d.written_secret_names,
                                                      least_privilege=opts["least_privilege"])
    progress_bar = on_terminal(sys.stdout) and opts["output"] == "human"
    # ownership lives in the Git JSON, so an ADF Studio publish of it keeps the annotation: deploy records it there
    source_dir = Path(opts["source"]) if opts["source"] else None
    with DeployProgress(progress_bar, plan, grants=grant is not None) as progress:
        try:
            report = deploy(clients, d.target, d.resources, prune=opts["prune"],
                            start_triggers=not opts["no_start_triggers"], parallelism=opts["parallelism"], plan=plan,
                            progress=progress, adopt=opts["adopt"], grant=grant, source_dir=source_dir)
        except DeployInterrupted as interrupted:
            _say_recorded(interrupted.report)
            raise
    _say_recorded(report)
    return report


def _say_recorded(report: DeployReport) -> None:
    """Tell the user which source files now carry the managed annotation (they must commit them)."""
    written, failures = report.recorded_files, report.record_failures
    if written:
        click.echo(f"recorded adfgen ownership (the \"adfgen\" annotation) in {plural(len(written), 'source file')}; "
                   f"commit {them(len(written))} so that an ADF Studio publish keeps the annotation:\n  "
                   + "\n  ".join(written), err=True)
    for failure in failures:
        click.echo(f"warning: {failure}", err=True)


def _create_factory(clients: Clients, d: Deployment, location: str | None, dry_run: bool) -> str:
    """Create a missing factory (or, planning only, say it would): "exists", "created" or "planned"."""
    from adfgen.azure.factory import CREATED, MISSING, ensure_factory, factory_state

    location = location or d.location
    name = d.target.factory_name
    if dry_run:
        if factory_state(clients, d.target) != MISSING:
            return "exists"
        where = f"in {location}" if location else "(it needs a location: factory.azure.location or --location)"
        click.echo(f"factory {name} does not exist: deploy --create-factory creates it {where} with a "
                   "system-assigned managed identity; every resource is planned as a create", err=True)
        return "planned"
    if factory_state(clients, d.target) == MISSING:  # a new factory holds only the source: refuse before creating it
        from adfgen.azure.diff import compute_plan
        from adfgen.azure.references import refuse_dangling

        refuse_dangling(compute_plan(d.resources, []), name)
    state = ensure_factory(clients, d.target, location)
    if state == CREATED:
        click.echo(f"created factory {name} in {location} with a system-assigned managed identity", err=True)
    return state


def _selection(opts: dict) -> Selection:
    from adfgen.azure.filters import selection_of

    return selection_of(opts["include"], opts["exclude"], opts["filter_file"])


def _deployments(opts: dict, *, build_first: bool, dry_run: bool = False, command: str = "deploy") -> list[Deployment]:
    """The factories to plan/deploy: from --source, or from the spec build checked against out/, then scoped to
    the selection. `--build --dry-run` plans the in-memory build and writes nothing."""
    from adfgen.azure.deployments import Overrides, from_build, from_source, scoped, target_of

    if opts["stage"] and not opts["source"]:
        raise UsageError("--stage applies to --source folders; a spec build takes its environment from --env")
    overrides = Overrides(opts["subscription"], opts["resource_group"], opts["factory"], opts["vault_name"],
                          opts["vault_resource_group"])
    if opts["source"]:
        if opts["specs"]:
            raise UsageError("give either SPEC files or --source, not both")
        target = target_of(overrides, None)  # usage errors (a missing --factory...) before anything about the folder
        deployments = [from_source(opts["source"], target, _selection(opts), stage=opts["stage"], command=command,
                                   notify=lambda line: click.echo(line, err=True))]
    else:
        try:
            from adfgen.build import default_spec_paths
        except ImportError:
            raise AdfgenError("the spec build is not available in this installation; pass --source DIR") from None
        paths = [spec_path(s) for s in opts["specs"]] or default_spec_paths()
        require_env(opts["env"], paths)
        deployments = from_build(paths, opts["env"], opts["out_dir"], overrides, build_first=build_first,
                                 dry_run=dry_run)
    return scoped(deployments, _selection(opts))
