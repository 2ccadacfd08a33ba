"""A fake QuickBooks Online Accounting API, behaving as ../shared/reference/source-apis.md §2 describes.

`GET /v3/company/{realmId}/query?query=SELECT * FROM <Entity> [WHERE MetaData.LastUpdatedTime > '<time>']
STARTPOSITION n MAXRESULTS m&minorversion=75` answers `{"QueryResponse": {"<Entity>": [...], "startPosition",
"maxResults"}, "time"}`; past the end the entity key is missing. The realm in the path must be the consenting
company's (the identity value from the consent redirect). MAXRESULTS above 1000 is refused. 500 requests a minute
and 10 concurrent per realm; over either, 429 with no Retry-After ("wait 60 seconds" [src]; whether Retry-After is
sent is [unverified], so none is sent). Token endpoint rules (Basic client authentication only, rotating refresh
tokens) are the OAuth peer's client settings: see `oauth_client`.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from tests.peers.catalog_fake import CatalogApi, Reply, public

ENTITIES = {"Invoice": "Id", "Customer": "Id", "Payment": "Id", "Item": "Id", "Account": "Id"}
MAX_RESULTS, DEFAULT_RESULTS = 1000, 100  # [src] python-quickbooks README ("at most 1000", default 100)
QUERY = re.compile(
    r"^\s*select\s+\*\s+from\s+(?P<entity>\w+)"
    r"(?:\s+where\s+metadata\.lastupdatedtime\s*(?P<op>>=|>)\s*'(?P<since>[^']+)')?"
    r"(?:\s+orderby\s+[\w.]+(?:\s+(?:asc|desc))?)?"
    r"(?:\s+startposition\s+(?P<start>\d+))?(?:\s+maxresults\s+(?P<max>\d+))?\s*$", re.IGNORECASE)


def qbo_time(moment: datetime) -> str:
    """QuickBooks' timestamp form, e.g. 2024-01-01T10:00:00-08:00 (here always UTC)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def oauth_client(oauth: Any, client_id: str, client_secret: str) -> None:
    """Register the app as Intuit does: Basic client authentication only; auth code and refresh grants only."""
    oauth.add_client(client_id, client_secret, auth_methods=("client_secret_basic",),
                     grant_types=("authorization_code", "refresh_token"), scope="com.intuit.quickbooks.accounting")


class QuickBooksApi(CatalogApi):
    """The fake API under /v3/company/{realmId}/ (one realm: the company the consent chose)."""

    COLLECTIONS = ENTITIES
    DEFAULT_COUNTS = {"Invoice": 230, "Customer": 120, "Payment": 40, "Item": 15, "Account": 25}

    def __init__(self, *args: Any, realm_id: str = "9130350000000001", **kwargs: Any):
        self.realm_id = realm_id
        kwargs.setdefault("calls_per_window", 500)  # per realm per minute [src]
        kwargs.setdefault("concurrent", 10)         # the figure; the docs say 10 per second [src]
        super().__init__(*args, **kwargs)

    def record(self, collection: str, index: int, updated: datetime) -> dict[str, Any]:
        record: dict[str, Any] = {"Id": str(index + 1), "SyncToken": "0", "domain": "QBO", "sparse": False,
                                  "MetaData": {"CreateTime": qbo_time(updated), "LastUpdatedTime": qbo_time(updated)},
                                  "_updated": updated}
        if collection == "Invoice":
            record.update(DocNumber=f"{1000 + index}", TotalAmt=100 + index, CustomerRef={"value": str(index % 7 + 1)})
        elif collection == "Customer":
            record.update(DisplayName=f"Customer {index}", Active=True)
        else:
            record.update(Name=f"{collection} {index}", Active=True)
        return record

    def stamp(self, record: dict[str, Any], moment: datetime) -> None:
        record["_updated"] = moment
        record["MetaData"] = {**record["MetaData"], "LastUpdatedTime": qbo_time(moment)}
        record["SyncToken"] = str(int(record["SyncToken"]) + 1)

    def unauthorized(self, problem: str) -> Reply:
        # the fault shape Intuit documents for 401s; the exact text is [unverified]
        return 401, {"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'}, {"fault": {"error": [
            {"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401", "detail": problem,
             "code": "3200"}], "type": "AUTHENTICATION"}}

    def throttled(self, retry_after: int, which: str) -> Reply:
        return 429, {}, {"Fault": {"Error": [{"Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                                             "Detail": f"Throttle exceeded ({which})", "code": "3001"}],
                                  "type": "SERVICE"}}

    def route(self, method: str, path: str, query: dict[str, str], headers: Any) -> Reply:
        match = re.fullmatch(r"/v3/company/([^/]+)/query", path)
        if method != "GET" or not match:
            return 404, {}, _fault("ValidationFault", f"no resource at {method} {path}", "2030")
        if match.group(1) != self.realm_id:
            # a realm the token was not granted for; the 403 shape is [unverified]
            return 403, {}, _fault("AuthorizationFault", "ApplicationAuthorizationFailed", "003100")
        parsed = QUERY.match(query.get("query", ""))
        if not parsed or parsed.group("entity") not in self.collections:
            return 400, {}, _fault("ValidationFault", f"QueryParserError: {query.get('query', '')!r}", "4000")
        entity = parsed.group("entity")
        start = int(parsed.group("start") or 1)
        size = int(parsed.group("max") or DEFAULT_RESULTS)
        if start < 1 or size > MAX_RESULTS:
            return 400, {}, _fault("ValidationFault", f"MAXRESULTS must be at most {MAX_RESULTS}", "4001")
        rows = self.rows(entity)
        if parsed.group("since"):
            try:
                since = datetime.fromisoformat(parsed.group("since").replace("Z", "+00:00"))
            except ValueError:
                return 400, {}, _fault("ValidationFault", "invalid LastUpdatedTime", "4000")
            since = since if since.tzinfo else since.replace(tzinfo=timezone.utc)  # no offset: UTC (assumed)
            rows = [r for r in rows if (r["_updated"] > since if parsed.group("op") == ">" else r["_updated"] >= since)]
        rows.sort(key=lambda r: r["_updated"])  # a WHERE on LastUpdatedTime reads oldest first (assumed)
        chunk = rows[start - 1: start - 1 + size]
        response: dict[str, Any] = {}
        if chunk:  # past the end the entity key is missing [src client.py]
            response = {entity: [public(r) for r in chunk], "startPosition": start, "maxResults": len(chunk)}
        self.count_page(entity, len(chunk))
        return 200, {}, {"QueryResponse": response, "time": qbo_time(self.clock.now())}


def _fault(kind: str, message: str, code: str) -> dict[str, Any]:
    return {"Fault": {"Error": [{"Message": message, "Detail": message, "code": code}], "type": kind}}
