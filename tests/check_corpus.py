"""Run `check` over the real-world corpus (read in place) and count findings per rule code and severity."""

from __future__ import annotations

from collections import Counter

from tests.check_support import CORPUS, SCHEMA_DIR


def corpus_findings():
    """(factories, findings) for every factory folder and ARM template under the corpus."""
    from adfgen.check.engine import run_checks
    from adfgen.check.schema import load_schema_validator
    from adfgen.check.project import settle_completeness
    from adfgen.check.sources import discover

    factories = discover(CORPUS)
    settle_completeness(factories)  # as `adfgen check` does: Git-integration roots are whole factories
    return factories, run_checks(factories, load_schema_validator(SCHEMA_DIR))


def count_by_code(findings) -> dict[str, int]:
    """{"CODE severity": n}, sorted."""
    counts = Counter(f"{f.code} {f.severity}" for f in findings)
    return dict(sorted(counts.items()))
