"""The fake Xero API on its own: tokens from the OAuth peer, tenant header, paging, If-Modified-Since, limits."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
import requests
import trustme

from adfgen.local.clock import Clock
from tests.peers.oauth_server import OAuthServer
from tests.peers.xero_api import XeroApi

TENANT = "tenant-0001"


@pytest.fixture(scope="module")
def world():
    ca = trustme.CA()
    oauth = OAuthServer(ca, access_ttl=1800)
    oauth.add_client("cid", "csecret")
    with ca.cert_pem.tempfile() as ca_path:
        yield ca, oauth, ca_path
    oauth.stop()


def token(oauth: OAuthServer, ca_path: str) -> str:
    refresh = oauth.seed_refresh_token("cid")
    reply = requests.post(oauth.token_url, data={"grant_type": "refresh_token", "refresh_token": refresh},
                          auth=("cid", "csecret"), verify=ca_path, timeout=10)
    reply.raise_for_status()
    return reply.json()["access_token"]


@pytest.fixture()
def api(world):
    ca, oauth, ca_path = world
    fake = XeroApi(ca, oauth, Clock(), tenant_id=TENANT, counts={"Invoices": 230, "Projects": 3, "Tasks": 2},
                   calls_per_window=1000)
    yield fake
    fake.stop()


def get(api, path, ca_path, access, tenant=TENANT, **headers):
    sent = {"Authorization": f"Bearer {access}", **({"xero-tenant-id": tenant} if tenant else {}), **headers}
    return requests.get(api.url + path, headers=sent, verify=ca_path, timeout=10)


def test_pages_until_an_empty_page(api, world):
    _, oauth, ca_path = world
    access = token(oauth, ca_path)
    seen, page = [], 1
    while True:
        reply = get(api, f"/api.xro/2.0/Invoices?page={page}&pageSize=100", ca_path, access)
        assert reply.status_code == 200
        body = reply.json()
        if not body["Invoices"]:
            break
        assert body["pagination"] == {"page": page, "pageSize": 100, "pageCount": 3, "itemCount": 230}
        seen += [i["InvoiceID"] for i in body["Invoices"]]
        page += 1
    assert page == 4
    assert seen == [r["InvoiceID"] for r in api.records("Invoices")] and len(set(seen)) == 230
    assert api.served.pages["Invoices"] == 4 and api.served.records["Invoices"] == 230


def test_if_modified_since_and_where(api, world):
    _, oauth, ca_path = world
    access = token(oauth, ca_path)
    cutoff = datetime.now(timezone.utc) - timedelta(minutes=1)
    changed = set(api.touch("Invoices", 3)) | set(api.add("Invoices", 2))
    stamp = cutoff.strftime("%Y-%m-%dT%H:%M:%S")  # the generated pipelines' format: no offset
    reply = get(api, "/api.xro/2.0/Invoices?page=1", ca_path, access, **{"If-Modified-Since": stamp})
    assert {i["InvoiceID"] for i in reply.json()["Invoices"]} == changed
    where = f"UpdatedDateUTC>=DateTime({cutoff.year},{cutoff.month},{cutoff.day},{cutoff.hour},{cutoff.minute},{cutoff.second})"
    reply = get(api, "/api.xro/2.0/Invoices", ca_path, access, tenant=TENANT)
    assert len(reply.json()["Invoices"]) == 100
    reply = requests.get(api.url + "/api.xro/2.0/Invoices", params={"where": where}, verify=ca_path, timeout=10,
                         headers={"Authorization": f"Bearer {access}", "xero-tenant-id": TENANT})
    assert {i["InvoiceID"] for i in reply.json()["Invoices"]} == changed
    assert get(api, "/api.xro/2.0/Invoices", ca_path, access, **{"If-Modified-Since": "yesterday"}).status_code == 400


def test_accounts_unpaged_and_projects_with_children(api, world):
    _, oauth, ca_path = world
    access = token(oauth, ca_path)
    accounts = get(api, "/api.xro/2.0/Accounts?page=2", ca_path, access).json()
    assert len(accounts["Accounts"]) == 25 and "pagination" not in accounts
    projects = get(api, "/projects.xro/2.0/Projects?page=1&pageSize=500", ca_path, access,
                   tenant=None, **{"Xero-Tenant-Id": TENANT}).json()
    assert projects["pagination"]["itemCount"] == 3 and len(projects["items"]) == 3
    first = projects["items"][0]["projectId"]
    tasks = get(api, f"/projects.xro/2.0/Projects/{first}/Tasks?page=1&pageSize=500", ca_path, access).json()
    assert [t["projectId"] for t in tasks["items"]] == [first, first]
    assert get(api, f"/projects.xro/2.0/Projects/{first}/Tasks?page=2&pageSize=500", ca_path,
               access).json()["items"] == []
    assert get(api, "/projects.xro/2.0/Projects/nope/Time", ca_path, access).status_code == 404
    assert get(api, "/projects.xro/2.0/Projects?pageSize=501", ca_path, access).status_code == 400


def test_tokens_and_tenant(api, world):
    _, oauth, ca_path = world
    access = token(oauth, ca_path)
    assert get(api, "/api.xro/2.0/Invoices", ca_path, "made-up").status_code == 401
    assert get(api, "/api.xro/2.0/Invoices", ca_path, access, tenant=None).status_code == 403
    assert get(api, "/api.xro/2.0/Invoices", ca_path, access, tenant="other").status_code == 403
    assert get(api, "/connections", ca_path, access, tenant=None).json()[0]["tenantId"] == TENANT
    api.expire(access)
    reply = get(api, "/api.xro/2.0/Invoices", ca_path, access)
    assert reply.status_code == 401 and "TokenExpired" in reply.json()["Detail"]


def test_tokens_age_on_the_shared_clock(world):
    ca, oauth, ca_path = world
    clock = Clock(time_scale=2000)  # 1800 s of token life pass in 0.9 real seconds
    fake = XeroApi(ca, oauth, clock, counts={"Invoices": 1})
    try:
        access = token(oauth, ca_path)
        assert get(fake, "/api.xro/2.0/Invoices", ca_path, access).status_code == 200
        clock.sleep(1801)
        assert get(fake, "/api.xro/2.0/Invoices", ca_path, access).status_code == 401
    finally:
        fake.stop()


def test_rate_limit_answers_429_with_retry_after(world):
    ca, oauth, ca_path = world
    fake = XeroApi(ca, oauth, Clock(), counts={"Invoices": 1}, calls_per_window=5, window_seconds=60)
    try:
        access = token(oauth, ca_path)
        statuses = [get(fake, "/api.xro/2.0/Invoices", ca_path, access) for _ in range(7)]
        assert [r.status_code for r in statuses] == [200] * 5 + [429] * 2
        assert 55 <= int(statuses[-1].headers["Retry-After"]) <= 60
        assert statuses[-1].headers["X-Rate-Limit-Problem"] == "minute"
        assert statuses[4].headers["X-MinLimit-Remaining"] == "0"
        assert fake.served.throttled == 2 and fake.served.by_status[429] == 2
    finally:
        fake.stop()


def test_concurrent_limit(world):
    ca, oauth, ca_path = world
    fake = XeroApi(ca, oauth, Clock(), counts={"Invoices": 1}, concurrent=2, calls_per_window=1000, latency=0.5)
    try:
        access = token(oauth, ca_path)
        results: list[int] = []
        threads = [threading.Thread(target=lambda: results.append(
            get(fake, "/api.xro/2.0/Invoices", ca_path, access).status_code)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [200, 200, 429, 429]
        assert fake.served.max_in_flight == 2
    finally:
        fake.stop()


def test_injected_faults_and_304_option(api, world):
    ca, oauth, ca_path = world
    access = token(oauth, ca_path)
    api.fail_next("Contacts", status=503, times=2, retry_after=3)
    first = get(api, "/api.xro/2.0/Contacts", ca_path, access)
    assert first.status_code == 503 and first.headers["Retry-After"] == "3"
    assert get(api, "/api.xro/2.0/Contacts", ca_path, access).status_code == 503
    assert get(api, "/api.xro/2.0/Contacts", ca_path, access).status_code == 200
    quiet = XeroApi(ca, oauth, Clock(), counts={"Invoices": 2}, not_modified_status=304)
    try:
        future = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
        assert get(quiet, "/api.xro/2.0/Invoices", ca_path, access,
                   **{"If-Modified-Since": future}).status_code == 304
    finally:
        quiet.stop()
