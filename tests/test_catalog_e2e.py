"""End to end: each catalog factory (the committed out/adf-<api>-dev) run by `adfgen run` through the CLI against its
API's fake (tests/peers/<api>_api.py) and the Authlib OAuth peer set up with that API's token-endpoint rules: every
record lands, a second run loads only the changes (or, where the API cannot be loaded incrementally by ADF, reloads
in full as its spec documents), the rate limits hold, and the token endpoint saw the API's client authentication.

Each API has one world (peers, vault file, landing folder) shared by its tests, which run in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
import trustme
import yaml

from adfgen.local.clock import Clock
from adfgen.local.formats import read_records
from tests.peers import graph_api, hubspot_api, quickbooks_api, servicenow_api
from tests.peers.oauth_server import OAuthServer
from tests.run_support import run_cli

REPO = Path(__file__).resolve().parent.parent
SCALE = 100.0
CLIENT_ID, CLIENT_SECRET = "catalog-e2e-client", "catalog-e2e-client-secret-value"
REALM = "4620816365281234"
GRAPH_TENANT = "00000000-0000-0000-0000-000000000000"  # the catalog spec's params.tenant


@dataclass
class Case:
    """One catalog API: its factory, fake, vault secrets, redirects and what each endpoint lands."""

    api: str
    fake: Callable[..., Any]
    register: Callable[..., None]
    counts: dict[str, int]
    endpoints: dict[str, str]            # endpoint -> the fake's collection
    key: str                             # the id field of every record
    incremental: set[str]                # endpoints that load only changes
    changes: dict[str, tuple[int, int]]  # collection -> (records touched, records added) before the second run
    secrets: Callable[["World"], dict[str, str]]
    redirects: Callable[["World"], list[str]]
    fake_kwargs: dict[str, Any] = field(default_factory=dict)
    client_id: str = CLIENT_ID           # native client credentials: the id the spec itself holds
    list_path: Callable[[str], str] = lambda collection: collection  # text of a collection's request path


def _refresh_secrets(prefix: str, extra: dict[str, str] | None = None) -> Callable[["World"], dict[str, str]]:
    def secrets(world: "World") -> dict[str, str]:
        world.first_refresh = world.oauth.seed_refresh_token(CLIENT_ID)
        return {f"{prefix}-client-id": CLIENT_ID, f"{prefix}-client-secret": CLIENT_SECRET,
                f"{prefix}-refresh-token": world.first_refresh, **(extra or {})}
    return secrets


CASES = {
    "quickbooks": Case(
        "quickbooks", quickbooks_api.QuickBooksApi, quickbooks_api.oauth_client,
        counts={"Invoice": 2300, "Customer": 120, "Payment": 40, "Item": 15, "Account": 25},
        endpoints={"invoices": "Invoice", "customers": "Customer", "payments": "Payment", "items": "Item",
                   "accounts": "Account"},
        key="Id", incremental={"invoices", "customers", "payments"},
        changes={"Invoice": (3, 2), "Customer": (1, 0)},
        secrets=_refresh_secrets("quickbooks", {"quickbooks-realm-id": REALM}),
        redirects=lambda w: [f"https://sandbox-quickbooks.api.intuit.com/v3={w.api.url}/v3",
                             f"https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer={w.token_base}/token"],
        fake_kwargs={"realm_id": REALM}, list_path=lambda collection: "/query"),
    "hubspot": Case(
        "hubspot", hubspot_api.HubSpotApi, hubspot_api.oauth_client,
        counts={"contacts": 250, "companies": 60, "deals": 45, "tickets": 12},
        endpoints={"contacts": "contacts", "companies": "companies", "deals": "deals", "tickets": "tickets"},
        key="id", incremental=set(), changes={"contacts": (3, 2)}, list_path=lambda c: f"/objects/{c}",
        secrets=_refresh_secrets("hubspot"),
        redirects=lambda w: [f"https://api.hubapi.com/crm={w.api.url}/crm",
                             f"https://api.hubapi.com/oauth/2026-03/token={w.token_base}/token"]),
    "servicenow": Case(
        "servicenow", servicenow_api.ServiceNowApi, servicenow_api.oauth_client,
        counts={"incident": 2600, "change_request": 40, "sys_user": 35},
        endpoints={"incidents": "incident", "change_requests": "change_request", "users": "sys_user"},
        key="sys_id", incremental={"incidents", "change_requests", "users"}, list_path=lambda c: f"/table/{c}",
        changes={"incident": (4, 1), "sys_user": (1, 0)},
        secrets=lambda w: {"servicenow-client-id": CLIENT_ID, "servicenow-client-secret": CLIENT_SECRET,
                           **dict(zip(("servicenow-username", "servicenow-password"),
                                      next(iter(w.oauth.users.items()))))},
        redirects=lambda w: [f"https://dev00000.service-now.com/api={w.api.url}/api",
                             f"https://dev00000.service-now.com/oauth_token.do={w.token_base}/token"]),
    "graph": Case(
        "graph", graph_api.GraphApi, graph_api.oauth_client,
        counts={"users": 2300, "groups": 40, "directoryAudits": 150, "signIns": 120},
        endpoints={"users": "users", "groups": "groups", "directory_audits": "directoryAudits",
                   "sign_ins": "signIns"},
        key="id", incremental={"directory_audits", "sign_ins"}, list_path=lambda c: f"/v1.0/{c}",
        changes={"directoryAudits": (0, 3), "signIns": (0, 2)},
        secrets=lambda w: {"graph-client-secret": CLIENT_SECRET},
        client_id=yaml.safe_load((REPO / "specs" / "catalog" / "graph.yaml").read_text())["apis"][0]["auth"]["client_id"],
        redirects=lambda w: [f"https://graph.microsoft.com={w.api.url}",
                             f"https://login.microsoftonline.com/{GRAPH_TENANT}/oauth2/v2.0/token={w.token_base}/token"]),
}


class World:
    """The peers and files one API's e2e tests share."""

    def __init__(self, case: Case, tmp: Path):
        self.case = case
        self.factory = REPO / "out" / f"adf-{case.api}-dev"
        self.ca = trustme.CA()
        self.ca_path = tmp / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_path))
        self.clock = Clock(time_scale=SCALE)
        self.oauth = OAuthServer(self.ca, grace_seconds=0, access_ttl=1800)
        self.token_base = self.oauth.token_url.rsplit("/", 1)[0]
        case.register(self.oauth, case.client_id, CLIENT_SECRET)
        self.api = case.fake(self.ca, self.oauth, self.clock, counts=case.counts, **case.fake_kwargs)
        self.first_refresh: str | None = None
        self.vault = tmp / "secrets.yaml"
        self.vault.write_text(yaml.safe_dump(case.secrets(self)))
        self.landing = tmp / "landing"
        self.lake = self.landing / f"st{case.api}dev" / "raw" / case.api
        self.secret_values = {CLIENT_SECRET, REALM, *yaml.safe_load(self.vault.read_text()).values()} - {case.client_id}

    def run(self, capfd) -> tuple[int, dict, str]:
        """`adfgen run pl_<api>_controller` through the CLI entry point: (exit code, JSON report, everything printed)."""
        argv = ["run", f"pl_{self.case.api}_controller", "--folder", str(self.factory), "--vault", str(self.vault),
                "--sink-dir", str(self.landing), "--time-scale", str(SCALE), "--ca-bundle", str(self.ca_path),
                "--output", "json"]
        for redirect in self.case.redirects(self):
            argv += ["--redirect", redirect]
        issued = {v for t in self.oauth.tokens for v in (t.access_token, t.refresh_token) if v}
        return run_cli(capfd, argv, self.secret_values | issued)

    def batches(self, endpoint: str) -> set[str]:
        folder = self.lake / endpoint
        return {p.name for p in folder.iterdir() if p.is_dir()} if folder.is_dir() else set()

    def landed(self, endpoint: str, batch: str) -> list[str]:
        rows: list[dict] = []
        for path in sorted((self.lake / endpoint / batch).glob("*.json")):
            rows += read_records(path, "Json", {})
        return [r[self.case.key] for r in rows]

    def secret(self, name: str) -> str:
        raw = yaml.safe_load(self.vault.read_text())[name]
        return raw["value"] if isinstance(raw, dict) else raw

    def stop(self) -> None:
        self.api.stop()
        self.oauth.stop()


