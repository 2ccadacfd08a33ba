"""One CLI: the same --output vocabulary and -o everywhere, quiet libraries, usage errors for unknown
environments, plural-aware counts, NO_COLOR, and a README command table that matches `--help`."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import click
import pytest

from adfgen.cli import cli, main
from adfgen.cli.common import color_enabled, plural
from tests.conftest import REPO

VOCABULARY = {"human", "json", "github", "sarif", "markdown"}
XERO = REPO / "specs" / "xero.yaml"


def _commands(group: click.Group = cli, prefix: str = "") -> dict[str, click.Command]:
    """Every leaf command by its full name, e.g. "auth login"."""
    found = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(_commands(command, f"{prefix}{name} "))
        else:
            found[prefix + name] = command
    return found


def _option(command: click.Command, flag: str) -> click.Option | None:
    return next((p for p in command.params if isinstance(p, click.Option) and flag in p.opts + p.secondary_opts), None)


@pytest.mark.parametrize("name", sorted(_commands()))
def test_output_speaks_one_vocabulary_with_o_as_its_short_form(name):
    option = _option(_commands()[name], "--output")
    if option is None:
        return  # e.g. `schema`, which prints one document
    assert set(option.type.choices) <= VOCABULARY, f"{name}: {option.type.choices}"
    assert "human" in option.type.choices and option.default == "human"
    assert "-o" in option.opts, f"{name}: --output without -o"


def test_text_is_still_accepted_for_human(tmp_path, capsys):
    assert main(["build", str(XERO), "--out", str(tmp_path), "--output", "text"]) == 0
    out = capsys.readouterr().out
    assert "adf-xero-dev:" in out and " resources, " in out


@pytest.mark.parametrize("args", [["build", str(XERO), "--env", "nope"], ["plan", str(XERO), "--env", "nope"],
                                  ["deploy", str(XERO), "--env", "nope", "--dry-run"]])
def test_an_unknown_environment_is_a_usage_error_listing_the_known_ones(tmp_path, monkeypatch, capsys, args):
    monkeypatch.chdir(tmp_path)  # nothing may be written, and no Azure call made before the usage error
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--env nope" in err and "prod, test" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["run", "pl_xero_controller", "--env", "nope"], ["auth", "status", "xero", "--env", "nope"]])
def test_run_and_auth_treat_an_unknown_environment_as_a_usage_error(monkeypatch, capsys, args):
    monkeypatch.chdir(REPO)  # the project's specs/ define test and prod
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--env nope" in err and "prod, test" in err


def test_build_counts_read_as_english_and_json_is_the_only_stdout(tmp_path, capsys):
    assert main(["build", str(XERO), "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "(s)" not in out and re.search(r"\d+ resources, \d+ files", out)
    assert main(["build", str(XERO), "--out", str(tmp_path), "-o", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)[0]["factory"] == "adf-xero-dev"  # warnings went to stderr
    assert "warning:" in err


@pytest.mark.parametrize("count, noun, many, expected", [(0, "file", None, "0 files"), (1, "file", None, "1 file"),
                                                         (2, "factory", "factories", "2 factories")])
def test_plural(count, noun, many, expected):
    assert plural(count, noun, many) == expected


class _Tty:
    def isatty(self):
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert color_enabled(_Tty()) is True
    assert color_enabled(open(__file__)) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert color_enabled(_Tty()) is False


@pytest.mark.parametrize("verbose, shown", [([], False), (["--verbose"], True)])
def test_azure_sdk_logs_are_silent_unless_verbose(tmp_path, verbose, shown):
    """What azure-identity logs while DefaultAzureCredential tries each credential stays off stderr."""
    code = (f"import logging, sys; from adfgen.cli import main; "
            f"code = main({verbose!r} + ['build', {str(XERO)!r}, '--out', {str(tmp_path)!r}]); "
            f"logging.getLogger('azure.identity._credentials.environment').warning('EnvironmentCredential unavailable'); "
            f"logging.getLogger('azure.core.pipeline.policies.http_logging_policy').info('Request URL: ...'); "
            f"sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert ("EnvironmentCredential unavailable" in done.stderr) is shown
    assert ("Request URL" in done.stderr) is shown


# -- the README's command table -------------------------------------------------------------------------------

def _readme_rows() -> list[tuple[list[str], str]]:
    """(command names, usage text) for each row of the README's command table."""
    rows = []
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `adfgen ([a-z]+)((?: [a-z|\\]+)?)([^`]*)` \|", line)
        if not match:
            continue
        sub = match.group(2).strip().replace("\\|", "|")
        names = [f"{match.group(1)} {s}" for s in sub.split("|")] if sub and sub.islower() and " " not in sub \
            and match.group(1) in {n.split()[0] for n in _commands() if " " in n} else [match.group(1)]
        rows.append((names, (match.group(2) + match.group(3)).replace("\\|", "|")))
    return rows


def test_the_readme_lists_every_command():
    listed = {name for names, _ in _readme_rows() for name in names}
    assert set(_commands()) <= listed, f"missing from README's command table: {sorted(set(_commands()) - listed)}"


@pytest.mark.parametrize("names, usage", _readme_rows(), ids=lambda v: v[0] if isinstance(v, list) else None)
def test_readme_row_matches_help(names, usage):
    commands = [_commands()[n] for n in names if n in _commands()]
    assert commands, f"README names a command adfgen does not have: {names}"
    for flag, values in re.findall(r"(--[a-z][a-z-]*)(?:[ =]([a-z][a-z-]*(?:\|[a-z][a-z-]*)+|[a-z][a-z-]*))?", usage):
        options = [o for o in (_option(c, flag) for c in commands) if o is not None]
        assert options, f"{' / '.join(names)}: README shows {flag}, --help has no such option"
        choices = getattr(options[0].type, "choices", None)
        if choices and values:
            shown = set(values.split("|"))
            assert shown <= set(choices), f"{names[0]} {flag}: README shows {values}, --help offers {choices}"
            if len(shown) > 1:
                assert shown == set(choices), f"{names[0]} {flag}: README lists {values}, --help offers {choices}"
