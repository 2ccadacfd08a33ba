"""Known deviations of Microsoft's published Data Factory schema from the service, applied in memory on top of it.

The schema (2018-06-01) lags the service: it rejects JSON that ADF accepts. Each deviation here names what it
relaxes, why (documented, with the page, or observed in factories ADF accepted), and two examples: one the
published schema rejects and the relaxed schema accepts, and one that stays rejected (so a deviation never
opens more than it says). tests/test_check_schema.py runs both; docs/check.md shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

Definitions = dict[str, Any]


@dataclass(frozen=True)
class Deviation:
    """One place where the published schema is stricter than the service."""

    key: str
    summary: str
    evidence: str  # "documented" or "observed"
    source: str  # the ADF documentation page, or where it was observed
    apply: Callable[[Definitions], bool]  # relaxes the definitions in place; False when the schema had nothing to relax
    definition: str  # the definition both examples are validated against, e.g. "Activity"
    accepted: dict  # rejected by the published schema, accepted once relaxed
    rejected: dict  # still rejected once relaxed


def _alternative(definitions: Definitions, union: str, type_name: str) -> dict | None:
    """The alternative of a `oneOf` union definition whose `type` enum is exactly `type_name`."""
    for alternative in (definitions.get(union) or {}).get("oneOf", []):
        target = alternative
        ref = alternative.get("$ref") if isinstance(alternative, dict) else None
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            target = definitions.get(ref.rsplit("/", 1)[1], {})
        enum = ((target.get("properties") or {}).get("type") or {}).get("enum") if isinstance(target, dict) else None
        if enum == [type_name]:
            return target
    return None


def _web_patch(definitions: Definitions) -> bool:
    method = ((definitions.get("WebActivityTypeProperties") or {}).get("properties") or {}).get("method") or {}
    for alternative in method.get("oneOf", []):
        enum = alternative.get("enum") if isinstance(alternative, dict) else None
        if isinstance(enum, list) and "GET" in enum:
            if "PATCH" not in enum:
                enum.append("PATCH")
            return True
    return False


def _optional_type_properties(*type_names: str) -> Callable[[Definitions], bool]:
    def apply(definitions: Definitions) -> bool:
        changed = False
        for type_name in type_names:
            alternative = _alternative(definitions, "Dataset", type_name)
            if alternative is not None and "typeProperties" in alternative.get("required", []):
                alternative["required"] = [r for r in alternative["required"] if r != "typeProperties"]
                changed = True
        return changed
    return apply


def _secure_string_for_key_vault(definitions: Definitions) -> bool:
    found = False

    def visit(node: Any) -> None:
        nonlocal found
        if isinstance(node, dict):
            if node.get("$ref") == "#/definitions/AzureKeyVaultSecretReference":
                node["$ref"] = "#/definitions/SecretBase"
                found = True
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for name, definition in definitions.items():
        if name != "SecretBase":
            visit(definition)
    return found


def _short_retry_interval(definitions: Definitions) -> bool:
    retry = ((definitions.get("ActivityPolicy") or {}).get("properties") or {}).get("retryIntervalInSeconds") or {}
    found = False
    for alternative in retry.get("oneOf", []):
        found = alternative.pop("minimum", None) is not None or found
    return found


def _tumbling_window_without_pipeline(definitions: Definitions) -> bool:
    alternative = _alternative(definitions, "Trigger", "TumblingWindowTrigger")
    if alternative is None or "pipeline" not in alternative.get("required", []):
        return False
    alternative["required"] = [r for r in alternative["required"] if r != "pipeline"]
    return True


def _web(method: str) -> dict:
    return {"name": "Call", "type": "WebActivity", "typeProperties": {"method": method, "url": "https://api.example.com/items/1",
                                                                      "body": "{}"}}


def _snowflake(type_name: str, **extra: Any) -> dict:
    return {"type": type_name, "linkedServiceName": {"referenceName": "ls_snowflake", "type": "LinkedServiceReference"},
            **extra}


DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "web-patch", "Web activity `method` may be `PATCH` (the schema's enum lists GET, POST, PUT, DELETE).",
        "documented", "https://learn.microsoft.com/azure/data-factory/control-flow-web-activity#type-properties",
        _web_patch, "Activity", _web("PATCH"), _web("TRACE")),
    Deviation(
        "snowflake-type-properties",
        "`typeProperties` is optional on `SnowflakeTable` and `SnowflakeV2Table` datasets (schema and table are "
        "optional; a Copy or Lookup source may give a query instead).",
        "documented", "https://learn.microsoft.com/azure/data-factory/connector-snowflake#dataset-properties",
        _optional_type_properties("SnowflakeTable", "SnowflakeV2Table"), "Dataset",
        _snowflake("SnowflakeV2Table"), _snowflake("SnowflakeV2Table", typeProperties=[])),
    Deviation(
        "secure-string-secrets",
        "An inline `SecureString` is accepted where the schema allows only a Key Vault secret reference "
        "(ADF's own ARM exports write it).",
        "observed", "ARM exports in the adf-public corpus (yb-og__adf-cicd-arm: AzureBlobFS accountKey, password)",
        _secure_string_for_key_vault, "LinkedService",
        {"type": "AzureSqlDatabase", "typeProperties": {"connectionString": "Server=tcp:x.database.windows.net;Database=d",
                                                        "password": {"type": "SecureString", "value": "**********"}}},
        {"type": "AzureSqlDatabase", "typeProperties": {"connectionString": "Server=tcp:x.database.windows.net;Database=d",
                                                        "password": {"type": "PlainText", "value": "x"}}}),
    Deviation(
        "short-retry-interval", "`policy.retryIntervalInSeconds` below 30 is accepted (the schema's minimum is 30).",
        "observed", "published factories in the adf-public corpus with retryIntervalInSeconds 5 and 15",
        _short_retry_interval, "Activity",
        {**_web("GET"), "policy": {"retry": 2, "retryIntervalInSeconds": 10}},
        {**_web("GET"), "policy": {"retry": 2, "retryIntervalInSeconds": 100000}}),
    Deviation(
        "tumbling-window-pipeline", "A tumbling-window trigger may be saved without a pipeline.",
        "observed", "Git-integration triggers in the adf-public corpus (Blacky067__TT-Line2USA/trigger/trigger1.json)",
        _tumbling_window_without_pipeline, "Trigger",
        {"type": "TumblingWindowTrigger", "typeProperties": {"frequency": "Hour", "interval": 1,
                                                             "startTime": "2024-01-01T00:00:00Z", "maxConcurrency": 1}},
        {"type": "TumblingWindowTrigger", "typeProperties": {"frequency": "Hour", "interval": 1,
                                                             "startTime": "2024-01-01T00:00:00Z"}}),
)


def apply_deviations(adf: dict) -> list[str]:
    """Relax the in-memory schema by every deviation; the keys of those that found something to relax."""
    definitions = adf.get("definitions", {})
    return [d.key for d in DEVIATIONS if d.apply(definitions)]


def deviations_markdown() -> str:
    """The docs/check.md section listing the deviations with their sources and examples."""
    import json

    lines = ["\n## Schema deviations\n",
             "SC002/SC003 validate against Microsoft's published schema, relaxed in memory where it is stricter than "
             "the service (`adfgen/check/schema_deviations.py`; the schema files are never edited). Each entry is "
             "tested with both examples.\n",
             "| Deviation | Evidence | Source |", "| --- | --- | --- |"]
    lines += [f"| {d.summary} | {d.evidence} | {d.source if not d.source.startswith('http') else f'<{d.source}>'} |"
              for d in DEVIATIONS]
    for d in DEVIATIONS:
        lines.append(f"\n### Deviation `{d.key}`\n\n{d.summary}\n")
        lines.append(f"Accepted (the published schema rejects it), as a `{d.definition}`:\n\n```json\n"
                     f"{json.dumps(d.accepted)}\n```\n")
        lines.append(f"Still rejected:\n\n```json\n{json.dumps(d.rejected)}\n```\n")
    return "\n".join(lines)
