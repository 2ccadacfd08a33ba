"""The wheel ships the built-in templates and specs, so an installed adfgen works outside the repository."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_contains_templates_and_specs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = tmp_path.glob("adfgen-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        # every spec, the catalog's (specs/catalog/) included
        for source in list((REPO / "templates").rglob("*.jinja")) + list((REPO / "specs").rglob("*.yaml")):
            top = source.relative_to(REPO).parts[0]
            packaged = f"adfgen/_data/{top}/{source.relative_to(REPO / top).as_posix()}"
            assert packaged in names
            assert archive.read(packaged) == source.read_bytes()
        assert any(n.endswith("entry_points.txt") and b"adfgen = adfgen.cli:main" in archive.read(n) for n in names)
