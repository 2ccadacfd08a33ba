"""Lookup: read a dataset (local file, local SQL, REST); firstRow, or count and value; ADF's row and size limits."""

from __future__ import annotations

import json
from typing import Any

from adfgen.core import adf_limits as limits
from adfgen.local.activities import _datasets
from adfgen.local.activities.copy import read_source
from adfgen.local.runner import ActivityContext, ActivityFailure, handles


@handles("Lookup")
def lookup(ctx: ActivityContext) -> Any:
    """5,000 rows at most (the rest dropped silently); an output over 4 MB fails (documented)."""
    source = ctx.eval(ctx.props.get("source") or {})
    dataset = _datasets.resolve(ctx, ctx.props.get("dataset"))
    first_only = ctx.props.get("firstRowOnly", True) is not False
    ctx.set_input({"source": source, "dataset": {"referenceName": dataset.name, "parameters": dataset.parameters},
                   "firstRowOnly": first_only})
    rows, _, _ = read_source(ctx, dataset, source, None)
    ctx.rely("lookup.rows")
    ctx.rely("lookup.output")
    rows = rows[: limits.value("lookup.rows")]
    if first_only:
        output: dict[str, Any] = {"firstRow": rows[0]} if rows else {}
        if not rows:
            ctx.rely("lookup.empty_first_row")
    else:
        output = {"count": len(rows), "value": rows}
    size = len(json.dumps(output, default=str).encode())
    if size > limits.value("lookup.bytes"):
        raise ActivityFailure(f"The size of the Lookup output is {size} bytes, over ADF's limit of "
                              f"{limits.value('lookup.bytes')} {limits.cite('lookup.bytes')}", "2100")
    output["effectiveIntegrationRuntime"] = "AutoResolveIntegrationRuntime (adfgen run)"
    return output
