"""Microsoft's Data Factory JSON schema: locate it (flag, env, user cache, one download) and validate resources.

Validation (adfgen/check/schema_engine.py) dispatches on `type`: for a union such as `Activity` (40 alternatives) it
validates only the alternative whose `type` matches, so messages name the field that failed inside that type. It is
as lenient as ADF where the schema is stricter than the service: string enums match case-insensitively and an ARM
expression `[...]` is accepted wherever the schema offers it as an alternative.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import platformdirs
from jsonschema import Draft4Validator
from referencing import Registry
from referencing import Resource as SchemaResource
from referencing.jsonschema import DRAFT4

from adfgen.check.paths import format_path
from adfgen.check.schema_deviations import apply_deviations
from adfgen.check.schema_engine import ADF_URI, COMMON_URI, Engine, one_per_problem
from adfgen.core.errors import AdfgenError
from adfgen.core.resources import KINDS, Resource

ADF_FILE = "Microsoft.DataFactory.json"
COMMON_FILE = "definitions.json"
FILES = {ADF_FILE: ADF_URI, COMMON_FILE: COMMON_URI}  # file -> the `id` it must carry
SOURCES = dict(FILES)  # file -> where to download it (the official URLs)
MANIFEST = "manifest.json"
ENV_VAR = "ADFGEN_SCHEMA_DIR"
MAX_FINDINGS_PER_RESOURCE = 25


class SchemaUnavailable(AdfgenError):
    """The schema is neither given, cached nor downloadable."""


@dataclass(frozen=True)
class SchemaFinding:
    """One schema violation: where in `properties` and what."""

    json_path: str
    message: str
    kind: str = "schema"  # or schema_engine.UNKNOWN_TYPE


def default_cache_dir() -> Path:
    """The platform's user cache (platformdirs: `$XDG_CACHE_HOME/adfgen`, `~/Library/Caches/adfgen`, ...)."""
    return Path(platformdirs.user_cache_dir("adfgen", appauthor=False)) / "schemas" / "2018-06-01"


# What validate() and the engine look up: a schema without them would make every resource a rule crash.
REQUIRED_DEFINITIONS = tuple(sorted({k.schema_definition.rsplit("/", 1)[1] for k in KINDS.values()} | {"Activity"}))
REQUIRED_COMMON = ("expression",)


def _verify(name: str, data: bytes) -> dict[str, Any]:
    """Parse one schema file and check that it is the document it claims to be (raises ValueError)."""
    doc = json.loads(data)
    if not isinstance(doc, dict) or str(doc.get("id", "")).rstrip("#") != FILES[name]:
        raise ValueError(f"{name} is not {FILES[name]} (id {doc.get('id') if isinstance(doc, dict) else None!r})")
    if not isinstance(doc.get("definitions"), dict):
        raise ValueError(f"{name} has no definitions")
    return doc


