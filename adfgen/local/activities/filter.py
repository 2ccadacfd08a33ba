"""Filter: keep the items for which the condition (with item()) is true."""

from __future__ import annotations

from typing import Any

from adfgen.expressions.library.values import type_name
from adfgen.local.runner import ActivityContext, ActivityFailure, handles


@handles("Filter")
def filter_activity(ctx: ActivityContext) -> Any:
    """Output {ItemsCount, FilteredItemsCount, Value}."""
    items = ctx.eval(ctx.props.get("items"))
    if not isinstance(items, list):
        raise ActivityFailure(f"The items of Filter '{ctx.name}' must be an array; the expression gave a value of "
                              f"type '{type_name(items)}'.", "InvalidTemplate")
    kept = []
    for item in items:
        verdict = ctx.eval(ctx.props.get("condition"), ctx.scope(item=item))
        if not isinstance(verdict, bool):
            raise ActivityFailure(f"The condition of Filter '{ctx.name}' must evaluate to a boolean; it gave a "
                                  f"value of type '{type_name(verdict)}'.", "InvalidTemplate")
        if verdict:
            kept.append(item)
    ctx.rely("filter.output")
    ctx.rely("filter.counts")
    ctx.set_input({"itemsCount": len(items)})
    return {"ItemsCount": len(items), "FilteredItemsCount": len(kept), "Value": kept}
