"""`python -m tests.peers.sandbox NAME`: the OAuth peer and one API's fake on 127.0.0.1, with seeded records and a
vault file of throwaway fake secrets, serving until Ctrl-C; prints the `adfgen run` command that loads from them.

It starts the same worlds the end-to-end tests use (tests/test_run_e2e.py for Xero, tests/test_catalog_e2e.py for
the catalog APIs), so what a user runs by hand is what the tests prove.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from tests import test_catalog_e2e, test_run_e2e

NAMES = ["xero", *sorted(test_catalog_e2e.CASES)]


def start(name: str, folder: Path) -> tuple[Any, list[str]]:
    """The running world for `name` (peers, vault, landing folder in `folder`) and its --redirect values."""
    if name == "xero":
        world = test_run_e2e.World(folder)
        return world, world.redirects()
    world = test_catalog_e2e.World(test_catalog_e2e.CASES[name], folder)
    return world, world.case.redirects(world)


def command(name: str, world: Any, redirects: list[str]) -> list[str]:
    """The `adfgen run` argv (without the program name) that loads every endpoint from the sandbox."""
    argv = ["run", f"pl_{name}_controller", "--vault", str(world.vault), "--sink-dir", str(world.landing),
            "--ca-bundle", str(world.ca_path),
            # the fakes' clocks run this much faster than real time (their rate windows, record times): so must the run
            "--time-scale", str(world.clock.time_scale)]
    for target in redirects:
        argv += ["--redirect", target]
    return argv


def main(argv: list[str] | None = None) -> int:
    """Start the sandbox, print how to use it, serve until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m tests.peers.sandbox",
                                     description="Local fakes of one API and its token endpoint, for `adfgen run`.")
    parser.add_argument("name", metavar="NAME", help=f"the API to fake: {', '.join(NAMES)}")
    parser.add_argument("--dir", type=Path, help="where to write the vault file, CA and landing folder "
                                                 "(default: a new temporary folder)")
    args = parser.parse_args(argv)
    if args.name not in NAMES:
        parser.error(f"no fake for {args.name!r}; choose one of: {', '.join(NAMES)}")
    folder = (args.dir or Path(tempfile.mkdtemp(prefix=f"adfgen-sandbox-{args.name}-"))).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    # handlers before the peers start, so a signal at any moment ends in a clean stop
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    world, redirects = start(args.name, folder)
    try:
        print(f"sandbox for {args.name}: fake API at {world.api.url}, OAuth peer at {world.oauth.token_url}")
        print(f"vault file (throwaway FAKE credentials the sandbox generated): {world.vault}")
        print("from the repo root, after `adfgen build`, run:")
        print("  adfgen " + shlex.join(command(args.name, world, redirects)), flush=True)
        print("serving; Ctrl-C stops", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        world.stop()
    print("sandbox stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