def _dangling_refs(adf: dict, common: dict) -> list[str]:
    """`$ref`s of the ADF schema that point at no definition of either document."""
    targets = {f"#/definitions/{n}" for n in adf["definitions"]}
    targets |= {f"{ADF_URI}#/definitions/{n}" for n in adf["definitions"]}
    targets |= {f"{COMMON_URI}#/definitions/{n}" for n in common["definitions"]}
    found: set[str] = set()
    stack: list[Any] = [adf["definitions"]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref not in targets:
                found.add(ref)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return sorted(found)


def verify_pair(adf: dict, common: dict) -> None:
    """Check that the two documents hold everything validation looks up (raises ValueError naming what is missing)."""
    missing = [n for n in REQUIRED_DEFINITIONS if not isinstance(adf["definitions"].get(n), dict)]
    if missing:
        raise ValueError(f"{ADF_FILE} lacks the definitions {', '.join(missing)}")
    missing = [n for n in REQUIRED_COMMON if not isinstance(common["definitions"].get(n), dict)]
    if missing:
        raise ValueError(f"{COMMON_FILE} lacks the definitions {', '.join(missing)}")
    dangling = _dangling_refs(adf, common)
    if dangling:
        more = f" and {len(dangling) - 3} more" if len(dangling) > 3 else ""
        raise ValueError(f"{ADF_FILE} refers to missing definitions: {', '.join(dangling[:3])}{more}")


def _read_dir(directory: Path) -> tuple[dict, dict]:
    """Read and verify both files from a directory (raises OSError/ValueError)."""
    adf = _verify(ADF_FILE, (directory / ADF_FILE).read_bytes())
    common = _verify(COMMON_FILE, (directory / COMMON_FILE).read_bytes())
    verify_pair(adf, common)
    return adf, common


def _read_cache(directory: Path) -> tuple[dict, dict] | None:
    """The cached schema when its sha256 manifest matches, else None."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        for name in FILES:
            if hashlib.sha256((directory / name).read_bytes()).hexdigest() != manifest["sha256"][name]:
                return None
        return _read_dir(directory)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a unique temp file in the same folder and os.replace, so readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def download_schema(directory: Path, timeout: float = 30.0) -> tuple[dict, dict]:
    """Fetch both files from their official URLs, verify them and store them with a sha256 manifest."""
    blobs: dict[str, bytes] = {}
    docs: dict[str, dict] = {}
    for name, url in SOURCES.items():
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (the official URLs)
            blobs[name] = response.read()
        docs[name] = _verify(name, blobs[name])
    verify_pair(docs[ADF_FILE], docs[COMMON_FILE])
    directory.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        (directory / MANIFEST).unlink()  # until the new manifest is in place the cache reads as empty
    for name, data in blobs.items():
        _write_atomic(directory / name, data)
    manifest = {"sha256": {n: hashlib.sha256(d).hexdigest() for n, d in blobs.items()}, "urls": dict(SOURCES)}
    _write_atomic(directory / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
    return _read_dir(directory)


def _locate(schema_dir: Path | None) -> tuple[dict, dict]:
    """Find the schema: explicit dir, then $ADFGEN_SCHEMA_DIR, then the user cache, then one download."""
    explicit = schema_dir or (Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else None)
    if explicit is not None:
        try:
            return _read_dir(Path(explicit))
        except (OSError, ValueError) as exc:
            raise SchemaUnavailable(f"schema directory {explicit} is not usable: {exc}") from None
    cache = default_cache_dir()
    cached = _read_cache(cache)
    if cached is not None:
        return cached
    try:
        return download_schema(cache)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise SchemaUnavailable(
            f"no ADF schema: not cached in {cache} and the download from {ADF_URI} failed ({exc}); "
            f"schema rules skipped (use --schema-dir DIR or ${ENV_VAR})") from None


def relax_schema(adf: dict) -> dict:
    """Loosen, in memory, the places where the published schema is stricter than the service.

    The table of known deviations, each with its source and examples, is `adfgen.check.schema_deviations`.
    """
    apply_deviations(adf)
    return adf


class SchemaValidator:
    """Validates resources' `properties` against the schema's definitions (the schema is loaded once)."""

    def __init__(self, adf: dict, common: dict):
        adf = relax_schema(adf)
        registry = Registry().with_resources([
            (ADF_URI, SchemaResource.from_contents(adf, default_specification=DRAFT4)),
            (COMMON_URI, SchemaResource.from_contents(common, default_specification=DRAFT4)),
        ])
        self._engine = Engine(adf, common, Draft4Validator({}, registry=registry))

    def validate_definition(self, definition: str, instance: Any) -> list[SchemaFinding]:
        """Validate any fragment against a named definition, e.g. "Activity" or "CopySource"."""
        schema = self._engine.refs.get(f"#/definitions/{definition}")
        if schema is None:
            raise KeyError(f"no definition {definition!r} in the schema")
        errors = one_per_problem(self._engine.errors(instance, schema))
        findings = [SchemaFinding(format_path(instance, path), message, kind)
                    for path, message, kind in errors[:MAX_FINDINGS_PER_RESOURCE]]
        findings.sort(key=lambda f: (f.json_path, f.message))
        return findings

    def validate(self, resource: Resource) -> list[SchemaFinding]:
        """Schema findings for one resource's `properties`; [] when valid."""
        if not isinstance(resource.properties, dict):
            return [SchemaFinding("", "properties must be an object")]
        definition = KINDS[resource.kind].schema_definition.rsplit("/", 1)[1]
        return self.validate_definition(definition, resource.properties)


@lru_cache(maxsize=4)
def _load(schema_dir: str | None, env_dir: str | None, cache_dir: str) -> SchemaValidator:
    adf, common = _locate(Path(schema_dir) if schema_dir else None)
    return SchemaValidator(adf, common)


def load_schema_validator(schema_dir: Path | None = None) -> SchemaValidator:
    """The validator for the schema found via `schema_dir`, $ADFGEN_SCHEMA_DIR or the user cache (once per process).

    Raises SchemaUnavailable with a one-line notice when there is no schema and it cannot be downloaded.
    """
    return _load(str(schema_dir) if schema_dir else None, os.environ.get(ENV_VAR), str(default_cache_dir()))
