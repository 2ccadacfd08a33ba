"""The pipeline annotation that records the access-token lifetime a build sized its Copies for.

The build writes `adfgen:access_token_lifetime=<seconds>` on each worker pipeline; check rule DS005 reads it instead
of assuming a lifetime. A pipeline's `annotations` is a list of any JSON values ("List of tags that can be used for
describing the Pipeline", Microsoft's Microsoft.DataFactory.json 2018-06-01 schema, documented), so a string passes.
"""

from __future__ import annotations

from typing import Any

PREFIX = "adfgen:access_token_lifetime="


def annotation(seconds: int) -> str:
    """The annotation for a lifetime in seconds."""
    return f"{PREFIX}{int(seconds)}"


def recorded(properties: Any) -> int | None:
    """The lifetime in seconds a resource's annotations record; None when absent or not a positive whole number."""
    annotations = properties.get("annotations") if isinstance(properties, dict) else None
    if not isinstance(annotations, list):
        return None
    for item in annotations:
        if isinstance(item, str) and item.startswith(PREFIX):
            text = item[len(PREFIX):].strip()
            # a hand-edited value that is not a count of seconds is not trusted: the rule keeps its assumption
            if text.isascii() and text.isdigit() and int(text) > 0:
                return int(text)
    return None