@pytest.fixture(scope="module", params=sorted(CASES))
def world(request, tmp_path_factory):
    case = CASES[request.param]
    if not (REPO / "out" / f"adf-{case.api}-dev").is_dir():
        pytest.fail(f"out/adf-{case.api}-dev is missing: run scripts/regenerate-out")
    world = World(case, tmp_path_factory.mktemp(case.api))
    world.before: dict[str, set[str]] = {}
    world.changed: dict[str, set[str]] = {}
    yield world
    world.stop()


def test_first_run_lands_every_record(world, capfd):
    code, report, printed = world.run(capfd)
    assert code == 0, printed[-3000:]
    assert report["status"] == "Succeeded"
    for endpoint, collection in world.case.endpoints.items():
        (batch,) = world.batches(endpoint)
        assert sorted(world.landed(endpoint, batch)) == sorted(world.api.ids(collection)), endpoint  # all, once
    assert world.api.served.by_status[401] == 0 and world.api.served.by_status[403] == 0
    # the generated pacing kept within the API's limits: no 429, never more at once than the spec allows
    limit = yaml.safe_load((REPO / "specs" / "catalog" / f"{world.case.api}.yaml").read_text())["apis"][0]["rate_limit"]
    assert world.api.served.throttled == 0 and world.api.served.max_in_flight <= limit["concurrent_requests"]
    world.before = {e: world.batches(e) for e in world.case.endpoints}


