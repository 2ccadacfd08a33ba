"""A fake Xero Accounting + Projects API over HTTPS, behaving as ../shared/reference/source-apis.md §1 describes.

Bearer access tokens are checked against the OAuth peer's issued tokens (expired ones get 401), the tenant header is
required, list endpoints page by `page`/`pageSize` and answer an empty page past the end, `If-Modified-Since` (and a
small `where=UpdatedDateUTC>=DateTime(...)`) filter Accounting records, Accounts is unpaged, and a per-tenant rate limit
(calls per window and concurrent calls) answers 429 with Retry-After. Time comes from the runtime's Clock, so a
compressed clock ages tokens and rate windows as it ages everything else.
"""

from __future__ import annotations

import json
import math
import re
import ssl
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import trustme

from adfgen.local.clock import Clock

# Accounting collections: the list key in the reply, the id field. source-apis.md §1.3.
ACCOUNTING = {
    "Invoices": "InvoiceID", "Contacts": "ContactID", "Payments": "PaymentID",
    "BankTransactions": "BankTransactionID", "CreditNotes": "CreditNoteID", "ManualJournals": "ManualJournalID",
    "Overpayments": "OverpaymentID", "Prepayments": "PrepaymentID", "PurchaseOrders": "PurchaseOrderID",
    "Accounts": "AccountID",
}
UNPAGED = {"Accounts"}
ACCOUNTING_PAGE_SIZE, ACCOUNTING_MAX_PAGE_SIZE = 100, 1000  # 100 [src]; the maximum 1000 is [unverified]
PROJECTS_PAGE_SIZE, PROJECTS_MAX_PAGE_SIZE = 50, 500        # [src] xero-projects.yaml
DEFAULT_COUNTS = {"Invoices": 250, "Contacts": 120, "Payments": 40, "BankTransactions": 30, "CreditNotes": 12,
                  "ManualJournals": 5, "Overpayments": 3, "Prepayments": 3, "PurchaseOrders": 8, "Accounts": 25,
                  "Projects": 7, "Tasks": 3, "Time": 4}
WHERE = re.compile(r"^\s*UpdatedDateUTC\s*(>=|>)\s*DateTime\((\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})"
                   r"(?:\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2}))?\)\s*$", re.IGNORECASE)


def xero_date(moment: datetime) -> str:
    """Xero Accounting's JSON date: /Date(epoch-millis+0000)/."""
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


@dataclass
class Fault:
    """The next `times` requests whose path contains `match` get `status` (with Retry-After when given)."""

    match: str
    status: int
    times: int = 1
    retry_after: int | None = None
    body: dict[str, Any] | None = None


@dataclass
class Served:
    """Counters of what the fake answered."""

    requests: int = 0
    by_status: Counter = field(default_factory=Counter)
    pages: Counter = field(default_factory=Counter)     # 200 list replies per collection, empty pages included
    records: Counter = field(default_factory=Counter)   # records returned per collection
    throttled: int = 0
    max_in_flight: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)  # method, path, query, status, t (virtual s); no tokens


