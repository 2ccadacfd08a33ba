"""`build` stays light and deterministic: no Azure SDK import, same bytes whatever the hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = """
import sys
from adfgen.cli import main
code = main(["build", sys.argv[1], "--out", sys.argv[2]])
print(code, sorted({m.split(".")[0] + "." + m.split(".")[1] for m in sys.modules if m.startswith("azure.")}))
"""


def _build(out: Path, seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(REPO / "specs" / "xero.yaml"), str(out)],
                            capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_build_imports_nothing_from_azure_and_is_seed_independent(tmp_path):
    assert _build(tmp_path / "a", "1") == "0 []"
    assert _build(tmp_path / "b", "4242") == "0 []"
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
