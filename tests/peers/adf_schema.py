"""Validate ADF REST bodies against Microsoft's 2018-06-01 schema, for the local ARM peer (with adfgen's validator).

Also where the tests find that schema: as `adfgen check` does, plus `../shared` (see find_schema).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

def shared_dir() -> Path:
    """`REPO/../shared`, or `$ADFGEN_SHARED_DIR`."""
    env = os.environ.get("ADFGEN_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared"


@lru_cache(maxsize=1)
def find_schema() -> tuple[Path | None, str]:
    """(directory, "") holding Microsoft's schema, or (None, why not), found as `adfgen check` finds it.

    Order: $ADFGEN_SCHEMA_DIR, then `../shared` (CI lays it beside the checkout), then adfgen's user cache,
    filled once from the official URLs when online. A fresh clone offline gets (None, reason) and the tests
    that need the schema are skipped with that reason instead of failing.
    """
    explicit = os.environ.get("ADFGEN_SCHEMA_DIR")
    if explicit:
        return Path(explicit), ""
    shared = shared_dir() / "schemas" / "adf-2018-06-01"
    if (shared / "Microsoft.DataFactory.json").is_file():
        return shared, ""
    from adfgen.check.schema import SchemaUnavailable, default_cache_dir, load_schema_validator

    try:
        load_schema_validator()  # reads the user cache, or downloads into it
    except SchemaUnavailable as exc:
        why = str(exc).split("; schema rules")[0]
        return None, f"Microsoft's ADF schema is not reachable: not in {shared}, $ADFGEN_SCHEMA_DIR unset, {why}"
    return default_cache_dir(), ""


def schema_dir() -> Path:
    """The directory holding Microsoft.DataFactory.json and definitions.json (a missing path when unreachable)."""
    found, _ = find_schema()
    return found or shared_dir() / "schemas" / "adf-2018-06-01"


def require_schema_dir() -> Path:
    """The schema's directory; under pytest, skips the calling test (with the reason) when it is unreachable."""
    found, reason = find_schema()
    if found is None:
        import pytest

        if os.environ.get("CI"):  # CI lays ../shared beside the checkout: there a missing schema is a failure
            pytest.fail(reason)
        pytest.skip(reason)
    return found


Validate = Callable[[str, str, dict], list[str]]  # (kind, name, properties) -> messages


@lru_cache(maxsize=1)
def body_validator() -> Validate:
    """A function returning schema messages for one resource's `properties` ([] when valid): adfgen's own validator."""
    from adfgen.check.schema import load_schema_validator
    from adfgen.core.resources import Resource

    validator = load_schema_validator(require_schema_dir())

    def validate(kind: str, name: str, properties: dict) -> list[str]:
        return [f"{f.json_path}: {f.message}" for f in validator.validate(Resource(kind, name, properties))]

    return validate
