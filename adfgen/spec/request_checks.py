"""Cross-field rules of an API's requests: pagination, placeholders, the sync window, refusals where ADF cannot."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

from adfgen.spec.pacing import page_seconds
from adfgen.spec.placeholders import (ENCODED, PLACEHOLDER, REFUSED, WATERMARK, WATERMARK_END, Binding, api_bindings,
                                      choices, endpoint_bindings, names_in, reserved_by)
from adfgen.spec.yaml_source import PathKey

Report = Callable[[PathKey, str], None]
_DELTA_LINK = ("a delta link cannot be followed: a Copy lands records but hands no value of the last page (such as "
               "@odata.deltaLink) back to the pipeline, and reading it from landed pages needs it inside the records. "
               "Filter on a timestamp instead, e.g. query: {$filter: \"lastModifiedDateTime ge {watermark}\"} where "
               "the API has one, or load in full with next_url pagination (README: delta links)")


def check_requests(api: Any, at: PathKey, report: Report) -> None:
    """Every request problem of one API: its own parts, then each endpoint's."""
    bound = api_bindings(api)
    _check_text(api.base_url, "base_url", bound, at + ("base_url",), report)
    _check_text(api.auth.token_url, "token_url", bound, at + ("auth", "token_url"), report)
    if api.auth.authorize_url:
        _check_text(api.auth.authorize_url, "token_url", bound, at + ("auth", "authorize_url"), report)
    for key, value in api.headers.items():
        _check_text(value, "header", bound, at + ("headers", key), report)
    for e, endpoint in enumerate(api.endpoints):
        _check_endpoint(api, endpoint, at, at + ("endpoints", e), report)


def _check_endpoint(api: Any, endpoint: Any, at: PathKey, ep: PathKey, report: Report) -> None:
    """One endpoint: its pagination unit, its request parts, its window, its parameters."""
    pagination = endpoint.pagination or api.pagination
    where = ep + ("pagination",) if endpoint.pagination else at + ("pagination",)
    for path, message in pagination.problems(endpoint.records_path) + pagination.max_results_problems():
        report(where + path if path else ep, message)
    ceiling = token_ceiling(api, endpoint, pagination)
    if ceiling:
        report(where, ceiling)
    bound = endpoint_bindings(api, endpoint)
    taken = reserved_by(api, endpoint)
    for name in api.params:
        if name in taken:
            report(at + ("params", name), f"{{{name}}} is defined by {taken[name]} of endpoint '{endpoint.name}'; "
                   "rename the constant")
    for i, identity in enumerate(api.secrets.identity):  # else the worker would read it nowhere or shadow the window
        if identity.placeholder in taken:
            report(at + ("secrets", "identity", i, "name" if identity.name else "secret"),
                   f"{{{identity.placeholder}}} is defined by {taken[identity.placeholder]} of endpoint "
                   f"'{endpoint.name}'; give the identity value another name")
    used: dict[str, list[PathKey]] = {}
    hint = "" if endpoint.parent else " (a parent record's key needs parent: {endpoint: ..., key: ...})"
    for part, path, text in _parts(api, endpoint, ep):
        for name in _check_text(text, part, bound, path, report, hint):
            used.setdefault(name, []).append(path)
    paging = pagination.paging(endpoint.records_path)
    for name, value in paging.query:  # the kind's own pairs (e.g. page={page}) count as uses
        for placeholder in names_in(value):
            used.setdefault(placeholder, []).append(where)
    for name in pagination.paging_names:
        places = used.get(name, [])
        if not places:
            report(where, f"{pagination.kind} pagination writes {{{name}}}, which no request part holds: put it "
                   "where the API reads it (a query value, the path or a header)")
        elif len(places) > 1:
            report(places[-1], f"{{{name}}} appears more than once; ADF's RANGE rule writes one place per request")
    if endpoint.incremental is not None:
        if endpoint.incremental.delta_link is not None:
            report(ep + ("incremental", "delta_link"), _DELTA_LINK)
        if not (used.keys() & {WATERMARK, WATERMARK_END}):
            report(ep + ("incremental",), "the sync window is used by no request: write {watermark} where the API "
                   "filters, e.g. headers: {If-Modified-Since: '{watermark}'} or query: {query: \"... WHERE "
                   "Metadata.LastUpdatedTime > '{watermark}'\"}")
    if endpoint.parent is not None:
        name = endpoint.parent.placeholder or endpoint.parent.key
        if name not in used:
            report(ep + ("path",), f"the request must hold the parent key {{{name}}} (in the path or a query value)")
    _check_query_names(endpoint, paging.query, ep, report)
    if endpoint.body is not None and endpoint.method != "POST":
        report(ep + ("body",), "a body is sent with method: POST only")


