"""Benchmark: how build and check grow with the input, in time and peak memory, against the same run at 1/8 size.

Run: python bench/scale.py [--apis 4] [--endpoints 20] [--activities 400]
Each size runs in its own process (peak memory is per process): the synthetic specs of bench/build.py built and
written through the CLI, then `adfgen check` over the output; and one pipeline file of N activities checked alone
(a huge single file). Linear growth shows as a ratio near 8; memory should grow less than the input.
Last line: scale: 8x input → build Bx time, check Cx, huge file Hx; peak memory Mx
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_SCHEMA = REPO.parent / "shared" / "schemas" / "adf-2018-06-01"
FACTOR = 8


def _schema_args() -> list[str]:
    """Microsoft's schema when it is beside the repository (its validation is part of check's cost), else none."""
    folder = os.environ.get("ADFGEN_SCHEMA_DIR") or (str(SHARED_SCHEMA) if SHARED_SCHEMA.is_dir() else "")
    return ["--schema-dir", folder] if folder else ["--no-schema"]


def _huge_pipeline(folder: Path, activities: int) -> None:
    """A Git folder with one pipeline of `activities` Set Variable activities in a dependency chain."""
    (folder / "pipeline").mkdir(parents=True)
    body = [{"name": f"Set {i}", "type": "SetVariable",
             "dependsOn": [{"activity": f"Set {i - 1}", "dependencyConditions": ["Succeeded"]}] if i else [],
             "typeProperties": {"variableName": "v", "value": {"value": f"@concat(variables('v'), '{i}')",
                                                                 "type": "Expression"}}}
            for i in range(activities)]
    document = {"name": "pl_huge", "properties": {"activities": body, "variables": {"v": {"type": "String"}}}}
    (folder / "pipeline" / "pl_huge.json").write_text(json.dumps(document, indent=2))


def child(apis: int, endpoints: int, activities: int) -> None:
    """One size, in this process: print the phases' seconds and the peak memory as JSON."""
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "bench"))
    from build import make_synthetic_specs

    from adfgen.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        specs = make_synthetic_specs(Path(tmp) / "specs", apis, endpoints)
        out = Path(tmp) / "out"
        start = time.perf_counter()
        assert main(["build", *map(str, specs), "--out", str(out)]) == 0
        built = time.perf_counter()
        main(["check", str(out), *_schema_args(), "--output", "json"])
        checked = time.perf_counter()
        _huge_pipeline(Path(tmp) / "huge", activities)
        main(["check", str(Path(tmp) / "huge"), *_schema_args(), "--output", "json"])
        huge = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"build": built - start, "check": checked - built, "huge": huge - checked, "peak_mb": peak_mb}))


def measure(apis: int, endpoints: int, activities: int) -> dict[str, float]:
    """Run one size in a fresh process; its figures."""
    done = subprocess.run([sys.executable, __file__, "--child", "--apis", str(apis), "--endpoints", str(endpoints),
                           "--activities", str(activities)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apis", type=int, default=4)
    parser.add_argument("--endpoints", type=int, default=20)
    parser.add_argument("--activities", type=int, default=400)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.apis, args.endpoints, args.activities)
        return
    small = measure(args.apis, args.endpoints, args.activities)
    large = measure(args.apis * FACTOR, args.endpoints, args.activities * FACTOR)
    for size, figures in (("1x", small), (f"{FACTOR}x", large)):
        print(f"{size}: build {figures['build']:.2f} s, check {figures['check']:.2f} s, huge file "
              f"{figures['huge']:.2f} s, peak {figures['peak_mb']:.0f} MB")
    ratio = {key: large[key] / small[key] for key in small}
    print(f"scale: {FACTOR}x input → build {ratio['build']:.1f}x time, check {ratio['check']:.1f}x, huge file "
          f"{ratio['huge']:.1f}x; peak memory {ratio['peak_mb']:.1f}x")


if __name__ == "__main__":
    main()