def test_the_token_endpoint_saw_the_apis_own_rules(world):
    requests_seen = world.oauth.requests
    assert requests_seen, "no token request"
    api = world.case.api
    for sent in requests_seen:
        if api == "quickbooks":  # HTTP Basic only; the refresh grant
            assert sent["authorization"].startswith("Basic ") and "client_secret" not in sent["form"]
            assert sent["form"]["grant_type"] == "refresh_token"
        else:  # the form body
            assert sent["authorization"] is None and sent["form"]["client_secret"] == CLIENT_SECRET
    grants = {sent["form"]["grant_type"] for sent in requests_seen}
    if api == "servicenow":
        assert grants == {"password"}
    if api == "graph":  # native client credentials: the linked service asks, nothing is stored in Key Vault
        assert grants == {"client_credentials"}
        assert all(s["form"].get("scope") == graph_api.SCOPE for s in requests_seen)
        assert set(yaml.safe_load(world.vault.read_text())) == {"graph-client-secret"}
    if world.first_refresh is not None:  # the rotated refresh token was stored, the first one is spent
        stored = world.secret(f"{api}-refresh-token")
        assert stored != world.first_refresh and world.oauth.find(stored).rotated_at is None
        assert world.oauth.find(world.first_refresh).rotated_at is not None


def test_second_run_loads_only_the_changes_where_the_api_can(world, capfd):
    """Incremental endpoints land exactly the touched and added records; the others reload in full: HubSpot's lists
    and Graph's users and groups (no filter ADF can page, as their specs document) and QuickBooks' small reference
    lists (items, accounts: full by the spec's choice)."""
    changed: dict[str, set[str]] = {}
    for collection, (touch, add) in world.case.changes.items():
        changed[collection] = set(world.api.touch(collection, touch)) | set(world.api.add(collection, add))
    world.changed = changed
    code, _, printed = world.run(capfd)
    assert code == 0, printed[-3000:]
    for endpoint, collection in world.case.endpoints.items():
        (batch,) = world.batches(endpoint) - world.before[endpoint]
        rows = world.landed(endpoint, batch)
        if endpoint in world.case.incremental:
            assert sorted(rows) == sorted(changed.get(collection, set())), endpoint
        else:  # no filter the API offers: a full reload
            assert sorted(rows) == sorted(world.api.ids(collection)), endpoint
    assert world.api.served.throttled == 0


def test_a_429_in_the_apis_own_shape_is_retried_and_every_record_still_lands_once(world, capfd):
    endpoint, collection = next(iter(world.case.endpoints.items()))
    changed = set(world.api.touch(collection, 2))
    before = world.batches(endpoint)
    throttled = world.api.served.throttled
    world.api.fail_next(world.case.list_path(collection), status=429, times=1)
    code, _, printed = world.run(capfd)
    assert code == 0, printed[-3000:]
    assert world.api.served.throttled == throttled + 1  # the injected one, answered as the API answers
    (batch,) = world.batches(endpoint) - before
    rows = world.landed(endpoint, batch)
    assert len(rows) == len(set(rows))
    if endpoint in world.case.incremental:
        # the changes, and perhaps the previous run's: each run re-reads `lookback` (1 h) before its watermark
        assert changed <= set(rows) <= changed | world.changed.get(collection, set())
    else:
        assert sorted(rows) == sorted(world.api.ids(collection))

