"""Security facts of a factory that a diff compares: outbound hosts, and secrets that pass through variables."""

from __future__ import annotations

import re
from typing import Any, Iterator

from adfgen.expressions import ExpressionError, parse_value, references
from adfgen.review import activities as acts

_HOST = re.compile(r"https?://([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)", re.IGNORECASE)
# A Web activity that reads a Key Vault secret: Key Vault's REST API is .../secrets/{name}
# (https://learn.microsoft.com/rest/api/keyvault/secrets/get-secret/get-secret).
# The URL is often built: concat(parameters.KeyVaultUrl, 'secrets/x') or @{pipeline().globalParameters.kv}secrets/x;
# the managed identity's resource (https://vault.azure.net) says the same.
_VAULT_URL = re.compile(r"vault\.azure\.(net|cn|us)|(^|[/'}])secrets/|keyvault", re.IGNORECASE)
VARIABLE_WRITERS = ("SetVariable", "AppendVariable")
# Fields of Key Vault's SecretBundle other than `value` (same page): metadata, not the secret. Reading them (e.g. the
# token's expiry in `attributes.exp`) does not move the secret.
METADATA_FIELDS = {"attributes", "id", "contentType", "tags", "kid", "managed"}


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (keys excluded)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _places(resource: Any) -> Iterator[tuple[str, Any]]:
    """(activity path or "", value) parts of a resource: each activity of a pipeline on its own, then the rest."""
    if resource.kind != "pipeline":
        yield "", resource.properties
        return
    for path, activity in acts.walk(acts.pipeline_activities(resource.properties)):
        own = {k: v for k, v in activity.items() if k != "typeProperties"}
        inner = {k for k, _ in acts.BRANCH_KEYS} | {"cases"}  # inner activities are places of their own
        yield " / ".join((*path, acts.activity_name(activity))), [own, {
            k: v for k, v in acts.type_properties(activity).items() if k not in inner}]
    yield "", {k: v for k, v in resource.properties.items() if k != "activities"}


def hosts(resources: list[Any]) -> dict[str, tuple[str, str, str]]:
    """Every host named in an http(s) URL in the resources → the first (kind, resource, activity path) naming it."""
    found: dict[str, tuple[str, str, str]] = {}
    for resource in sorted(resources, key=lambda r: (r.kind, r.name)):
        for where, value in _places(resource):
            for text in strings(value):
                for host in _HOST.findall(text):
                    found.setdefault(host.lower(), (resource.kind, resource.name, where))
    return found


def _secret_sources(activities: list[dict[str, Any]]) -> set[str]:
    """Activities whose output holds a secret: secure output on, or a Web call to Key Vault."""
    found = set()
    for _, activity in acts.walk(activities):
        props = acts.type_properties(activity)
        url = props.get("url")
        authentication = props.get("authentication")
        texts = [url.get("value") if isinstance(url, dict) else url,
                 authentication.get("resource") if isinstance(authentication, dict) else None]
        if "secureOutput" in acts.secure_flags(activity) or (activity.get("type") == "WebActivity" and any(
                isinstance(text, str) and _VAULT_URL.search(text) for text in texts)):
            found.add(acts.activity_name(activity))
    return found


def _activities_read(value: Any) -> set[str]:
    """Names of the activities whose output an expression value reads."""
    text = value.get("value") if isinstance(value, dict) else value
    if not isinstance(text, str):
        return set()
    try:
        template = parse_value(text)
    except ExpressionError:
        return set()
    if template is None:
        return set()
    return {ref.name for node in template.nodes for ref in references(node)
            if ref.kind == "activity" and ref.name and not (
                len(ref.path_after) > 1 and ref.path_after[0] == "output" and ref.path_after[1] in METADATA_FIELDS)}


def secret_flows(resources: list[Any]) -> dict[tuple[str, str, str], str]:
    """(pipeline, variable, source activity) → where the first Set/Append Variable storing that secret sits."""
    found: dict[tuple[str, str, str], str] = {}
    for pipeline in (r for r in resources if r.kind == "pipeline"):
        activities = acts.pipeline_activities(pipeline.properties)
        sources = _secret_sources(activities)
        for path, activity in acts.walk(activities):
            if activity.get("type") not in VARIABLE_WRITERS:
                continue
            props = acts.type_properties(activity)
            variable = props.get("variableName")
            for source in sorted(_activities_read(props.get("value")) & sources):
                found.setdefault((pipeline.name, str(variable), source),
                                 " / ".join((*path, acts.activity_name(activity))))
    return found
