"""A build stopped by SIGTERM (a cancelled CI job) leaves out/ as it was, with no staging folder behind; folders
left by a build killed outright are removed by the next one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from adfgen.build.writer import write_tree

REPO = Path(__file__).resolve().parent.parent


def test_sigterm_mid_write_removes_the_staging_folder_and_keeps_the_old_tree(tmp_path):
    """The process gets SIGTERM while writing the third file: it exits 143, the target keeps its old content."""
    target = tmp_path / "out" / "adf-x"
    write_tree(target, {"old.json": b"{}\n"})
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from adfgen.build import writer
        real, calls = writer._write_new_file, []
        def slow(path, data):
            calls.append(path)
            if len(calls) == 3:
                os.kill(os.getpid(), signal.SIGTERM)
            real(path, data)
        writer._write_new_file = slow
        writer.write_tree(Path({str(target)!r}), {{f"f{{i}}.json": b"1" for i in range(20)}})
        """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 143, done.stderr
    assert sorted(p.name for p in target.parent.iterdir()) == ["adf-x"]
    assert sorted(p.name for p in target.iterdir()) == ["old.json"]


def test_leftovers_of_a_killed_build_are_removed_by_the_next_one(tmp_path):
    """A staging folder whose process is gone is removed; one of a live process (this one) is left alone."""
    target = tmp_path / "out" / "adf-x"
    target.parent.mkdir(parents=True)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = target.parent / f".adf-x.new-{gone.stdout.strip()}-abc123"
    dead.mkdir()
    live = target.parent / f".adf-x.new-{os.getppid()}-def456"
    live.mkdir()
    write_tree(target, {"a.json": b"{}\n"})
    assert not dead.exists() and live.exists()
