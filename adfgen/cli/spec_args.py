"""SPEC arguments, read the same way by every command that takes them (build, plan, deploy, check)."""

from __future__ import annotations

from pathlib import Path

from adfgen.core.errors import UsageError


def spec_path(given: Path) -> Path:
    """A spec file (or folder) as given; a bare name that is no file (`xero`) is the shipped sample of that name."""
    if given.exists() or given.suffix or len(given.parts) > 1:
        return given
    from adfgen.build.render import builtin_dir

    shipped = builtin_dir("specs") / f"{given.name}.yaml"
    if not shipped.is_file():
        names = sorted(p.stem for p in builtin_dir("specs").glob("*.yaml"))
        raise UsageError(f"no spec file {str(given)!r} and no shipped sample of that name "
                         f"(samples: {', '.join(names) or 'none'})")
    return shipped
