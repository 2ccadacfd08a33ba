"""Warnings about specs that build but would misbehave at run time (the build still succeeds)."""

from __future__ import annotations

from typing import Callable

from adfgen.errors import Problem
from adfgen.spec.model import NoPagination, SpecFile
from adfgen.spec.yaml_source import PathKey, dotted_path


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def spec_warnings(spec: SpecFile, file: str, line_of: Callable[[PathKey], int]) -> list[Problem]:
    """Copies that may page for longer than the access token lives (the Copy's header is fixed when it starts)."""
    warnings: list[Problem] = []
    for a, api in enumerate(spec.apis):
        usable = api.auth.access_token_lifetime - api.auth.refresh_margin
        lanes = max(1, min(api.rate_limit.concurrent_requests, sum(1 for e in api.endpoints if e.parent is None)))
        too_long: list[str] = []
        longest = 0.0
        for endpoint in api.endpoints:
            pagination = endpoint.pagination or api.pagination
            if isinstance(pagination, NoPagination):
                continue
            rate = endpoint.rate_limit or api.rate_limit
            share = rate.concurrent_requests if endpoint.rate_limit else lanes
            seconds = pagination.max_requests * max(0.01, 60 * share / rate.requests_per_minute)
            if seconds > usable:
                too_long.append(endpoint.name)
                longest = max(longest, seconds)
        if too_long:
            path = ("apis", a, "auth", "access_token_lifetime")
            warnings.append(Problem(file, line_of(path), dotted_path(("apis", a)),
                                    f"{', '.join(too_long)} may page for up to {_duration(longest)} (max_requests at "
                                    f"the rate limit), longer than the access token stays usable ({_duration(usable)}): "
                                    "a copy's Authorization header is fixed when it starts, so one still paging then "
                                    "fails with 401; a larger page_size or a lower max_requests avoids it"))
    return warnings
