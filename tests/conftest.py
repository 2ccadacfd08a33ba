"""Shared fixtures: repository paths, the shared reference folder, the shipped build, DFTF."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.dftf_support import prepare_dotnet

REPO = Path(__file__).resolve().parent.parent
DOTNET_PROBLEM = prepare_dotnet()  # must run before anything imports data_factory_testing_framework


def shared_dir() -> Path:
    """`../shared` beside the repository (CI lays it there), or ADFGEN_SHARED_DIR."""
    return Path(os.environ.get("ADFGEN_SHARED_DIR") or REPO.parent / "shared")


@pytest.fixture(scope="session")
def schema_dir() -> Path:
    """Microsoft's official Data Factory schema, read in place."""
    path = shared_dir() / "schemas" / "adf-2018-06-01"
    if not (path / "Microsoft.DataFactory.json").is_file():
        pytest.fail(f"the official ADF schema is missing at {path}; set ADFGEN_SHARED_DIR")
    return path


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """Real ADF JSON from public repositories, read in place."""
    path = shared_dir() / "corpus" / "adf-public"
    if not path.is_dir():
        pytest.fail(f"the ADF corpus is missing at {path}; set ADFGEN_SHARED_DIR")
    return path


@pytest.fixture(scope="session")
def xero_build():
    """The shipped Xero spec built in memory (default environment)."""
    from adfgen.build import build_factories

    (build,) = build_factories([REPO / "specs" / "xero.yaml"])
    return build


@pytest.fixture(scope="session")
def dftf():
    """data-factory-testing-framework's module, with one shared expression runtime."""
    if DOTNET_PROBLEM:
        if os.environ.get("CI"):  # in CI a missing runtime must not pass as "nothing evaluated"
            pytest.fail(DOTNET_PROBLEM)
        pytest.skip(DOTNET_PROBLEM)
    import data_factory_testing_framework as framework

    from tests.dftf_support import share_expression_runtime

    share_expression_runtime()
    return framework
