"""A fake ServiceNow Table API, behaving as ../shared/reference/source-apis.md §4 describes.

`GET /api/now/table/{table}?sysparm_limit=N&sysparm_offset=M&sysparm_query=sys_updated_on>=<time>^ORDERBYsys_updated_on`
answers `{"result": [...]}` with `X-Total-Count` and a `Link` header (rel first/prev/next/last); past the end an
empty `result`. The default `sysparm_limit` is 10,000. Records carry `sys_id` and `sys_updated_on` ("yyyy-MM-dd
HH:mm:ss", the instance's time zone: UTC here). A rate-limit rule (calls per hour for the integration user) answers 429
with X-RateLimit-Limit, X-RateLimit-Reset (epoch seconds), X-RateLimit-Rule [src] and Retry-After [3p]. Token
endpoint: the password grant with client id and secret in the form body [3p]; rotation is [unverified], so the
OAuth peer's rotating refresh grant is one case.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from tests.peers.catalog_fake import CatalogApi, Reply, public

TABLES = {"incident": "sys_id", "change_request": "sys_id", "sys_user": "sys_id"}
DEFAULT_LIMIT = 10_000
CONDITION = re.compile(r"^sys_updated_on(>=|>)(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)$")


def sn_time(moment: datetime) -> str:
    """ServiceNow's display form of a date-time (UTC here)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def oauth_client(oauth: Any, client_id: str, client_secret: str) -> None:
    """Register the Application Registry entry: client credentials in the form body; password and refresh grants."""
    oauth.add_client(client_id, client_secret, auth_methods=("client_secret_post",),
                     grant_types=("password", "refresh_token"), scope="useraccount")


class ServiceNowApi(CatalogApi):
    """The fake Table API under /api/now/table/ of one instance."""

    COLLECTIONS = TABLES
    DEFAULT_COUNTS = {"incident": 260, "change_request": 40, "sys_user": 35}

    def __init__(self, *args: Any, public_url: str = "https://dev00000.service-now.com", **kwargs: Any):
        self.public_url = public_url  # Link headers name the instance, as ServiceNow's do
        kwargs.setdefault("calls_per_window", 3600)  # an admin's rule: 3,600 calls an hour for this user (example)
        kwargs.setdefault("window_seconds", 3600.0)
        super().__init__(*args, **kwargs)

    def record(self, collection: str, index: int, updated: datetime) -> dict[str, Any]:
        record = {"sys_id": self.new_id(collection, index).replace("-", ""), "sys_updated_on": sn_time(updated),
                  "sys_created_on": sn_time(updated), "sys_mod_count": "0", "_updated": updated}
        if collection == "incident":
            record.update(number=f"INC{index:07d}", short_description=f"Incident {index}", state="1")
        elif collection == "change_request":
            record.update(number=f"CHG{index:07d}", short_description=f"Change {index}")
        else:
            record.update(user_name=f"user{index}", name=f"User {index}", active="true")
        return record

    def stamp(self, record: dict[str, Any], moment: datetime) -> None:
        record["_updated"], record["sys_updated_on"] = moment, sn_time(moment)
        record["sys_mod_count"] = str(int(record["sys_mod_count"]) + 1)

    def unauthorized(self, problem: str) -> Reply:
        return 401, {"WWW-Authenticate": 'Bearer realm="ServiceNow"'}, {
            "error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
            "status": "failure"}

    def throttled(self, retry_after: int, which: str) -> Reply:
        reset = int(self.clock.now().timestamp()) + retry_after
        return 429, {"X-RateLimit-Limit": str(self.calls_per_window), "X-RateLimit-Reset": str(reset),
                     "X-RateLimit-Rule": "adfgen integration user", "Retry-After": str(retry_after)}, {
            "error": {"message": "Rate limit exceeded", "detail": f"Rate limit rule exceeded ({which})"},
            "status": "failure"}

    def route(self, method: str, path: str, query: dict[str, str], headers: Any) -> Reply:
        match = re.fullmatch(r"/api/now/table/(\w+)", path)
        if method != "GET" or not match or match.group(1) not in self.collections:
            return 400, {}, {"error": {"message": "Invalid table", "detail": path}, "status": "failure"}
        table = match.group(1)
        try:
            limit = int(query.get("sysparm_limit") or DEFAULT_LIMIT)
            offset = int(query.get("sysparm_offset") or 0)
        except ValueError:
            return 400, {}, {"error": {"message": "sysparm_limit and sysparm_offset must be integers"},
                             "status": "failure"}
        rows = self.rows(table)
        for term in filter(None, (query.get("sysparm_query") or "").split("^")):
            if term.upper().startswith("ORDERBY"):
                field = term[len("ORDERBY"):]
                rows.sort(key=lambda r: (r["_updated"] if field == "sys_updated_on" else r.get(field, "")))
                continue
            condition = CONDITION.match(term)
            if not condition:  # ServiceNow ignores conditions it cannot parse and returns every row (assumed: refused)
                return 400, {}, {"error": {"message": f"unsupported sysparm_query term {term!r}"}, "status": "failure"}
            since = datetime.fromisoformat(condition.group(2)).replace(tzinfo=timezone.utc)
            rows = [r for r in rows if (r["_updated"] >= since if condition.group(1) == ">=" else r["_updated"] > since)]
        chunk = rows[offset: offset + limit]
        self.count_page(table, len(chunk))
        return 200, {"X-Total-Count": str(len(rows)), "Link": self._links(table, query, offset, limit, len(rows))}, \
            {"result": [public(r) for r in chunk]}

    def _links(self, table: str, query: dict[str, str], offset: int, limit: int, total: int) -> str:
        def link(at: int, rel: str) -> str:
            return f'<{self.public_url}/api/now/table/{table}?{urlencode({**query, "sysparm_offset": at})}>;rel="{rel}"'
        last = max(0, (total - 1) // limit * limit)
        links = [link(0, "first")]
        if offset > 0:
            links.append(link(max(0, offset - limit), "prev"))
        if offset + limit < total:
            links.append(link(offset + limit, "next"))
        links.append(link(last, "last"))
        return ",".join(links)
