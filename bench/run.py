"""Benchmark: `adfgen run` syncing 20 endpoints from a fake API limited to R requests/s and C concurrent requests,
in real time (no time scale): how much of the rate limit the generated pacing (requestInterval, lanes) uses.

Run: python bench/run.py [--rate 1] [--concurrent 5] [--window 60] [--uniform] [--latency 0.02]
Last line: run: E endpoints, P pages, utilisation U% of the rate limit, 429s N, activity runs A, seconds S

The fake's limiter (tests/peers/xero_api.py) is a sliding-window log: it admits a call when fewer than R x window calls
were admitted in the last `window` seconds and fewer than C are in flight, else it answers 429 with Retry-After.
Real APIs state limits per window (Xero 60 a rolling minute and 5 concurrent per tenant, QuickBooks 500/min,
HubSpot 100 per 10 s; ../shared/reference/source-apis.md), so the default is a 60 s window at 1 request/s, exactly
Xero's limits, and the sync spans several windows so that the limiter binds. A window much longer than the sync
never refuses anything (R 10 over 60 s allows 600 calls in a 20 s sync), so there only U <= 100% shows the pacing
right; a 1 s window (--window 1) is stricter than a per-minute spec can express.

U = API requests sent (429s included) / (R x the sync window while work remained), the window running from the
sync's first API request to its last plus one request slot of each lane (lanes/R: L lanes sending in step at R in
total span (n/L - 1) x L/R for n requests, so a perfectly paced sync scores 100%; with 1/R it would score up to
(L-1)/(R x seconds) more), so the token refresh and the controller's set-up before the first page do not count,
while time that lanes stand idle because another lane still pages does. Above 100% the pacing exceeded R on average; the line "busiest window" shows
the most calls the fake admitted in any `window` seconds against what it allows.
"""

from __future__ import annotations

import argparse
import bisect
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trustme  # noqa: E402
import yaml  # noqa: E402

from tests.peers.oauth_server import OAuthServer  # noqa: E402
from tests.peers.xero_api import XeroApi  # noqa: E402

API_HOST, TOKEN_HOST = "https://api.bench.example", "https://identity.bench.example"
TENANT, CLIENT_ID, CLIENT_SECRET = "bench-tenant", "bench-client", "bench-client-secret-value"


def collection(index: int) -> str:
    return f"Things{index:02d}"


