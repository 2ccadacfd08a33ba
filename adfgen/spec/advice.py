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
    from adfgen.fragments import request_interval_millis  # late: the fragments module imports the spec model

    warnings: list[Problem] = []
    for a, api in enumerate(spec.apis):
        usable = api.auth.access_token_lifetime - api.auth.refresh_margin
        too_long: list[str] = []
        longest = 0.0
        for endpoint in api.endpoints:
            pagination = endpoint.pagination or api.pagination
            if isinstance(pagination, NoPagination):
                continue
            seconds = pagination.max_requests * request_interval_millis(*api.copy_rate(endpoint)) / 1000
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
