"""Benchmark: adfgen's parallel deploy vs a naive one-at-a-time loop, against the local ARM peer with 50 ms per call.

Run from the repository root: `python bench/deploy.py [--resources 500] [--latency 0.05] [--parallelism 8]`.
The peer runs in a subprocess so that its CPU does not compete with the client for the interpreter lock.
Last line: `deploy: N resources, parallel P s, sequential Q s, speedup X x, no-op redeploy K PUTs in T s`.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from adfgen.azure.clients import Clients, Connection, StaticTokenCredential, Target
from adfgen.azure.deploy import deploy, references, request_body
from adfgen.azure.plan import operations
from adfgen.core.resources import KINDS, Resource, sort_resources
from adfgen.build.writer import dependency_order

SUB, RG, TOKEN = "00000000-0000-0000-0000-00000000be4c", "rg-bench", "bench-token"


class Peer:
    """The ARM peer in a subprocess, with its tiny JSON-lines control channel."""

    def __init__(self, latency: float, page_size: int):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.peers.arm_server", "--latency", str(latency), "--page-size", str(page_size),
             "--token", TOKEN], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        hello = json.loads(self.process.stdout.readline())
        self.url, self.ca = hello["url"], hello["ca"]

    def call(self, op: str, **kwargs: object) -> object:
        self.process.stdin.write(json.dumps({"op": op, **kwargs}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())["result"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


def synthetic_resources(count: int) -> list[Resource]:
    """The lead's synthetic build when bench/build.py provides it, else an equivalent generated set."""
    import importlib.util

    from adfgen.build import build_factories

    spec = importlib.util.spec_from_file_location("bench_build", REPO / "bench" / "build.py")
    module = importlib.util.module_from_spec(spec) if spec and spec.loader else None
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        make_synthetic_specs = module.make_synthetic_specs
    except (OSError, AttributeError, ImportError):
        return generated_resources(count)
    with tempfile.TemporaryDirectory() as directory:
        builds = build_factories(make_synthetic_specs(Path(directory), apis=50, endpoints=20))
    return slice_resources([r for b in builds for r in b.resources], count)


def slice_resources(resources: list[Resource], count: int) -> list[Resource]:
    """Pipelines (with everything they reference, and the triggers that start them) until about `count`."""
    by_key = {(r.kind, r.name): r for r in resources}
    triggers_of: dict[str, list[Resource]] = {}
    for trigger in (r for r in resources if r.kind == "trigger"):
        for _, name in references(trigger.properties):
            triggers_of.setdefault(name, []).append(trigger)
    chosen: dict[tuple[str, str], Resource] = {}

    def add(resource: Resource) -> None:
        if (resource.kind, resource.name) in chosen:
            return
        chosen[(resource.kind, resource.name)] = resource
        for key in references(resource.properties):
            if key in by_key:
                add(by_key[key])

    for pipeline in (r for r in resources if r.kind == "pipeline"):
        if len(chosen) >= count:
            break
        add(pipeline)
        for trigger in triggers_of.get(pipeline.name, []):
            add(trigger)
    return sort_resources(list(chosen.values()))