def write_spec(directory: Path, endpoints: int, rate: float, concurrent: int, page_size: int) -> Path:
    """One API of `endpoints` page-numbered endpoints with the benchmark's rate limit."""
    spec = {
        "version": 1,
        "factory": {"name": "adf-bench-run", "key_vault_url": "https://kv-bench.vault.azure.net/",
                    "sinks": {"lake": {"type": "adls_gen2", "account_url": "https://stbench.dfs.core.windows.net/",
                                       "container": "raw", "format": "json", "folder": "{api}/{endpoint}"}}},
        "apis": [{
            "name": "bench", "base_url": f"{API_HOST}/api.xro/2.0",
            "auth": {"flow": "authorization_code", "authorize_url": f"{TOKEN_HOST}/connect/authorize",
                     "token_url": f"{TOKEN_HOST}/connect/token", "client_auth": "basic",
                     "rotating_refresh_tokens": True, "access_token_lifetime": "30m", "refresh_token_lifetime": "60d"},
            "secrets": {"client_id": "bench-client-id", "client_secret": "bench-client-secret",
                        "refresh_token": "bench-refresh-token", "access_token": "bench-access-token",
                        "identity": [{"secret": "bench-tenant-id", "header": "xero-tenant-id"}]},
            "headers": {"Accept": "application/json"},
            "rate_limit": {"requests_per_minute": int(round(rate * 60)), "concurrent_requests": concurrent},
            "pagination": {"kind": "page_number", "param": "page", "start": 1, "page_size_param": "pageSize",
                           "page_size": page_size, "max_requests": 1000},
            "endpoints": [{"name": f"e{i:02d}", "path": collection(i), "records_path": f"$.{collection(i)}"}
                          for i in range(1, endpoints + 1)],
        }],
    }
    path = directory / "bench.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def adfgen(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "adfgen.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=3600)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1.0, help="R: requests per second the fake API allows")
    parser.add_argument("--concurrent", type=int, default=5, help="C: concurrent requests the fake API allows")
    parser.add_argument("--endpoints", type=int, default=20)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--pages", type=int, default=6, help="average full pages per endpoint")
    parser.add_argument("--uniform", action="store_true", help="every endpoint the same size (no lane imbalance)")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds the fake takes per request")
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds of the fake's sliding rate window (it allows R x window calls in any window); "
                             "60 (default) a per-minute limit like Xero's, 1 the strictest reading of R/s")
    parser.add_argument("--log", type=Path, help="write the fake API's request log (JSON lines) here")
    parser.add_argument("--report", type=Path, help="write adfgen run's JSON report here")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the OAuth peer's access log

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        spec = write_spec(tmp, args.endpoints, args.rate, args.concurrent, args.page_size)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        built = adfgen("build", str(spec), "--out", str(tmp / "out"), env=env)
        if built.returncode:
            print(built.stdout + built.stderr, file=sys.stderr)
            return 1
        # endpoints get between 1 and 2 x --pages full pages, so lanes finish at different times as in real syncs
        counts = {collection(i): args.page_size * (args.pages if args.uniform else 1 + (i * 7) % (2 * args.pages)) + i
                  for i in range(1, args.endpoints + 1)}

        ca = trustme.CA()
        ca_path = tmp / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        oauth = OAuthServer(ca, access_ttl=1800)
        api = XeroApi(ca, oauth, tenant_id=TENANT, counts={**{k: 0 for k in ("Invoices", "Contacts", "Payments",
                      "BankTransactions", "CreditNotes", "ManualJournals", "Overpayments", "Prepayments",
                      "PurchaseOrders", "Accounts", "Projects")}, **counts},
                      calls_per_window=max(1, round(args.rate * args.window)),
                      window_seconds=max(1, round(args.rate * args.window)) / args.rate,
                      concurrent=args.concurrent, calls_per_day=10**9, latency=args.latency)
        try:
            oauth.add_client(CLIENT_ID, CLIENT_SECRET, auth_methods=("client_secret_basic",))
            vault = tmp / "secrets.yaml"
            vault.write_text(yaml.safe_dump({"bench-client-id": CLIENT_ID, "bench-client-secret": CLIENT_SECRET,
                                             "bench-refresh-token": oauth.seed_refresh_token(CLIENT_ID),
                                             "bench-tenant-id": TENANT}), encoding="utf-8")
            os.chmod(vault, 0o600)
            token_base = oauth.token_url.rsplit("/", 1)[0]
            started = time.perf_counter()
            ran = adfgen("run", "pl_bench_controller", "--folder", str(tmp / "out" / "adf-bench-run"),
                         "--vault", str(vault), "--sink-dir", str(tmp / "landing"),
                         "--redirect", f"{API_HOST}={api.url}",
                         "--redirect", f"{TOKEN_HOST}/connect/token={token_base}/token",
                         "--ca-bundle", str(ca_path), "--output", "json", env=env)
            seconds = time.perf_counter() - started
        finally:
            api.stop()
            oauth.stop()

        if ran.returncode not in (0, 1):
            print(ran.stderr[-2000:], file=sys.stderr)
            return 1
        report = json.loads(ran.stdout)
        if args.report:
            args.report.write_text(json.dumps(report, indent=1), encoding="utf-8")
        if args.log:
            args.log.write_text("".join(json.dumps(e) + "\n" for e in api.served.log), encoding="utf-8")
        activity_runs = _activity_runs(report)
        api_calls = [e for e in api.served.log if e["path"].startswith("/api.xro/")]
        accepted = [e for e in api_calls if e["status"] != 429]
        lanes, interval = _pacing(tmp / "out" / "adf-bench-run")
        span = (max(e["t"] for e in api_calls) - min(e["t"] for e in api_calls)) if api_calls else 0.0
        # each lane's last request still holds its share of the rate for lanes/R seconds (see the docstring)
        span += lanes / args.rate
        utilisation = 100.0 * len(api_calls) / (args.rate * span) if api_calls else 0.0
        landed = _landed(tmp / "landing", counts)
        pages = sum(api.served.pages[c] for c in counts)
        retried = [a for a in report.get("activityRuns", []) if a.get("attempts", 1) > 1]
        allowed = max(1, round(args.rate * args.window))
        print(f"fake API: {args.rate:g} requests/s, i.e. {allowed} in any {args.window:g} s window, "
              f"{args.concurrent} concurrent, {args.latency * 1000:.0f} ms per request; generated pacing: {lanes} "
              f"lanes, requestInterval {interval} per lane")
        print(f"busiest window: {_busiest([e['t'] for e in accepted], args.window)} requests admitted in "
              f"{args.window:g} s (allowed {allowed}); in 1 s: {_busiest([e['t'] for e in accepted], 1.0)}")
        print(f"activities retried: {len(retried)} ({', '.join(a['activity'] for a in retried) or 'none'})")
        print(f"outcome: {report.get('status') or report.get('outcome')}; exit {ran.returncode}; "
              f"{len(api_calls)} API requests sent ({len(accepted)} admitted) over {span:.1f} s; "
              f"busiest in-flight {api.served.max_in_flight}")
        print(f"run: {landed} endpoints, {pages} pages, utilisation {utilisation:.0f}% of the rate limit, "
              f"429s {api.served.throttled}, activity runs {activity_runs}, seconds {seconds:.1f}")
        return 0 if ran.returncode == 0 else 1


