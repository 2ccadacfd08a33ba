"""Benchmark: `build` of a synthetic 50 APIs × 20 endpoints spec set, against a bare JSON load+dump baseline.

Run: python bench/build.py [--apis 50] [--endpoints 20]
Last line: build: N resources in S s (R resources/s; Kx a bare json load+dump of the same output)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adfgen.build import build_factories, write_outputs  # noqa: E402
from adfgen.core.jsonout import dump_bytes  # noqa: E402

PAGINATIONS = [
    "{kind: page_number, param: page, page_size_param: pageSize, page_size: 100}",
    "{kind: offset_limit, limit: 500}",
    # kinds a new Copy cannot resume: one access token must cover max_requests pages (adfgen refuses more)
    "{kind: cursor, param: after, cursor_path: $.paging.next.after, max_requests: 30}",
    "{kind: next_url, next_url_path: \"$['@odata.nextLink']\", max_requests: 30}",
    "{kind: link_header, max_requests: 30}",
    "{kind: none}",
]


def make_synthetic_specs(directory: Path, apis: int = 50, endpoints: int = 20) -> list[Path]:
    """Write `apis` spec files of `endpoints` endpoints each, all building into one factory."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for a in range(apis):
        lines = [
            "version: 1",
            "factory:",
            "  name: adf-bench",
            "  key_vault_url: https://kv-bench.vault.azure.net/",
            "  default_sink: lake",
            "  sinks:",
            "    lake: {type: adls_gen2, account_url: 'https://stbench.dfs.core.windows.net/', container: raw}",
            "    staging: {type: azure_sql, server: sql-bench.database.windows.net, database: staging}",
            "apis:",
            f"  - name: api{a:02d}",
            f"    base_url: https://api{a:02d}.example.com/v1",
            "    auth: {flow: authorization_code, authorize_url: 'https://login.example.com/authorize',",
            "           token_url: 'https://login.example.com/token', refresh_token_lifetime: 60d}",
            f"    secrets: {{client_id: api{a:02d}-client-id, client_secret: api{a:02d}-client-secret,",
            f"              refresh_token: api{a:02d}-refresh-token, access_token: api{a:02d}-access-token,",
            f"              identity: [{{secret: api{a:02d}-tenant, header: x-tenant-id}}]}}",
            "    headers: {Accept: application/json}",
            "    rate_limit: {requests_per_minute: 120, concurrent_requests: 4}",
            f"    pagination: {PAGINATIONS[a % len(PAGINATIONS)]}",
            "    endpoints:",
        ]
        for e in range(endpoints):
            extra = ""
            if e % 5 == 1:
                extra += ", headers: {If-Modified-Since: '{watermark}'}, incremental: {}"
            if e % 7 == 3:
                extra += ", sink: staging"
            if e % 10 == 9:
                lines.append(f"      - {{name: child{e:02d}, path: 'things/{{thingId}}/items', records_path: $.items,"
                             f" parent: {{endpoint: entity00, key: thingId}}{extra}}}")
                continue
            lines.append(f"      - {{name: entity{e:02d}, path: entity{e:02d}, records_path: $.items{extra}}}")
        path = directory / f"api{a:02d}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def bare_json_round_trip(files: dict[str, bytes], directory: Path) -> None:
    """The baseline: parse and re-serialise (with adfgen's own dumper) every JSON output file and write it; other
    files (each factory's README.md of diagrams) are written as they are."""
    for rel, data in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(dump_bytes(json.loads(data)) if rel.endswith(".json") else data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apis", type=int, default=50)
    parser.add_argument("--endpoints", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the figure is their median")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        specs = make_synthetic_specs(Path(tmp) / "specs", args.apis, args.endpoints)
        build_times, memory_times, baseline_times = [], [], []
        for run in range(args.repeat):
            start = time.perf_counter()
            builds = build_factories(specs)
            memory_times.append(time.perf_counter() - start)
            write_outputs(builds, Path(tmp) / f"out{run}")
            build_times.append(time.perf_counter() - start)
            files = {f"{b.name}/{rel}": data for b in builds for rel, data in b.files.items()}
            start = time.perf_counter()
            bare_json_round_trip(files, Path(tmp) / f"bare{run}")
            baseline_times.append(time.perf_counter() - start)
        resources = sum(len(b.resources) for b in builds)
        workers = sum(1 for b in builds for r in b.resources if r.kind == "pipeline"
                      and r.properties.get("folder", {}).get("name") == "Worker Pipelines")
        # the median of the runs, the first (cold: templates compiled, caches empty) among them
        seconds, baseline = statistics.median(build_times), statistics.median(baseline_times)
        print(f"specs: {len(specs)} files, {args.apis * args.endpoints} endpoints, {workers} worker pipelines, "
              f"{len(files)} files written")
        print(f"median of {args.repeat}: load+plan+render+serialise {statistics.median(memory_times):.2f} s, "
              f"with writing {seconds:.2f} s (cold first run {build_times[0]:.2f} s, best {min(build_times):.2f} s); "
              f"baseline {baseline:.2f} s")
        print(f"build: {resources} resources in {seconds:.2f} s ({resources / seconds:.0f} resources/s; "
              f"{seconds / baseline:.1f}x a bare json load+dump of the same output)")


if __name__ == "__main__":
    main()
