"""The watermark of an incremental load as the checker sees it: the pipeline parameters, variables and activities
named like one (and variables set from them), and whether a text reads one. RQ005 and RQ006 judge requests by it."""

from __future__ import annotations

import re

from adfgen.check.exprs import analyse
from adfgen.check.walk import Pipeline, per_pipeline, value_text

WATERMARK = re.compile(r"watermark", re.I)
# names that say where a watermark is kept, not the value itself (HighWatermarkBlobDirectory)
LOCATION = re.compile(r"(dir|directory|container|folder|path|file|blob|table|dataset|url|uri|name)$", re.I)


@per_pipeline
def watermark_sources(pipeline: Pipeline) -> dict[tuple[str, str], str]:
    """(reference kind, lower-case name) -> how messages name it: pipeline parameters, variables and activities
    named like a watermark, and variables set from one of them (computed once per pipeline)."""
    sources: dict[tuple[str, str], str] = {}
    for key, label in (("parameters", "parameter"), ("variables", "variable")):
        declared = pipeline.properties.get(key)
        for name in declared if isinstance(declared, dict) else ():
            if _names_watermark(str(name)):
                sources[(label, str(name).lower())] = f"{label} '{name}'"
    for activity in pipeline.all:
        if _names_watermark(activity.name) and activity.kind in ("lookup", "webactivity", "getmetadata"):
            sources[("activity", activity.name.lower())] = f"activity '{activity.name}'"
    for activity in pipeline.all:  # one step of flow: a variable set from a watermark is one
        if activity.kind == "setvariable":
            name = activity.type_properties.get("variableName")
            if isinstance(name, str) and reads_watermark(value_text(activity.type_properties.get("value")), sources):
                sources.setdefault(("variable", name.lower()), f"variable '{name}'")
    return sources


def _names_watermark(name: str) -> bool:
    """A name that says it holds a watermark, not where one is kept."""
    return bool(WATERMARK.search(name)) and not LOCATION.search(name)


def reads_watermark(text: str, sources: dict[tuple[str, str], str]) -> bool:
    """Whether an expression text reads one of the watermark `sources`."""
    return any((ref.kind, ref.name.lower()) in sources for ref in analyse(text).refs) if text else False
