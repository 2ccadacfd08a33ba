"""The catalog's fake APIs on their own: each pages, filters, checks identity, throttles and authenticates as the
real API documents (../shared/reference/source-apis.md), so the end-to-end tests prove something about the real one."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import trustme

from adfgen.local.clock import Clock
from tests.peers import graph_api, hubspot_api, quickbooks_api, servicenow_api
from tests.peers.oauth_server import OAuthServer

CID, SECRET = "catalog-client", "catalog-client-secret"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    ca = trustme.CA()
    ca_path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    oauth = OAuthServer(ca, access_ttl=1800)
    yield ca, oauth, str(ca_path)
    oauth.stop()


@pytest.fixture()
def fake(request, world):
    ca, oauth, _ = world
    module, cls, kwargs = request.param
    api = getattr(module, cls)(ca, oauth, Clock(), **kwargs)
    yield api
    api.stop()


def post_token(world, client: str, *, basic: bool, **form) -> requests.Response:
    _, oauth, ca_path = world
    data = dict(form) if basic else {**form, "client_id": client, "client_secret": SECRET}
    return requests.post(oauth.token_url, data=data, auth=(client, SECRET) if basic else None, verify=ca_path,
                         timeout=10)


def get(world, url: str, token: str, **params) -> requests.Response:
    return requests.get(url, params=params, headers={"Authorization": f"Bearer {token}"}, verify=world[2], timeout=10)


def refresh_token(world, client: str, *, basic: bool) -> tuple[requests.Response, str]:
    _, oauth, _ = world
    seeded = oauth.seed_refresh_token(client)
    return post_token(world, client, basic=basic, grant_type="refresh_token", refresh_token=seeded), seeded


# --- QuickBooks ------------------------------------------------------------------------------------------------------

QB = (quickbooks_api, "QuickBooksApi", {"counts": {"Invoice": 230}, "realm_id": "4620816365"})


def qb_token(world) -> str:
    _, oauth, _ = world
    quickbooks_api.oauth_client(oauth, "qb-" + CID, SECRET)
    body_auth, _ = refresh_token(world, "qb-" + CID, basic=False)
    assert body_auth.status_code == 401 and body_auth.json()["error"] == "invalid_client"  # Basic only [src]
    reply, seeded = refresh_token(world, "qb-" + CID, basic=True)
    assert reply.status_code == 200 and reply.json()["refresh_token"] != seeded  # the value changes: store it
    assert post_token(world, "qb-" + CID, basic=True, grant_type="refresh_token",
                      refresh_token=seeded).json()["error"] == "invalid_grant"
    assert post_token(world, "qb-" + CID, basic=True, grant_type="client_credentials").status_code == 400
    return reply.json()["access_token"]


@pytest.mark.parametrize("fake", [QB], indirect=True)
def test_quickbooks_pages_inside_the_query_and_filters_on_last_updated(fake, world):
    token = qb_token(world)
    url = f"{fake.url}/v3/company/4620816365/query"
    seen, start = [], 1
    while True:
        body = get(world, url, token, query=f"SELECT * FROM Invoice STARTPOSITION {start} MAXRESULTS 100",
                   minorversion="75").json()
        if "Invoice" not in body["QueryResponse"]:
            break
        seen += [r["Id"] for r in body["QueryResponse"]["Invoice"]]
        start += 100
    assert sorted(seen) == sorted(fake.ids("Invoice")) and start == 301
    cutoff = fake.clock.now() - timedelta(seconds=1)
    changed = set(fake.touch("Invoice", 3)) | set(fake.add("Invoice", 2))
    stamp = cutoff.strftime("%Y-%m-%dT%H:%M:%S")
    body = get(world, url, token, query=f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '{stamp}' "
               "STARTPOSITION 1 MAXRESULTS 1000").json()
    assert {r["Id"] for r in body["QueryResponse"]["Invoice"]} == changed
    assert get(world, url, token, query="SELECT * FROM Invoice MAXRESULTS 1001").status_code == 400
    assert get(world, f"{fake.url}/v3/company/999/query", token, query="SELECT * FROM Invoice").status_code == 403
    assert get(world, url, "made-up", query="SELECT * FROM Invoice").status_code == 401


def test_quickbooks_throttles_per_realm_without_retry_after(world):
    ca, oauth, _ = world
    fake = quickbooks_api.QuickBooksApi(ca, oauth, Clock(), counts={"Invoice": 1}, realm_id="1", calls_per_window=3)
    try:
        token = qb_token(world)
        replies = [get(world, f"{fake.url}/v3/company/1/query", token, query="SELECT * FROM Invoice")
                   for _ in range(4)]
        assert [r.status_code for r in replies] == [200, 200, 200, 429]
        assert "Retry-After" not in replies[-1].headers and "ThrottleExceeded" in replies[-1].text
    finally:
        fake.stop()


# --- HubSpot ---------------------------------------------------------------------------------------------------------

HS = (hubspot_api, "HubSpotApi", {"counts": {"contacts": 250}})


def hs_token(world) -> str:
    _, oauth, _ = world
    hubspot_api.oauth_client(oauth, "hs-" + CID, SECRET)
    basic, _ = refresh_token(world, "hs-" + CID, basic=True)
    assert basic.status_code == 401  # the form body only [src]
    reply, _ = refresh_token(world, "hs-" + CID, basic=False)
    assert reply.status_code == 200
    return reply.json()["access_token"]


@pytest.mark.parametrize("fake", [HS], indirect=True)
def test_hubspot_cursor_from_paging_next_after(fake, world):
    token = hs_token(world)
    url, seen, after, pages = f"{fake.url}/crm/v3/objects/contacts", [], None, 0
    while True:
        reply = get(world, url, token, limit=100, **({"after": after} if after else {}))
        assert reply.headers["X-HubSpot-RateLimit-Max"] == "100"
        body = reply.json()
        seen += [r["id"] for r in body["results"]]
        pages += 1
        if "paging" not in body:  # absent on the last page [src]
            break
        after = body["paging"]["next"]["after"]
        assert body["paging"]["next"]["link"].startswith("https://api.hubapi.com/crm/v3/objects/contacts?")
    assert pages == 3 and sorted(seen) == sorted(fake.ids("contacts"))
    assert get(world, url, token, limit=101).status_code == 400
    changed = fake.touch("contacts", 2)
    body = get(world, url, token, limit=100).json()
    touched = [r for r in body["results"] if r["id"] in changed]
    assert all(r["updatedAt"] == r["properties"]["lastmodifieddate"] for r in touched) and len(touched) == 2


def test_hubspot_ten_second_window(world):
    ca, oauth, _ = world
    fake = hubspot_api.HubSpotApi(ca, oauth, Clock(), counts={"contacts": 1}, calls_per_window=2)
    try:
        token = hs_token(world)
        replies = [get(world, f"{fake.url}/crm/v3/objects/contacts", token) for _ in range(3)]
        assert [r.status_code for r in replies] == [200, 200, 429]
        assert replies[1].headers["X-HubSpot-RateLimit-Remaining"] == "0"
        assert replies[2].json()["policyName"] == "TEN_SECONDLY_ROLLING"
    finally:
        fake.stop()


# --- ServiceNow ------------------------------------------------------------------------------------------------------

SN = (servicenow_api, "ServiceNowApi", {"counts": {"incident": 260}})


def sn_token(world) -> str:
    _, oauth, _ = world
    servicenow_api.oauth_client(oauth, "sn-" + CID, SECRET)
    user, password = next(iter(oauth.users.items()))
    assert post_token(world, "sn-" + CID, basic=False, grant_type="password", username=user,
                      password="wrong").status_code == 400
    assert post_token(world, "sn-" + CID, basic=True, grant_type="password", username=user,
                      password=password).status_code == 401  # the form body [3p]
    reply = post_token(world, "sn-" + CID, basic=False, grant_type="password", username=user, password=password)
    assert reply.status_code == 200 and reply.json()["refresh_token"]
    return reply.json()["access_token"]


@pytest.mark.parametrize("fake", [SN], indirect=True)
def test_servicenow_offset_paging_link_header_and_sysparm_query(fake, world):
    token = sn_token(world)
    url, seen, offset = f"{fake.url}/api/now/table/incident", [], 0
    while True:
        reply = get(world, url, token, sysparm_limit=100, sysparm_offset=offset)
        assert reply.headers["X-Total-Count"] == "260"
        if not reply.json()["result"]:
            break
        seen += [r["sys_id"] for r in reply.json()["result"]]
        assert ('rel="next"' in reply.headers["Link"]) == (offset + 100 < 260)
        offset += 100
    assert sorted(seen) == sorted(fake.ids("incident"))
    cutoff = (fake.clock.now() - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
    changed = set(fake.touch("incident", 4)) | set(fake.add("incident", 1))
    reply = get(world, url, token, sysparm_query=f"sys_updated_on>={cutoff}^ORDERBYsys_updated_on")
    assert {r["sys_id"] for r in reply.json()["result"]} == changed
    assert get(world, url, token, sysparm_query="bogus").status_code == 400


def test_servicenow_rate_limit_rule_headers(world):
    ca, oauth, _ = world
    fake = servicenow_api.ServiceNowApi(ca, oauth, Clock(), counts={"incident": 1}, calls_per_window=1)
    try:
        token = sn_token(world)
        replies = [get(world, f"{fake.url}/api/now/table/incident", token) for _ in range(2)]
        assert [r.status_code for r in replies] == [200, 429]
        assert {"X-RateLimit-Limit", "X-RateLimit-Reset", "X-RateLimit-Rule", "Retry-After"} <= set(replies[1].headers)
    finally:
        fake.stop()


# --- Microsoft Graph -------------------------------------------------------------------------------------------------

GR = (graph_api, "GraphApi", {"counts": {"users": 230, "directoryAudits": 50}})


def graph_token(world, scope: str = graph_api.SCOPE) -> str:
    _, oauth, _ = world
    graph_api.oauth_client(oauth, "gr-" + CID, SECRET)
    assert post_token(world, "gr-" + CID, basic=True, grant_type="client_credentials",
                      scope=scope).status_code == 401  # the secret in the form body [src]
    reply = post_token(world, "gr-" + CID, basic=False, grant_type="client_credentials", scope=scope)
    assert reply.status_code == 200 and "refresh_token" not in reply.json()  # none for client credentials [src]
    return reply.json()["access_token"]


@pytest.mark.parametrize("fake", [GR], indirect=True)
def test_graph_next_link_filter_and_scope(fake, world):
    token = graph_token(world)
    url, seen = f"{fake.url}/v1.0/users?$top=100", []
    while url:
        body = get(world, url, token).json()
        seen += [r["id"] for r in body["value"]]
        url = body.get("@odata.nextLink")
        if url:
            assert url.startswith("https://graph.microsoft.com/v1.0/users?$top=100&$skiptoken=")
            url = url.replace("https://graph.microsoft.com", fake.url)
    assert sorted(seen) == sorted(fake.ids("users"))
    cutoff = fake.clock.now() - timedelta(seconds=1)
    added = fake.add("directoryAudits", 3)
    body = get(world, f"{fake.url}/v1.0/auditLogs/directoryAudits", token,
               **{"$filter": f"activityDateTime ge {cutoff.strftime('%Y-%m-%dT%H:%M:%SZ')}"}).json()
    assert [r["id"] for r in body["value"]] == added
    assert get(world, f"{fake.url}/v1.0/users", token, **{"$top": 1000}).status_code == 400
    last = get(world, f"{fake.url}/v1.0/users/delta", token, **{"$top": 999}).json()
    assert "@odata.deltaLink" in last and "@odata.nextLink" not in last
    other = graph_token(world, scope="https://vault.azure.net/.default")
    assert get(world, f"{fake.url}/v1.0/users", other).status_code == 401


def test_graph_throttles_with_retry_after(world):
    ca, oauth, _ = world
    fake = graph_api.GraphApi(ca, oauth, Clock(), counts={"users": 1}, calls_per_window=1)
    try:
        token = graph_token(world)
        replies = [get(world, f"{fake.url}/v1.0/users", token) for _ in range(2)]
        assert [r.status_code for r in replies] == [200, 429] and int(replies[1].headers["Retry-After"]) >= 1
    finally:
        fake.stop()
