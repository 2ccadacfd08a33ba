"""Warnings about specs that build but would misbehave at run time (the build still succeeds)."""

from __future__ import annotations

from typing import Callable

from adfgen.core.errors import Problem
from adfgen.spec.model import SpecFile
from adfgen.spec.yaml_source import PathKey, dotted_path


def spec_warnings(spec: SpecFile, file: str, line_of: Callable[[PathKey], int]) -> list[Problem]:
    """Chunked copies rely on paginationRules values being expressions, which ADF does not document."""
    warnings: list[Problem] = []
    for a, api in enumerate(spec.apis):
        chunked = [e.name for e in api.endpoints if (e.pagination or api.pagination).resumable]
        if chunked:
            warnings.append(Problem(file, line_of(("apis", a, "pagination")), dotted_path(("apis", a)),
                                    f"{', '.join(chunked)} copy in chunks of pages sized to the access token, with "
                                    "the chunk's RANGE bounds as expressions in paginationRules: ADF does not "
                                    "document expressions there (assumed; `adfgen run` lists it as the assumed "
                                    "behaviour rest.rule_expressions). Confirm once in a real factory."))
    return warnings
