"""Filter: keep the items for which the condition (with item()) is true."""

from __future__ import annotations

from typing import Any

from adfgen.local.activities._containers import boolean, items_of
from adfgen.local.runner import ActivityContext, handles


@handles("Filter")
def filter_activity(ctx: ActivityContext) -> Any:
    """Output {ItemsCount, FilteredItemsCount, Value}."""
    items = items_of(ctx, f"Filter '{ctx.name}'")
    what = f"The condition of Filter '{ctx.name}'"
    kept = [item for item in items if boolean(ctx.eval(ctx.props.get("condition"), ctx.scope(item=item)), what)]
    ctx.rely("filter.output")
    ctx.rely("filter.counts")
    ctx.set_input({"itemsCount": len(items)})
    return {"ItemsCount": len(items), "FilteredItemsCount": len(kept), "Value": kept}
