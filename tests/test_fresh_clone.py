"""A clone with nothing beside it (no ../shared, an empty user cache) passes the README's two commands.

Marked slow (`-m "not slow"` leaves it out while developing; the README's test command and `.ci/run` run it): it copies the tracked files to a temporary
folder, makes a venv with `--system-site-packages` (so that pip finds the dependencies already installed
instead of downloading ~1 GB again; the project itself is installed into the venv from the copy), and runs
`pip install -e . && adfgen build` and `python -m pip install -e '.[test]' && python -m pytest` there.
Tests that need Microsoft's schema or the corpus must be skipped with a reason, never fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

# For a quick local look only: e.g. "tests/test_check_cli.py" runs just that file inside the copy.
INNER_ARGS = os.environ.get("ADFGEN_FRESH_CLONE_PYTEST_ARGS", "").split()
# A commit to copy instead of the working tree (e.g. HEAD, while colleagues' uncommitted edits are in it).
REF = os.environ.get("ADFGEN_FRESH_CLONE_REF")
LEAKS = ("ADFGEN_SHARED_DIR", "ADFGEN_SCHEMA_DIR", "CI", "PYTHONPATH", "PYTEST_ADDOPTS", "VIRTUAL_ENV")


def _copy_tracked(destination: Path) -> None:
    """The files git tracks, as they are in the working tree (what a clone of a commit of it would hold)."""
    if REF:
        destination.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", REF], cwd=REPO, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(destination)], input=archive, check=True)
        return
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True).stdout
    for name in filter(None, listed.decode("utf-8").split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is not part of the clone
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (f"{' '.join(command)} exited {done.returncode}\n"
                                  f"{done.stdout[-6000:]}\n{done.stderr[-3000:]}")
    return done


def test_the_readme_commands_pass_in_a_clone_with_nothing_beside_it(tmp_path):
    clone = tmp_path / "alone" / "adfgen"  # tmp/alone holds nothing else: no ../shared
    _copy_tracked(clone)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    env = {k: v for k, v in os.environ.items() if k not in LEAKS and not k.startswith("PYTEST_XDIST")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               XDG_CACHE_HOME=str(tmp_path / "empty-cache"))  # a fresh machine: no cached schema
    python = str(bin_dir / "python")

    _run([python, "-m", "pip", "install", "-q", "-e", "."], clone, env, 900)
    built = _run([str(bin_dir / "adfgen"), "build"], clone, env, 300)
    assert "adf-xero-dev" in built.stdout and "(unchanged)" in built.stdout  # the committed out/ is current

    _run([python, "-m", "pip", "install", "-q", "-e", ".[test]"], clone, env, 900)
    # The copy runs the README's test command less the slow set: that leaves this test out (no recursion), and the
    # end-to-end syncs, which read nothing beside the checkout (local fakes only) and run in the outer suite at the
    # same time; twice at once on two cores they only make their compressed clocks slip.
    inner = INNER_ARGS or ["-m", "not slow"]
    # the summary lists failures only (not the skips' long reasons), so that a failure's short traceback is in the tail
    tested = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", "--tb=short", *inner], clone, env,
                  3600)
    assert " passed" in tested.stdout
