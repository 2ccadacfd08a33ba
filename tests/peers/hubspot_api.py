"""A fake HubSpot CRM v3 API, behaving as ../shared/reference/source-apis.md §3 describes.

`GET /crm/v3/objects/{object}?limit=N&after=<cursor>` answers `{"results": [...], "paging": {"next": {"after",
"link"}}}`, with `paging` absent on the last page; `limit` above 100 is refused (the maximum is [unverified]).
The search endpoint (`POST .../search`, its cursor in the body) is not served: ADF's Copy cannot page it, and the
catalog spec does not use it. Rate limit: 100 requests per 10 s per app and account [src],
every reply carries X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds, and over it 429 with no
Retry-After ([unverified]: none is sent) and the body's policyName. Token endpoint: client id and secret in the form
body only; refresh tokens not rotated [unverified] (the OAuth peer rotates; tests can run either way).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from tests.peers.catalog_fake import CatalogApi, Reply, public

OBJECTS = {"contacts": "id", "companies": "id", "deals": "id", "tickets": "id"}
LIST_MAX = 100


def hs_time(moment: datetime) -> str:
    """HubSpot's ISO timestamp with milliseconds and Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def oauth_client(oauth: Any, client_id: str, client_secret: str) -> None:
    """Register the app as HubSpot does: client credentials in the form body only."""
    oauth.add_client(client_id, client_secret, auth_methods=("client_secret_post",),
                     grant_types=("authorization_code", "refresh_token"),
                     scope="crm.objects.contacts.read crm.objects.companies.read crm.objects.deals.read")


class HubSpotApi(CatalogApi):
    """The fake CRM objects API under /crm/v3/objects/."""

    COLLECTIONS = OBJECTS
    DEFAULT_COUNTS = {"contacts": 250, "companies": 60, "deals": 45, "tickets": 12}

    def __init__(self, *args: Any, public_url: str = "https://api.hubapi.com", **kwargs: Any):
        self.public_url = public_url  # paging.next.link names the real host, as HubSpot's does
        kwargs.setdefault("calls_per_window", 100)
        kwargs.setdefault("window_seconds", 10.0)
        kwargs.setdefault("concurrent", 100)
        super().__init__(*args, **kwargs)

    def record(self, collection: str, index: int, updated: datetime) -> dict[str, Any]:
        modified = "lastmodifieddate" if collection == "contacts" else "hs_lastmodifieddate"
        return {"id": str(1000 + index), "createdAt": hs_time(updated), "updatedAt": hs_time(updated),
                "archived": False, "properties": {"hs_object_id": str(1000 + index), modified: hs_time(updated),
                                                  "createdate": hs_time(updated), "name": f"{collection} {index}"},
                "_updated": updated}

    def stamp(self, record: dict[str, Any], moment: datetime) -> None:
        record["_updated"], record["updatedAt"] = moment, hs_time(moment)
        key = "lastmodifieddate" if "lastmodifieddate" in record["properties"] else "hs_lastmodifieddate"
        record["properties"] = {**record["properties"], key: hs_time(moment)}

    def limit_headers(self) -> dict[str, str]:
        with self._lock:
            now = self.clock.monotonic()
            used = sum(1 for t in self._window if now - t < self.window_seconds)
        return {"X-HubSpot-RateLimit-Max": str(self.calls_per_window),
                "X-HubSpot-RateLimit-Remaining": str(max(0, self.calls_per_window - used)),
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self.window_seconds * 1000))}

    def unauthorized(self, problem: str) -> Reply:
        return 401, {}, {"status": "error", "category": "EXPIRED_AUTHENTICATION" if "expired" in problem
                         else "INVALID_AUTHENTICATION", "message": "Authentication credentials not found or expired"}

    def throttled(self, retry_after: int, which: str) -> Reply:
        return 429, {}, {"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                         "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"}

    def route(self, method: str, path: str, query: dict[str, str], headers: Any) -> Reply:
        parts = path.split("/")
        if len(parts) < 5 or parts[1:4] != ["crm", "v3", "objects"] or parts[4] not in self.collections:
            return 404, {}, _error(f"no resource at {path}", "OBJECT_NOT_FOUND")
        collection = parts[4]
        if method == "GET" and len(parts) == 5:
            return self._list(collection, query)
        return 405, {}, _error(f"{method} {path}", "METHOD_NOT_ALLOWED")

    def _list(self, collection: str, query: dict[str, str]) -> Reply:
        try:
            limit = int(query.get("limit") or 10)
            start = int(query.get("after") or 0)
        except ValueError:
            return 400, {}, _error("limit and after must be integers", "VALIDATION_ERROR")
        if not 1 <= limit <= LIST_MAX:
            return 400, {}, _error(f"limit must be between 1 and {LIST_MAX}", "VALIDATION_ERROR")
        rows = self.rows(collection)
        return self._page(collection, rows, start, limit, f"/crm/v3/objects/{collection}?limit={limit}&after=")

    def _page(self, collection: str, rows: list[dict[str, Any]], start: int, limit: int,
              link: str | None) -> Reply:
        chunk = rows[start: start + limit]
        document: dict[str, Any] = {"results": [public(r) for r in chunk]}
        if start + limit < len(rows):  # paging is absent on the last page [src]
            document["paging"] = {"next": {"after": str(start + limit)}}
            if link:
                document["paging"]["next"]["link"] = f"{self.public_url}{link}{start + limit}"
        self.count_page(collection, len(chunk))
        return 200, {}, document


def _error(message: str, category: str) -> dict[str, Any]:
    return {"status": "error", "message": message, "category": category, "correlationId": "00000000-fake"}