class XeroApi:
    """The fake API on https://127.0.0.1:<port>: /api.xro/2.0/..., /projects.xro/2.0/..., /connections."""

    def __init__(self, ca: trustme.CA, oauth: Any, clock: Clock | None = None, *, tenant_id: str = "tenant-0001",
                 counts: dict[str, int] | None = None, calls_per_window: int = 60, window_seconds: float = 60.0,
                 concurrent: int = 5, calls_per_day: int = 5000, latency: float = 0.0, seed: str = "xero",
                 not_modified_status: int | None = None):
        self.oauth = oauth
        self.clock = clock or Clock()
        self.tenant_id = tenant_id
        self.other_tenants: list[dict[str, Any]] = []  # more organisations one consent reaches (GET /connections)
        self.calls_per_window, self.window_seconds = calls_per_window, window_seconds
        self.concurrent, self.calls_per_day, self.latency = concurrent, calls_per_day, latency
        self.not_modified_status = not_modified_status  # None: an unchanged collection answers 200 and []
        self.served = Served()
        self.faults: list[Fault] = []
        self.expired_tokens: set[str] = set()
        self._lock = threading.Lock()
        self._window: deque[float] = deque()
        self._day = 0
        self._in_flight = 0
        self._seed = seed
        counts = {**DEFAULT_COUNTS, **(counts or {})}
        # any other name in `counts` is one more paged Accounting-style collection (the benchmark's endpoints)
        self.collections = {**ACCOUNTING, **{n: f"{n}ID" for n in counts if n not in ACCOUNTING
                                             and n not in ("Projects", "Tasks", "Time")}}
        self.data: dict[str, list[dict[str, Any]]] = {}
        self.tasks: dict[str, list[dict[str, Any]]] = {}
        self.time_entries: dict[str, list[dict[str, Any]]] = {}
        self._populate(counts)

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # -- data -----------------------------------------------------------------------------------------------------
    def _id(self, *parts: Any) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([self._seed, *map(str, parts)])))

    def _populate(self, counts: dict[str, int]) -> None:
        base = self.clock.now() - timedelta(days=30)
        for name, key in self.collections.items():
            self.data[name] = [self._accounting_record(name, key, i, base + timedelta(minutes=i))
                               for i in range(counts.get(name, 0))]
        self.data["Projects"] = []
        for i in range(counts.get("Projects", 0)):
            project_id = self._id("project", i)
            self.data["Projects"].append({"projectId": project_id, "contactId": self._id("contact", i),
                                          "name": f"Project {i}", "currencyCode": "NZD", "status": "INPROGRESS",
                                          "minutesLogged": 0, "deadlineUtc": None})
            self.tasks[project_id] = [{"taskId": self._id("task", i, j), "projectId": project_id,
                                       "name": f"Task {i}.{j}", "rate": {"currency": "NZD", "value": 99.5},
                                       "chargeType": "TIME", "status": "ACTIVE"}
                                      for j in range(counts.get("Tasks", 0))]
            self.time_entries[project_id] = [{"timeEntryId": self._id("time", i, j), "projectId": project_id,
                                              "userId": self._id("user", 0), "taskId": self._id("task", i, 0),
                                              "dateUtc": (base + timedelta(days=j)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                              "duration": 30 + j, "description": f"work {j}", "status": "ACTIVE"}
                                             for j in range(counts.get("Time", 0))]

    def _accounting_record(self, name: str, key: str, index: int, updated: datetime) -> dict[str, Any]:
        record: dict[str, Any] = {key: self._id(name, index), "UpdatedDateUTC": xero_date(updated),
                                  "_updated": updated}
        if name == "Invoices":
            record.update(InvoiceNumber=f"INV-{index:05d}", Type="ACCREC", Status="AUTHORISED", Total=100 + index,
                          LineItems=[{"Description": "Work", "Quantity": 1, "UnitAmount": 100 + index}])
        elif name == "Contacts":
            record.update(Name=f"Contact {index}", ContactStatus="ACTIVE", EmailAddress=f"c{index}@example.com")
        elif name == "Accounts":
            record.update(Code=str(200 + index), Name=f"Account {index}", Type="REVENUE", Status="ACTIVE")
        else:
            record.update(Status="AUTHORISED", Total=10 + index)
        return record

    def records(self, collection: str) -> list[dict[str, Any]]:
        """Every record of an Accounting collection or Projects, as the API would return it."""
        return [_public(r) for r in self.data[collection]]

    def children(self, kind: str) -> list[dict[str, Any]]:
        """Every task ('Tasks') or time entry ('Time') across projects."""
        source = self.tasks if kind == "Tasks" else self.time_entries
        return [dict(r) for items in source.values() for r in items]

    def touch(self, collection: str, count: int) -> list[str]:
        """Mark the first `count` records of a collection modified now; returns their ids."""
        key = self.collections[collection]
        now = self.clock.now()
        with self._lock:
            touched = self.data[collection][:count]
            for record in touched:
                record["_updated"], record["UpdatedDateUTC"] = now, xero_date(now)
        return [r[key] for r in touched]

    def add(self, collection: str, count: int) -> list[str]:
        """Create `count` new records now; returns their ids."""
        key = self.collections[collection]
        now = self.clock.now()
        with self._lock:
            start = len(self.data[collection])
            new = [self._accounting_record(collection, key, start + i, now) for i in range(count)]
            self.data[collection].extend(new)
        return [r[key] for r in new]

    # -- faults and tokens ----------------------------------------------------------------------------------------
    def fail_next(self, match: str, status: int = 500, times: int = 1, retry_after: int | None = None) -> None:
        """Make the next `times` requests whose path contains `match` answer `status`."""
        with self._lock:
            self.faults.append(Fault(match, status, times, retry_after))

    def expire(self, access_token: str) -> None:
        """Treat one access token as expired from now on."""
        self.expired_tokens.add(access_token)

    def _token_problem(self, authorization: str | None) -> str | None:
        if not authorization or not authorization.startswith("Bearer "):
            return "AuthenticationUnsuccessful"
        value = authorization[len("Bearer "):].strip()
        token = next((t for t in reversed(self.oauth.tokens) if t.access_token == value), None)
        if token is None:
            return "AuthenticationUnsuccessful"
        # the OAuth peer stamps issue times in real seconds; age them on the shared (possibly compressed) clock
        age = (time.time() - token.issued_at) * getattr(self.clock, "time_scale", 1.0)
        if value in self.expired_tokens or age >= token.expires_in:
            return "TokenExpired: token expired"
        return None

    # -- limits ---------------------------------------------------------------------------------------------------
    def _admit(self) -> tuple[int, str] | None:
        """Count one call against the tenant's limits, or say which limit refuses it and for how long.

        A sliding-window log, as Xero's rolling minute (X-MinLimit-Remaining counts down per call): a call is admitted
        while fewer than `calls_per_window` were admitted in the last `window_seconds` (refused calls do not count,
        assumed) and fewer than `concurrent` are in flight. Any schedule it admits also passes fixed windows."""
        now = self.clock.monotonic()
        with self._lock:
            while self._window and now - self._window[0] >= self.window_seconds:
                self._window.popleft()
            if self._in_flight >= self.concurrent:
                return 1, "concurrent"  # the header's value for this limit is [unverified]; minute and day are seen
            if len(self._window) >= self.calls_per_window:
                wait = self.window_seconds - (now - self._window[0])
                return max(1, math.ceil(wait)), "minute"
            if self._day >= self.calls_per_day:
                return 86400, "day"
            self._window.append(now)
            self._day += 1
            self._in_flight += 1
            self.served.max_in_flight = max(self.served.max_in_flight, self._in_flight)
        return None

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.match in path and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def limit_headers(self) -> dict[str, str]:
        """The remaining-calls headers every Xero reply carries [src]; one tenant, so the app minute counts the same
        calls against the app's 10,000/minute."""
        with self._lock:
            now = self.clock.monotonic()
            app_minute = sum(1 for t in self._window if now - t < 60)
            return {"X-MinLimit-Remaining": str(max(0, self.calls_per_window - len(self._window))),
                    "X-DayLimit-Remaining": str(max(0, self.calls_per_day - self._day)),
                    "X-AppMinLimit-Remaining": str(max(0, 10000 - app_minute))}

    # -- serving --------------------------------------------------------------------------------------------------
    def serve(self, method: str, target: str, headers: Any) -> tuple[int, dict[str, str], Any]:
        """Answer one request: (status, headers, JSON document or None)."""
        parts = urlsplit(target)
        path = unquote(parts.path).rstrip("/")
        query = {k.lower(): v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        problem = self._token_problem(headers.get("Authorization"))
        if problem:
            return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, _problem(401, "Unauthorized", problem)
        if path == "/connections":
            return 200, {}, [{"id": self._id("connection"), "tenantId": self.tenant_id, "tenantType": "ORGANISATION",
                              "tenantName": "Demo Company", "authEventId": self._id("auth"),
                              "createdDateUtc": "2024-01-01T00:00:00.0000000", "updatedDateUtc": None},
                             *self.other_tenants]
        # Accounting spells the header xero-tenant-id, Projects Xero-Tenant-Id; HTTP header names ignore case.
        # A missing or unknown tenant answering 403 AuthorizationUnsuccessful is assumed.
        if headers.get("xero-tenant-id") != self.tenant_id:
            return 403, {}, _problem(403, "Forbidden", "AuthorizationUnsuccessful")
        refused = self._admit()
        if refused:
            retry_after, which = refused
            with self._lock:
                self.served.throttled += 1
            return 429, {"Retry-After": str(retry_after), "X-Rate-Limit-Problem": which}, \
                _problem(429, "Too Many Requests", f"Rate limit exceeded ({which})")
        try:
            if self.latency:
                self.clock.sleep(self.latency)
            fault = self._take_fault(path)
            if fault:
                extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                return fault.status, extra, fault.body or _problem(fault.status, "Injected fault", "fault")
            if method != "GET":
                return 405, {}, _problem(405, "Method Not Allowed", method)
            if path.startswith("/api.xro/2.0/"):
                return self._accounting(path[len("/api.xro/2.0/"):], query, headers)
            if path.startswith("/projects.xro/2.0/"):
                return self._projects(path[len("/projects.xro/2.0/"):], query)
            return 404, {}, _problem(404, "Not Found", f"no resource at {path}")
        finally:
            self._release()

    def _accounting(self, name: str, query: dict[str, str], headers: Any) -> tuple[int, dict[str, str], Any]:
        collection = next((c for c in self.collections if c.lower() == name.lower()), None)
        if collection is None:
            return 404, {}, _problem(404, "Not Found", f"no collection {name}")
        try:
            since = _since(headers.get("If-Modified-Since"))
            where = _where(query.get("where"))
        except ValueError as exc:
            return 400, {}, {"ErrorNumber": 10, "Type": "ValidationException", "Message": str(exc)}
        with self._lock:
            rows = list(self.data[collection])
        # "Only records created or modified since this timestamp will be returned" [src]; since = at or after (assumed)
        if since is not None:
            rows = [r for r in rows if r["_updated"] >= since]
        if where is not None:
            op, moment = where
            rows = [r for r in rows if (r["_updated"] >= moment if op == ">=" else r["_updated"] > moment)]
        if since is not None and not rows and self.not_modified_status:
            return self.not_modified_status, {}, None
        envelope = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": "adfgen fake",
                    "DateTimeUTC": xero_date(self.clock.now())}
        if collection in UNPAGED:
            return self._page_reply(collection, envelope, rows, None)
        page, size = _paging(query, ACCOUNTING_PAGE_SIZE, ACCOUNTING_MAX_PAGE_SIZE, clamp=True)
        return self._page_reply(collection, envelope, rows, (page, size))

    def _projects(self, rest: str, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        parts = rest.split("/")
        if parts[0].lower() != "projects":
            return 404, {}, _problem(404, "Not Found", rest)
        with self._lock:
            projects = list(self.data["Projects"])
        if len(parts) == 1:
            states = {s.strip().upper() for s in query.get("states", "").split(",") if s.strip()}
            rows = [p for p in projects if not states or p["status"] in states]
            kind = "Projects"
        elif len(parts) == 3 and parts[2].lower() in ("tasks", "time"):
            if parts[1] not in self.tasks:
                return 404, {}, _problem(404, "Not Found", f"project {parts[1]} not found")
            kind = "Tasks" if parts[2].lower() == "tasks" else "Time"
            rows = list((self.tasks if kind == "Tasks" else self.time_entries)[parts[1]])
        else:
            return 404, {}, _problem(404, "Not Found", rest)
        try:
            page, size = _paging(query, PROJECTS_PAGE_SIZE, PROJECTS_MAX_PAGE_SIZE, clamp=False)
        except ValueError as exc:
            return 400, {}, _problem(400, "Bad Request", str(exc))
        return self._page_reply(kind, {}, rows, (page, size), key="items")

    def _page_reply(self, collection: str, envelope: dict[str, Any], rows: list[dict[str, Any]],
                    paging: tuple[int, int] | None, key: str | None = None) -> tuple[int, dict[str, str], Any]:
        if paging is not None:
            page, size = paging
            chunk = rows[(page - 1) * size: page * size]  # past the end: an empty page
            envelope["pagination"] = {"page": page, "pageSize": size, "pageCount": math.ceil(len(rows) / size),
                                      "itemCount": len(rows)}
        else:
            chunk = rows
        envelope[key or collection] = [_public(r) for r in chunk]
        with self._lock:
            self.served.pages[collection] += 1
            self.served.records[collection] += len(chunk)
        return 200, {}, envelope

    def stop(self) -> None:
        """Shut the server down."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _problem(status: int, title: str, detail: str) -> dict[str, Any]:
    return {"Type": None, "Title": title, "Status": status, "Detail": detail, "Instance": str(uuid.uuid4()),
            "Extensions": {}}


def _since(value: str | None) -> datetime | None:
    """If-Modified-Since as ISO 8601 (Xero's documented form; no offset means UTC, assumed) or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            raise ValueError(f"If-Modified-Since is not a date: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _where(value: str | None) -> tuple[str, datetime] | None:
    if value is None or not value.strip():
        return None
    match = WHERE.match(value)
    if not match:
        raise ValueError(f"unsupported where filter {value!r} (only UpdatedDateUTC>=DateTime(y,m,d[,h,m,s]))")
    op, *numbers = match.groups()
    parts = [int(n) for n in numbers if n is not None]
    return op, datetime(*parts, tzinfo=timezone.utc)


def _paging(query: dict[str, str], default: int, maximum: int, clamp: bool) -> tuple[int, int]:
    try:
        page = int(query.get("page") or 1)
        size = int(query.get("pagesize") or default)
    except ValueError:
        raise ValueError("page and pageSize must be integers") from None
    if page < 1 or size < 1:
        raise ValueError("page and pageSize must be at least 1")
    if size > maximum:
        if not clamp:
            raise ValueError(f"pageSize must be between 1 and {maximum}")
        size = maximum
    return page, size


def _handler(api: XeroApi) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in two writes on a kept-alive connection: without this, Nagle's algorithm holds the
        # body until the client's delayed ACK, 40 ms a request that a compressed clock multiplies (1 s a page at 25x)
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet; never echo headers
            pass

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            try:
                status, headers, document = api.serve(method, self.path, self.headers)
            except Exception as exc:  # a bug in the fake must show up as a 500, not a hung client
                status, headers, document = 500, {}, _problem(500, "Internal Server Error", type(exc).__name__)
            data = b"" if document is None else json.dumps(document).encode()
            with api._lock:
                api.served.requests += 1
                api.served.by_status[status] += 1
                api.served.log.append({"method": method, "path": urlsplit(self.path).path,
                                       "query": urlsplit(self.path).query, "status": status,
                                       "t": api.clock.monotonic(),
                                       "if_modified_since": self.headers.get("If-Modified-Since")})
            self.send_response(status)
            for key, value in {**api.limit_headers(), **headers}.items():
                self.send_header(key, value)
            if document is not None:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

    return Handler
