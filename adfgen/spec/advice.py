"""Warnings about specs that build but would misbehave at run time (the build still succeeds)."""

from __future__ import annotations

from typing import Callable

from adfgen.core.errors import Problem
from adfgen.spec.model import SpecFile
from adfgen.spec.yaml_source import PathKey, dotted_path


def spec_warnings(spec: SpecFile, file: str, line_of: Callable[[PathKey], int]) -> list[Problem]:
    """Chunked copies rely on paginationRules values being expressions, which ADF does not document; a POST paged by
    a cursor outside its body pages only if the API reads the cursor there."""
    warnings: list[Problem] = []
    for a, api in enumerate(spec.apis):
        chunked = [e.name for e in api.endpoints if (e.pagination or api.pagination).resumable]
        if chunked:
            warnings.append(Problem(file, line_of(("apis", a, "pagination")), dotted_path(("apis", a)),
                                    f"{', '.join(chunked)} copy in chunks of pages sized to the access token, with "
                                    "the chunk's RANGE bounds as expressions in paginationRules: ADF does not "
                                    "document expressions there (assumed; `adfgen run` lists it as the assumed "
                                    "behaviour rest.rule_expressions). Confirm once in a real factory."))
        for e, endpoint in enumerate(api.endpoints):
            pagination = endpoint.pagination or api.pagination
            if endpoint.method == "POST" and pagination.kind == "cursor":
                at = ("apis", a, "endpoints", e) + (("pagination",) if endpoint.pagination else ())
                warnings.append(Problem(file, line_of(at if endpoint.pagination else ("apis", a, "pagination")),
                                        dotted_path(("apis", a, "endpoints", e)),
                                        f"{endpoint.name} is a POST paged by a cursor sent in the "
                                        f"{pagination.send_in}: make sure the API reads it there. Search endpoints "
                                        "such as HubSpot's read `after` from the POST body only, which ADF's "
                                        "pagination rules cannot write: every request would repeat the first page "
                                        "until max_requests fails the worker. Use the API's GET list form if it has "
                                        "one (README: where ADF cannot)."))
    return warnings
