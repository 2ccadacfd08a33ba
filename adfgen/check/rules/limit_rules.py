"""ADF's documented per-pipeline limits, which the schema does not state: ADF refuses to publish beyond them."""

from __future__ import annotations

from typing import Iterator

from adfgen.check.model import WARNING
from adfgen.check.paths import format_path
from adfgen.check.rules.base import Context, Hit, Rule
from adfgen.core import adf_limits

# Limits the schema already enforces (batchCount maximum 50, retryIntervalInSeconds 30..86400): one finding, not two.
_SCHEMA_STATES = {"foreach.batch", "retry.interval.min"}
# Documented, yet a public factory (corpus: Tonilifter__dap-core-datafactory, MonitorPipeline, a Switch inside an If)
# keeps one: ADF may have relaxed it since, so a warning rather than a false error.
_LESS_SURE = {"nesting.if_in_if"}


class PipelineLimitExceeded(Rule):
    """A pipeline beyond one of ADF's documented limits: more than 120 activities (inner ones included) or 50
    parameters, an expression over 8,192 characters, a Switch of more than 25 cases, a policy timeout over 7 days,
    an If or Switch inside an If or Switch, a loop inside a loop, a Validation inside a container.

    ADF refuses to publish such a pipeline (documented:
    https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-data-factory-limits
    and https://learn.microsoft.com/azure/data-factory/concepts-nested-activities); the schema states none of them.
    `adfgen build` refuses to write one, and `adfgen run` fails it as ADF would. An If or Switch inside an If or
    Switch is a warning: the page forbids it, but a public factory keeps one, so ADF may accept it today.

    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Each", "type": "ForEach", "typeProperties": {"items": {"value": "@createArray(1)", "type": "Expression"},
              "activities": [{"name": "Again", "type": "Until", "typeProperties": {
                "expression": {"value": "@true", "type": "Expression"},
                "activities": [{"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}}]}}]}}]}}

    Good:
        {"pipeline/pl_x": {"activities": [
            {"name": "Each", "type": "ForEach", "typeProperties": {"items": {"value": "@createArray(1)", "type": "Expression"},
              "activities": [{"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}}]}}]}}
    """

    code = "LM001"
    name = "pipeline-limit-exceeded"
    message = "pipeline exceeds one of ADF's documented limits"
    severity_note = "warning for an If or Switch inside an If or Switch (see below)"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        # expression lengths from the candidate expressions every rule shares (ctx.sites), the rest from the table
        for breach in adf_limits.breaches(ctx.entry.name, ctx.properties, expressions=False):
            if breach.key not in _SCHEMA_STATES:
                yield Hit(format_path(ctx.properties, breach.path), breach.message,
                          severity=WARNING if breach.key in _LESS_SURE else None)
        most = adf_limits.value("expression.length")
        for site in ctx.sites:
            if len(site.text) > most and (site.text.startswith("@") or "@{" in site.text):
                yield Hit(site.path, f"an expression of {len(site.text)} characters; ADF allows {most} "
                                     f"{adf_limits.cite('expression.length')}")