def _parts(api: Any, endpoint: Any, ep: PathKey) -> Iterator[tuple[str, PathKey, str]]:
    """(part, field path, text) of every request part the endpoint writes."""
    if endpoint.base_url:
        yield "base_url", ep + ("base_url",), endpoint.base_url
    yield "path", ep + ("path",), endpoint.path
    for key, value in endpoint.query.items():
        if isinstance(value, str):
            yield "query", ep + ("query", key), value
    for key, value in endpoint.headers.items():
        yield "header", ep + ("headers", key), value
    if endpoint.body is not None:
        yield "body", ep + ("body",), endpoint.body


def _check_text(text: str, part: str, bound: dict[str, Binding], path: PathKey, report: Report,
                hint: str = "") -> list[str]:
    """Refuse encoded, unknown and misplaced placeholders in one text; the names it uses."""
    encoded = ENCODED.search(text)
    if encoded:
        report(path, f"{encoded.group(0)} is an encoded placeholder: ADF replaces only the literal "
               f"{{{encoded.group(1)}}}, and the build encodes every value itself; write the placeholder "
               f"unencoded (valid here: {choices(bound, part)})")
    if part in ("base_url", "path", "token_url"):  # query values, headers and bodies may hold literal JSON braces
        stray = re.search(r"\{[^{}]*\}?|\}", PLACEHOLDER.sub("", text))
        if stray:
            report(path, f"{stray.group(0)!r} is no placeholder: a name in braces starts with a letter or '_' "
                   f"(letters, digits, '_'), with one brace on each side; valid here: {choices(bound, part)}")
    used = []
    for name in names_in(text):
        binding = bound.get(name)
        if binding is None:
            if name in (WATERMARK, WATERMARK_END):
                hint = " ({watermark} needs incremental: {...} on the endpoint)"
            report(path, f"unknown placeholder {{{name}}}; valid here: {choices(bound, part)}{hint}")
            continue
        why = REFUSED.get(part, {}).get(binding.kind)
        if why:
            report(path, f"{{{name}}} ({binding.kind}) cannot be used here: {why} (valid here: "
                   f"{choices(bound, part)})")
            continue
        used.append(name)
    return used


def _check_query_names(endpoint: Any, paging_query: tuple[tuple[str, str], ...], ep: PathKey,
                       report: Report) -> None:
    """A query parameter given twice (in the path, in `query`, by the pagination) would be sent twice."""
    seen: dict[str, str] = {}
    _, _, in_path = endpoint.path.partition("?")
    for pair in filter(None, in_path.split("&")):
        seen.setdefault(pair.split("=", 1)[0], "the path")
    for name in endpoint.query:
        if not name.strip() or names_in(name) or ENCODED.search(name):  # the build encodes names: braces reach the API
            report(ep + ("query", name), "a query parameter's name is sent as written and must not be empty; "
                   "placeholders go in its value, e.g. query: {filter: '{watermark}'}")
        if name in seen:
            report(ep + ("query", name), f"query parameter '{name}' is also given in {seen[name]}; give it once")
        seen.setdefault(name, "query")
    for name, _ in paging_query:
        if name in seen:
            report(ep + ("query", name) if seen[name] == "query" else ep + ("path",),
                   f"query parameter '{name}' is written by the pagination and also given in {seen[name]}; "
                   "remove it there")


def token_ceiling(api: Any, endpoint: Any, pagination: Any) -> str | None:
    """Why a pagination kind a new Copy cannot resume (cursor, next URL, Link header) would outlive its token."""
    if pagination.resumable or pagination.request_cap == 1:
        return None
    seconds = page_seconds(*api.copy_rate(endpoint), api.request_timeout)
    usable = api.auth.access_token_lifetime - api.auth.refresh_margin
    ceiling = max(0, usable // seconds)
    if pagination.request_cap <= ceiling:
        return None
    return (f"endpoint '{endpoint.name}' pages by {pagination.kind}, which ADF cannot resume in a new Copy (each page "
            f"needs the previous reply), and a Copy's token is fixed when it starts: one access token "
            f"({api.auth.access_token_lifetime} s, less refresh_margin {api.auth.refresh_margin} s) covers at most "
            f"{ceiling} pages at {seconds} s each (page pacing plus request_timeout), but max_requests is "
            f"{pagination.request_cap}; set max_requests to at most {ceiling} (or a shorter request_timeout), "
            "or use page_number/offset_limit pagination if the API offers it")

