"""Shared fixtures: repository paths, the shared reference folder, the shipped build, DFTF."""

from __future__ import annotations

import inspect
import os
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from tests.dftf_support import prepare_dotnet
from tests.peers.adf_schema import find_schema, require_schema_dir
from tests.scheduling import auto_workers, schedule

REPO = Path(__file__).resolve().parent.parent
DOTNET_PROBLEM = prepare_dotnet()  # must run before anything imports data_factory_testing_framework


def shared_dir() -> Path:
    """`../shared` beside the repository (CI lays it there), or ADFGEN_SHARED_DIR."""
    return Path(os.environ.get("ADFGEN_SHARED_DIR") or REPO.parent / "shared")


def corpus_path() -> Path:
    """Where the corpus of public ADF JSON is read in place (it has no download source)."""
    return shared_dir() / "corpus" / "adf-public"


def corpus_missing() -> str:
    """Why corpus tests cannot run here, or "" when the corpus is present."""
    path = corpus_path()
    if path.is_dir():
        return ""
    return f"the corpus of public ADF JSON is not at {path} (CI lays ../shared beside the checkout; or set ADFGEN_SHARED_DIR)"


@pytest.fixture(scope="session")
def schema_dir() -> Path:
    """Microsoft's official Data Factory schema, found as `adfgen check` finds it (skips the test when unreachable)."""
    return require_schema_dir()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """Real ADF JSON from public repositories, read in place (skips the test when absent)."""
    reason = corpus_missing()
    if reason:
        if os.environ.get("CI"):  # CI has ../shared: a missing corpus must not pass as skipped
            pytest.fail(reason)
        pytest.skip(reason)
    return corpus_path()


# Tests reach the schema and the corpus through these names (tests/check_support.py and a few modules' own
# constants) or through the fixtures above; a test whose code or fixtures reach them needs what they name.
NEEDS = {"SCHEMA_DIR": "schema", "schema_dir": "schema", "CORPUS": "corpus", "corpus_dir": "corpus"}


def _names_reached(function: Any, seen: set[int]) -> set[str]:
    """Global names a test helper uses, following the module-level test functions it calls."""
    function = inspect.unwrap(function)  # through functools.cache and friends
    code = getattr(function, "__code__", None)
    if code is None or id(code) in seen:
        return set()
    seen.add(id(code))
    names: set[str] = set()
    stack = [code]
    while stack:
        current = stack.pop()
        names.update(current.co_names)
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    for name in list(names):
        target = inspect.unwrap(function.__globals__.get(name, None) or (lambda: None))
        if isinstance(target, types.FunctionType) and target.__module__.startswith("tests"):
            names |= _names_reached(target, seen)
    return names


def _needs(item: pytest.Item) -> set[str]:
    """"schema" and/or "corpus" when the test (or a fixture it uses) reads them."""
    needed = {NEEDS[n] for n in item.fixturenames if n in NEEDS}
    functions = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    for definitions in (info.name2fixturedefs.values() if info else ()):
        functions.extend(d.func for d in definitions)
    seen: set[int] = set()
    for function in functions:
        needed |= {NEEDS[n] for n in _names_reached(function, seen) if n in NEEDS}
    return needed


# Files of whole-sync end-to-end runs and the fresh-clone copy: marked slow, so that `-m "not slow"` is the fast set
# while developing (the README's test command and .ci/run run everything). Chosen by `--durations` of the full suite.
SLOW_FILES = {"test_fresh_clone.py", "test_run_e2e.py", "test_run_e2e_xero_peer.py", "test_data_safety_e2e.py",
              "test_catalog_e2e.py", "test_requests_e2e.py", "test_auth_e2e.py", "test_controller_groups.py",
              "test_evaluator_differential.py", "test_review_mermaid.py"}


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: tests/scheduling.py decides (the suite mostly waits, so more workers than cores)."""
    return auto_workers()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow files and order the work units (tests/scheduling.py); on a machine without Microsoft's schema or
    the corpus, skip (with the reason) the tests that need them."""
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
    schedule(items)
    if os.environ.get("CI"):
        return  # CI has ../shared: the fixtures fail loudly instead
    missing = {"corpus": corpus_missing(), "schema": find_schema()[1]}
    if not any(missing.values()):
        return  # everything is here: no need to look at what each test reads
    for item in items:
        reasons = [missing[n] for n in sorted(_needs(item)) if missing.get(n)]
        if reasons:
            item.add_marker(pytest.mark.skip(reason="; ".join(reasons)))


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


@pytest.fixture(scope="session")
def big_synthetic_build(tmp_path_factory):
    """One factory of 34 synthetic APIs of 20 endpoints (beyond ARM's and Mermaid's limits), built once for the tests
    that read it (tests/scheduling.py keeps them on one worker)."""
    from adfgen.build import build_factories

    sys.path.insert(0, str(REPO / "bench"))
    from build import make_synthetic_specs

    (build,) = build_factories(make_synthetic_specs(tmp_path_factory.mktemp("synthetic"), apis=34, endpoints=20))
    return build