def _pacing(factory: Path) -> tuple[int, str]:
    """(lanes, requestInterval) as generated: the slot pipeline's concurrency, or else the controller's runs that start
    after the refresh (fixed lanes)."""
    slot = factory / "pipeline" / "pl_bench_slot.json"
    if slot.exists():
        lanes = json.loads(slot.read_text(encoding="utf-8"))["properties"]["concurrency"]
    else:
        controller = json.loads((factory / "pipeline" / "pl_bench_controller.json").read_text(encoding="utf-8"))
        lanes = sum(1 for a in controller["properties"]["activities"]
                    if any(d["activity"] == "Refresh Token" for d in a.get("dependsOn", [])))
    worker = json.loads((factory / "pipeline" / "pl_bench_e01.json").read_text(encoding="utf-8"))
    return lanes, next(_values(worker, "requestInterval"))


def _values(node, key: str):
    """Every value under `key` anywhere in a JSON document."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key:
                yield value
            yield from _values(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from _values(value, key)


def _busiest(times: list[float], window: float) -> int:
    """The most calls in any half-open window (t - window, t], as the fake counts them."""
    ordered = sorted(times)
    return max((i + 1 - bisect.bisect_right(ordered, t - window) for i, t in enumerate(ordered)), default=0)


def _landed(landing: Path, counts: dict[str, int]) -> int:
    """Endpoints whose sink files hold every record of the fake's collection exactly once."""
    from adfgen.local.formats import read_records

    complete = 0
    for index, name in enumerate(counts, start=1):
        ids = [r.get(f"{name}ID") for path in landing.glob(f"*/raw/bench/e{index:02d}/*/*.json")
               for r in read_records(path, "Json", {})]
        complete += len(ids) == counts[name] == len(set(ids))
    return complete


def _activity_runs(report: dict) -> int:
    """Activity runs in the JSON report, nested pipelines included."""
    for key in ("activity_runs", "activityRuns", "activities"):
        if isinstance(report.get(key), list):
            return len(report[key])
        if isinstance(report.get(key), int):
            return report[key]
    summary = report.get("summary") or {}
    return int(summary.get("activity_runs", 0) if isinstance(summary, dict) else 0)


if __name__ == "__main__":
    sys.exit(main())
