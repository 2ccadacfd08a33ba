"""SC: files that cannot be read, and resources that do not match Microsoft's official schema."""

from __future__ import annotations

from typing import Iterator

from adfgen.check.model import WARNING
from adfgen.check.paths import activity_of_path
from adfgen.check.rules.base import Context, Hit, Rule
from adfgen.check.schema import SchemaFinding
from adfgen.check.schema_engine import UNKNOWN_TYPE
from adfgen.check.walk import under_inactive


def schema_findings(ctx: Context) -> list[SchemaFinding]:
    """The resource's schema findings, computed once and shared by SC002 and SC003."""
    cached = ctx.memo.get("schema_findings")
    if cached is None:
        schema = ctx.view.schema
        cached = schema.validate(ctx.entry.resource) if schema is not None else []
        # ADF excludes inactive activities from validation (documented: deactivate-activity)
        cached = ctx.memo["schema_findings"] = [f for f in cached if not under_inactive(ctx.pipeline, f.json_path)]
    return cached


def _activity_name(ctx: Context, path: str) -> str | None:
    """The innermost activity named in a path like `activities[0] (Copy "x").typeProperties` (pipelines only)."""
    return activity_of_path(path) if ctx.entry.kind == "pipeline" else None


class InvalidFile(Rule):
    """A file under pipeline/, dataset/, linkedService/ or trigger/, or an ARM template, that cannot be read.

    Reported while loading: invalid JSON (with its line and column), not UTF-8, not an object, or
    `properties` missing. The rest of the factory is still checked.

    Bad:
        {"pipeline/pl_copy": "{\\"name\\": \\"pl_copy\\", \\"properties\\": {\\"activities\\": [}"}

    Good:
        {"pipeline/pl_copy": {"activities": []}}
    """

    code = "SC001"
    name = "invalid-file"
    message = "file is not a readable ADF resource"


class SchemaViolation(Rule):
    """A resource that does not match Microsoft's Data Factory schema (2018-06-01), within its matched type.

    Unions (activities, linked services, datasets, triggers, sources, sinks, locations, store settings)
    are validated against the alternative whose `type` matches, so the message names the field that
    failed. String enums match case-insensitively and ARM expressions `[...]` are accepted where the
    schema allows them, as ADF does.

    Bad:
        {"pipeline/pl_token": {"activities": [
            {"name": "Get Token", "type": "WebActivity",
             "typeProperties": {"method": "GET"}}]}}

    Good:
        {"pipeline/pl_token": {"activities": [
            {"name": "Get Token", "type": "WebActivity",
             "typeProperties": {"method": "GET", "url": "https://example.com/ping"}}]}}
    """

    code = "SC002"
    name = "schema"
    message = "resource does not match the ADF schema"

    def check(self, ctx: Context) -> Iterator[Hit]:
        for finding in schema_findings(ctx):
            if finding.kind != UNKNOWN_TYPE:
                yield Hit(finding.json_path, finding.message, activity=_activity_name(ctx, finding.json_path))


class UnknownType(Rule):
    """A `type` (activity, linked service, dataset, trigger, source, sink, ...) that the schema does not know.

    The message lists the closest valid types first. An unknown resource or activity type is an error
    (ADF cannot run it); an unknown nested type (source, sink, store or format settings, location) is a
    warning, because the service passes settings it does not know through (Microsoft's own gallery
    templates carry such types). A type newer than the published schema also lands here: ignore the code
    with `--ignore SC003` or annotate the resource.

    Bad:
        {"pipeline/pl_wait": {"activities": [
            {"name": "Pause", "type": "Wiat", "typeProperties": {"waitTimeInSeconds": 5}}]}}

    Good:
        {"pipeline/pl_wait": {"activities": [
            {"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 5}}]}}
    """

    code = "SC003"
    name = "unknown-type"
    message = "type is not one the schema knows"
    severity_note = "warning for an unknown nested type, such as a source, sink or format setting"

    def check(self, ctx: Context) -> Iterator[Hit]:
        for finding in schema_findings(ctx):
            if finding.kind == UNKNOWN_TYPE:
                parent = finding.json_path[: -len("type")].rstrip(".")
                top_level = parent == "" or parent.endswith('")')
                yield Hit(finding.json_path, finding.message, severity=None if top_level else WARNING,
                          activity=_activity_name(ctx, finding.json_path))


class FileNameMismatch(Rule):
    """A Git-integration file whose name is not `<resource name>.json` (ADF Studio and publish tools expect it).

    Bad:
        {"pipeline/pl_old_name": "{\\"name\\": \\"pl_new_name\\", \\"properties\\": {\\"activities\\": []}}"}

    Good:
        {"pipeline/pl_new_name": "{\\"name\\": \\"pl_new_name\\", \\"properties\\": {\\"activities\\": []}}"}
    """

    code = "SC004"
    name = "file-name-mismatch"
    message = "file name does not match the resource name"
    severity = WARNING


class SpecError(Rule):
    """A problem in an adfgen spec (`adfgen check` with no path builds `specs/` first).

    The specs are built for the base config and for every environment under `factory.environments`
    (`--env NAME`: only that one); two of them building the same factory name is an error too.

    Bad:
        spec: `pagination: {type: pages}` (an unknown pagination type)

    Good:
        spec: `pagination: {type: page_number, ...}` as `adfgen schema` describes
    """

    code = "SP001"
    name = "spec-error"
    message = "the spec does not build"


class StaleOutput(Rule):
    """`out/<factory>/` differs from what the specs build now; run `adfgen build` and commit the result.

    Checked for the factory of the base config and of every environment (`adfgen build --env NAME`
    writes each environment's folder).

    Bad:
        out/ edited by hand, or a spec changed without rebuilding

    Good:
        out/ exactly as `adfgen build` writes it
    """

    code = "SP002"
    name = "stale-output"
    message = "build output is out of date"
    severity = WARNING


class BuildWarning(Rule):
    """The spec builds, but the factory would misbehave at run time (the warning `adfgen build` prints).

    For example an endpoint that may page for longer than its access token stays usable: a Copy's
    Authorization header is fixed when it starts.

    Bad:
        max_requests: 1000 at 5 s a page with a 30-minute access token

    Good:
        a page size and request cap that finish within the token's lifetime
    """

    code = "SP003"
    name = "build-warning"
    message = "the spec builds but would misbehave at run time"
    severity = WARNING
