"""Benchmark: `check` of the 1,000-endpoint synthetic build (bench/build.py) and of the real-world corpus.

Run: python bench/check.py [--apis 50] [--endpoints 20] [--repeat 3]
Schema from --schema-dir, $ADFGEN_SCHEMA_DIR, or ../shared/schemas/adf-2018-06-01 beside the repository.
Target: the synthetic build checked in under 3 s on 2 cores.
Last line: check: N resources in S s (R resources/s)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from adfgen.check.engine import run_checks  # noqa: E402
from adfgen.check.exprs import clear_cache  # noqa: E402
from adfgen.check.model import Entry, Factory  # noqa: E402
from adfgen.check.schema import load_schema_validator  # noqa: E402
from adfgen.check.sources import discover  # noqa: E402

SHARED = Path(os.environ.get("ADFGEN_SHARED_DIR") or REPO.parent / "shared")


def synthetic_factories(apis: int, endpoints: int) -> list[Factory]:
    """The synthetic specs built in memory, as `adfgen check` (no path) sees them."""
    from build import make_synthetic_specs  # bench/build.py

    from adfgen.build import build_factories

    with tempfile.TemporaryDirectory() as tmp:
        builds = build_factories(make_synthetic_specs(Path(tmp), apis, endpoints))
    factories = []
    for b in builds:
        factory = Factory(b.name, f"out/{b.name}", complete=True, concurrency_limits=dict(b.concurrency_limits))
        factory.entries = [Entry(r, f"out/{b.name}/{r.git_path}", 1, b.files[r.git_path].decode("utf-8"),
                                 origin="build") for r in b.resources]
        factories.append(factory)
    return factories


def timed(label: str, factories: list[Factory], schema, repeat: int) -> tuple[int, float]:
    """Best-of-`repeat` wall time of run_checks over fresh copies of the factories."""
    resources = sum(len(f.entries) for f in factories)
    best, findings = float("inf"), []
    for _ in range(repeat):
        clear_cache()  # every run parses every string, as one `adfgen check` process does
        start = time.perf_counter()
        findings = run_checks(factories, schema)
        best = min(best, time.perf_counter() - start)
    errors = sum(1 for f in findings if f.severity == "error")
    print(f"{label}: {resources} resources, {len(findings)} findings ({errors} errors) in {best:.2f} s "
          f"({resources / best:.0f} resources/s)")
    return resources, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apis", type=int, default=50)
    parser.add_argument("--endpoints", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--schema-dir", type=Path, default=None)
    args = parser.parse_args()
    schema_dir = args.schema_dir or (None if os.environ.get("ADFGEN_SCHEMA_DIR")
                                     else SHARED / "schemas" / "adf-2018-06-01")
    start = time.perf_counter()
    schema = load_schema_validator(schema_dir)
    print(f"schema: loaded in {time.perf_counter() - start:.2f} s")
    corpus = SHARED / "corpus" / "adf-public"
    if corpus.is_dir():
        start = time.perf_counter()
        factories = discover(corpus)
        print(f"corpus: {len(factories)} factories loaded in {time.perf_counter() - start:.2f} s")
        timed("corpus", factories, schema, args.repeat)
    start = time.perf_counter()
    factories = synthetic_factories(args.apis, args.endpoints)
    print(f"synthetic: {args.apis * args.endpoints} endpoints built in {time.perf_counter() - start:.2f} s")
    resources, seconds = timed("synthetic", factories, schema, args.repeat)
    print(f"check: {resources} resources in {seconds:.2f} s ({resources / seconds:.0f} resources/s)")


if __name__ == "__main__":
    main()
