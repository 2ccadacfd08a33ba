"""What the catalog's fake APIs share, built on the fake Xero API's machinery (HTTPS server, token check, limits).

Each catalog fake (QuickBooks, HubSpot, ServiceNow, Microsoft Graph) subclasses `CatalogApi`: it names its collections,
shapes its records, answers its routes and formats its own 429. The base keeps records with a hidden `_updated`
time so `touch`/`add` change data between runs and a test can prove that a second run loads only the changes.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import trustme

from adfgen.local.clock import Clock
from tests.peers.xero_api import XeroApi

Reply = tuple[int, dict[str, str], Any]


class CatalogApi(XeroApi):
    """A fake API on https://127.0.0.1:<port>; subclasses set COLLECTIONS and implement `route` and `record`."""

    COLLECTIONS: dict[str, str] = {}      # collection -> id field
    DEFAULT_COUNTS: dict[str, int] = {}

    def __init__(self, ca: trustme.CA, oauth: Any, clock: Clock | None = None, *, counts: dict[str, int] | None = None,
                 calls_per_window: int = 1000, window_seconds: float = 60.0, concurrent: int = 10,
                 latency: float = 0.0, seed: str = "catalog"):
        self._counts = {**self.DEFAULT_COUNTS, **(counts or {})}
        super().__init__(ca, oauth, clock, counts={}, calls_per_window=calls_per_window,
                         window_seconds=window_seconds, concurrent=concurrent, calls_per_day=10**9,
                         latency=latency, seed=seed)

    # -- data -----------------------------------------------------------------------------------------------------
    def _populate(self, counts: dict[str, int]) -> None:
        self.collections = dict(self.COLLECTIONS)
        base = self.clock.now() - timedelta(days=30)
        self.data = {name: [self.record(name, i, base + timedelta(minutes=i)) for i in range(self._counts.get(name, 0))]
                     for name in self.collections}

    def new_id(self, *parts: Any) -> str:
        """A stable id for the n-th record of a collection."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([self._seed, *map(str, parts)])))

    def record(self, collection: str, index: int, updated: datetime) -> dict[str, Any]:
        """One record as the API returns it, plus `_updated` (hidden from replies)."""
        raise NotImplementedError

    def stamp(self, record: dict[str, Any], moment: datetime) -> None:
        """Set the record's visible modification time (and `_updated`)."""
        record["_updated"] = moment

    def touch(self, collection: str, count: int) -> list[str]:
        """Mark the first `count` records of a collection modified now; returns their ids."""
        key, now = self.collections[collection], self.clock.now()
        with self._lock:
            touched = self.data[collection][:count]
            for record in touched:
                self.stamp(record, now)
        return [self.key_value(r, key) for r in touched]

    def add(self, collection: str, count: int) -> list[str]:
        """Create `count` new records now; returns their ids."""
        key, now = self.collections[collection], self.clock.now()
        with self._lock:
            start = len(self.data[collection])
            new = [self.record(collection, start + i, now) for i in range(count)]
            self.data[collection].extend(new)
        return [self.key_value(r, key) for r in new]

    @staticmethod
    def key_value(record: dict[str, Any], key: str) -> str:
        """The id of a record (a top-level field)."""
        return record[key]

    def ids(self, collection: str) -> list[str]:
        """Every id of a collection, in order."""
        key = self.collections[collection]
        return [self.key_value(r, key) for r in self.data[collection]]

    def rows(self, collection: str) -> list[dict[str, Any]]:
        """A snapshot of a collection's stored records (with `_updated`)."""
        with self._lock:
            return list(self.data[collection])

    def count_page(self, collection: str, records: int) -> None:
        """Count one list reply and the records it carried."""
        with self._lock:
            self.served.pages[collection] += 1
            self.served.records[collection] += records

    # -- serving --------------------------------------------------------------------------------------------------
    def limit_headers(self) -> dict[str, str]:
        """Headers every reply carries (none unless the API documents some)."""
        return {}

    def unauthorized(self, problem: str) -> Reply:
        """The API's answer to a missing, unknown or expired token."""
        return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, {"error": problem}

    def throttled(self, retry_after: int, which: str) -> Reply:
        """The API's 429."""
        raise NotImplementedError

    def route(self, method: str, path: str, query: dict[str, str], headers: Any) -> Reply:
        """Answer an authenticated, admitted request."""
        raise NotImplementedError

    def serve(self, method: str, target: str, headers: Any) -> Reply:
        """Token check, then the rate limits, then the API's own routes (query keys keep their case)."""
        parts = urlsplit(target)
        path = unquote(parts.path).rstrip("/")
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        problem = self._token_problem(headers.get("Authorization"))
        if problem:
            return self.unauthorized(problem)
        refused = self._admit()
        if refused:
            with self._lock:
                self.served.throttled += 1
            return self.throttled(*refused)
        try:
            if self.latency:
                self.clock.sleep(self.latency)
            fault = self._take_fault(path)
            if fault and fault.status == 429:  # an injected throttle answers as the API's own 429 does
                with self._lock:
                    self.served.throttled += 1
                return self.throttled(fault.retry_after or 1, "injected")
            if fault:
                extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                return fault.status, extra, fault.body or {"error": "injected fault"}
            return self.route(method, path, query, headers)
        finally:
            self._release()


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A record without the fake's hidden fields."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
