"""`python -m tests.peers.sandbox NAME` (README step 7) started as a user would: the `adfgen run` command it prints,
run from the repo root through the real CLI, lands records; SIGINT stops it cleanly; a wrong name lists the fakes."""

from __future__ import annotations

import queue
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from adfgen.local.formats import read_records
from tests.peers.sandbox import NAMES
from tests.run_support import run_cli

REPO = Path(__file__).resolve().parent.parent


def printed_command(proc: subprocess.Popen, seconds: float = 60.0) -> list[str]:
    """The argv of the `adfgen ...` line the sandbox prints (without the program name)."""
    found: queue.Queue[str] = queue.Queue()

    def read() -> None:  # a thread, as a pipe's readline has no timeout
        for line in proc.stdout:
            if line.startswith("  adfgen "):
                found.put(line)
                return

    threading.Thread(target=read, daemon=True).start()
    try:
        return shlex.split(found.get(timeout=seconds))[1:]
    except queue.Empty:
        proc.kill()
        pytest.fail(f"the sandbox printed no adfgen command (exit {proc.poll()})")


@pytest.mark.parametrize("name", NAMES)
def test_the_printed_command_lands_records_and_sigint_stops_cleanly(name, tmp_path, capfd, monkeypatch):
    proc = subprocess.Popen([sys.executable, "-m", "tests.peers.sandbox", name, "--dir", str(tmp_path)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        argv = printed_command(proc)
        assert argv[:2] == ["run", f"pl_{name}_controller"] and "--vault" in argv and "--sink-dir" in argv
        redirected = {value.split("=", 1)[0] for flag, value in zip(argv, argv[1:]) if flag == "--redirect"}
        assert len(redirected) >= 2  # the API host and the token host at least
        vault = Path(argv[argv.index("--vault") + 1])
        fake_secrets = {str(v) for v in yaml.safe_load(vault.read_text()).values()}
        monkeypatch.chdir(REPO)  # "from the repo root": no --folder, the run finds out/adf-<name>-dev
        code, report, printed = run_cli(capfd, [*argv, "--output", "json"], fake_secrets)
        assert code == 0 and report["status"] == "Succeeded", printed[-3000:]
        landing = Path(argv[argv.index("--sink-dir") + 1])
        files = [p for p in landing.rglob("*.json") if "_state" not in p.parts]
        assert sum(len(read_records(p, "Json", {})) for p in files) > 0
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in out + err and "sandbox stopped" in out


def test_a_wrong_name_lists_the_fakes():
    done = subprocess.run([sys.executable, "-m", "tests.peers.sandbox", "no-such-api"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert all(name in done.stderr for name in NAMES)


def test_sigterm_stops_cleanly_too(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "tests.peers.sandbox", "xero", "--dir", str(tmp_path)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    printed_command(proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err and "sandbox stopped" in out