def generated_resources(count: int) -> list[Resource]:
    """~count resources shaped like adfgen's output: per API a REST linked service, datasets, workers, controller."""
    out: list[Resource] = []
    api = 0
    while len(out) < count:
        api += 1
        ls, tag = f"ls_rest_{api}", ["adfgen"]
        out.append(Resource("linkedService", ls, {"type": "RestService", "annotations": tag, "typeProperties": {
            "url": f"https://api{api}.example.com", "authenticationType": "Anonymous"}}))
        workers = []
        for e in range(8):
            ds, pl = f"ds_{api}_{e}", f"pl_{api}_worker_{e}"
            out.append(Resource("dataset", ds, {"type": "RestResource", "annotations": tag, "linkedServiceName": {
                "referenceName": ls, "type": "LinkedServiceReference"}, "typeProperties": {"relativeUrl": f"/e{e}"}}))
            out.append(Resource("pipeline", pl, {"annotations": tag, "activities": [{
                "name": "Lookup", "type": "Lookup", "typeProperties": {
                    "source": {"type": "RestSource"}, "dataset": {"referenceName": ds, "type": "DatasetReference"}}}]}))
            workers.append(pl)
        out.append(Resource("pipeline", f"pl_{api}_controller", {"annotations": tag, "activities": [
            {"name": f"Run {w}", "type": "ExecutePipeline", "typeProperties": {
                "pipeline": {"referenceName": w, "type": "PipelineReference"}, "waitOnCompletion": True}}
            for w in workers]}))
        out.append(Resource("trigger", f"tr_{api}", {"type": "ScheduleTrigger", "annotations": tag, "pipelines": [
            {"pipelineReference": {"referenceName": f"pl_{api}_controller", "type": "PipelineReference"}}],
            "typeProperties": {"recurrence": {"frequency": "Day", "interval": 1}}}))
    return slice_resources(out, count)


def naive_deploy(clients: Clients, target: Target, resources: list[Resource]) -> None:
    """The baseline: one PUT at a time in dependency order, then start the triggers one by one."""
    for resource in dependency_order(resources):
        operations(clients, resource.kind).create_or_update(target.resource_group, target.factory_name,
                                                           resource.name, request_body(resource))
    for resource in resources:
        if resource.kind == "trigger":
            clients.datafactory.triggers.begin_start(target.resource_group, target.factory_name, resource.name).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args()

    resources = synthetic_resources(args.resources)
    peer = Peer(args.latency, args.page_size)
    try:
        connection = Connection(arm_endpoint=peer.url, ca_bundle=peer.ca, pool_size=args.parallelism + 4,
                                polling_interval=0.05)
        credential = StaticTokenCredential(TOKEN)
        parallel, sequential = Target(SUB, RG, "adf-bench-parallel"), Target(SUB, RG, "adf-bench-sequential")
        for t in (parallel, sequential):
            peer.call("add_factory", sub=SUB, rg=RG, name=t.factory_name)

        clients, naive_clients = Clients(credential, SUB, connection), Clients(credential, SUB, connection)
        for warm in (clients, naive_clients):  # import the SDK and build both clients before timing
            assert warm.datafactory is not None
        started = time.perf_counter()
        report = deploy(clients, parallel, resources, parallelism=args.parallelism)
        parallel_s = time.perf_counter() - started
        if not report.ok:
            sys.exit("parallel deploy failed: " + "; ".join(f"{s.name}: {s.message}" for s in report.steps
                                                            if s.message)[:2000])

        started = time.perf_counter()
        naive_deploy(naive_clients, sequential, resources)
        sequential_s = time.perf_counter() - started

        peer.call("clear_log")
        started = time.perf_counter()
        again = deploy(clients, parallel, resources, parallelism=args.parallelism)
        noop_s = time.perf_counter() - started
        puts = peer.call("count", method="PUT")
        lists = peer.call("count", method="GET", pattern=r"/(linkedservices|datasets|pipelines|triggers)$")
        pages = sum(max(1, math.ceil(sum(1 for r in resources if r.kind == k) / args.page_size)) for k in KINDS)
        if not again.ok or again.plan.has_changes:
            sys.exit("the no-op redeploy was not a no-op")
    finally:
        peer.close()
    counts = {k: sum(1 for r in resources if r.kind == k) for k in KINDS}
    print(f"resources per kind: {counts}; latency {args.latency * 1000:.0f} ms per call; parallelism {args.parallelism}")
    print(f"no-op redeploy: {lists} list calls for {pages} pages (one per kind and page), {puts} PUTs")
    print(f"deploy: {len(resources)} resources, parallel {parallel_s:.2f} s, sequential {sequential_s:.2f} s, "
          f"speedup {sequential_s / parallel_s:.1f} x, no-op redeploy {puts} PUTs in {noop_s:.2f} s")


if __name__ == "__main__":
    main()
