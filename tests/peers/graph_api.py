"""A fake Microsoft Graph v1.0, behaving as ../shared/reference/source-apis.md §5 describes.

`GET /v1.0/users` and `/v1.0/groups` page by `@odata.nextLink`, an absolute URL on graph.microsoft.com carrying a
`$skiptoken` (absent on the last page), 100 a page by default, `$top` up to 999. `/v1.0/auditLogs/directoryAudits`
and `/v1.0/auditLogs/signIns` take `$filter=activityDateTime ge <time>` / `createdDateTime ge <time>` (append-only
logs: a second run sees the new entries). `/v1.0/users/delta` ends with `@odata.deltaLink`. Only tokens issued for
the scope `https://graph.microsoft.com/.default` are accepted. Throttling: 429 with Retry-After (seconds) [src].
Token endpoint: client credentials with the secret in the form body; no refresh token [src].
"""

from __future__ import annotations

import base64
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from tests.peers.catalog_fake import CatalogApi, Reply, public

RESOURCES = {"users": "id", "groups": "id", "directoryAudits": "id", "signIns": "id"}
PATHS = {"/v1.0/users": "users", "/v1.0/groups": "groups", "/v1.0/auditLogs/directoryAudits": "directoryAudits",
         "/v1.0/auditLogs/signIns": "signIns"}
TIME_FIELD = {"users": None, "groups": None, "directoryAudits": "activityDateTime", "signIns": "createdDateTime"}
SCOPE = "https://graph.microsoft.com/.default"
DEFAULT_TOP, MAX_TOP = 100, 999  # [src] graph/paging; 999 for users [3p]
FILTER = re.compile(r"^\s*(\w+)\s+(ge|gt)\s+(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?)\s*$")


def graph_time(moment: datetime) -> str:
    """Graph's ISO 8601 UTC form."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def oauth_client(oauth: Any, client_id: str, client_secret: str) -> None:
    """Register the app registration: client credentials only, the secret in the form body."""
    oauth.add_client(client_id, client_secret, auth_methods=("client_secret_post",),
                     grant_types=("client_credentials",), scope=SCOPE)


class GraphApi(CatalogApi):
    """The fake Graph under /v1.0/."""

    COLLECTIONS = RESOURCES
    DEFAULT_COUNTS = {"users": 230, "groups": 40, "directoryAudits": 150, "signIns": 120}

    def __init__(self, *args: Any, public_url: str = "https://graph.microsoft.com", **kwargs: Any):
        self.public_url = public_url  # @odata.nextLink is absolute on Graph's host
        kwargs.setdefault("calls_per_window", 1000)
        kwargs.setdefault("window_seconds", 10.0)
        kwargs.setdefault("concurrent", 50)
        super().__init__(*args, **kwargs)

    def record(self, collection: str, index: int, updated: datetime) -> dict[str, Any]:
        record: dict[str, Any] = {"id": self.new_id(collection, index), "_updated": updated}
        if collection == "users":
            record.update(displayName=f"User {index}", userPrincipalName=f"user{index}@contoso.example",
                          mail=f"user{index}@contoso.example")
        elif collection == "groups":
            record.update(displayName=f"Group {index}", mailEnabled=False, securityEnabled=True)
        elif collection == "directoryAudits":
            record.update(activityDateTime=graph_time(updated), activityDisplayName="Update user",
                          category="UserManagement", result="success")
        else:
            record.update(createdDateTime=graph_time(updated), userPrincipalName=f"user{index % 9}@contoso.example",
                          appDisplayName="adfgen", status={"errorCode": 0})
        return record

    def stamp(self, record: dict[str, Any], moment: datetime) -> None:
        record["_updated"] = moment  # audit entries never change; users and groups have no visible modified time

    def _token_problem(self, authorization: str | None) -> str | None:
        problem = super()._token_problem(authorization)
        if problem:
            return problem
        value = authorization[len("Bearer "):].strip()
        token = next(t for t in reversed(self.oauth.tokens) if t.access_token == value)
        return None if SCOPE in token.scope.split() else "InvalidAuthenticationToken: wrong audience"

    def unauthorized(self, problem: str) -> Reply:
        return 401, {"WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/'
                     'common/oauth2/authorize"'}, _error("InvalidAuthenticationToken", problem)

    def throttled(self, retry_after: int, which: str) -> Reply:
        return 429, {"Retry-After": str(retry_after)}, _error("TooManyRequests", "Too many requests")

    def route(self, method: str, path: str, query: dict[str, str], headers: Any) -> Reply:
        delta = path == "/v1.0/users/delta"
        collection = "users" if delta else PATHS.get(path)
        if method != "GET" or collection is None:
            return 404, {}, _error("Request_ResourceNotFound", f"Resource not found for the segment in {path}")
        try:
            top = int(query.get("$top") or DEFAULT_TOP)
            skip = int(base64.urlsafe_b64decode(query["$skiptoken"]).decode()) if "$skiptoken" in query else 0
        except (ValueError, KeyError):
            return 400, {}, _error("BadRequest", "Invalid $top or $skiptoken")
        if not 1 <= top <= MAX_TOP:
            return 400, {}, _error("BadRequest", f"Invalid page size specified: '{top}'. Must be between 1 and {MAX_TOP}.")
        rows = self.rows(collection)
        if "$filter" in query:
            match = FILTER.match(query["$filter"])
            if not match or match.group(1) != TIME_FIELD[collection]:
                return 400, {}, _error("BadRequest", f"Invalid filter clause: {query['$filter']}")
            since = datetime.fromisoformat(match.group(3).replace("Z", "+00:00"))
            since = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
            rows = [r for r in rows if (r["_updated"] >= since if match.group(2) == "ge" else r["_updated"] > since)]
        chunk = rows[skip: skip + top]
        document: dict[str, Any] = {"@odata.context": f"{self.public_url}/v1.0/$metadata#{collection}",
                                    "value": [public(r) for r in chunk]}
        if skip + top < len(rows):
            token = base64.urlsafe_b64encode(str(skip + top).encode()).decode()
            kept = "".join(f"{quote(k, safe='$')}={quote(v, safe='')}&" for k, v in query.items()
                           if k not in ("$skiptoken",))
            document["@odata.nextLink"] = f"{self.public_url}{path}?{kept}$skiptoken={token}"
        elif delta:
            document["@odata.deltaLink"] = f"{self.public_url}/v1.0/users/delta?$deltatoken=fake-{len(rows)}"
        self.count_page(collection, len(chunk))
        return 200, {}, document


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message,
                      "innerError": {"date": "2026-01-01T00:00:00", "request-id": "00000000-fake"}}}
