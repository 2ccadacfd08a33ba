"""ForEach: items dealt round-robin into batchCount queues run on threads (one when isSequential), each with item()."""

from __future__ import annotations

import threading
from typing import Any

from adfgen.core import adf_limits as limits
from adfgen.local.activities._containers import inner_failure, items_of
from adfgen.local.runner import ActivityContext, ActivityFailure, handles

DEFAULT_BATCH = 20  # documented default when isSequential is false


@handles("ForEach")
def foreach(ctx: ActivityContext) -> Any:
    """Runs the inner activities once per item; fails when any iteration failed (the others still run)."""
    items = items_of(ctx, f"ForEach '{ctx.name}'")
    if len(items) > limits.value("foreach.items"):
        raise ActivityFailure(f"ForEach '{ctx.name}' got {len(items)} items; ADF allows "
                              f"{limits.value('foreach.items')} {limits.cite('foreach.items')}", "ForEachTooManyItems")
    sequential = ctx.props.get("isSequential") is True
    batch = 1 if sequential else ctx.props.get("batchCount") or DEFAULT_BATCH
    if not isinstance(batch, int) or isinstance(batch, bool) or not 1 <= batch <= limits.value("foreach.batch"):
        raise ActivityFailure(f"ForEach '{ctx.name}': batchCount {batch!r} is outside 1..{limits.value('foreach.batch')} "
                              f"{limits.cite('foreach.batch')}", "InvalidBatchCount")
    ctx.rely("foreach.batch")
    ctx.set_input({"itemsCount": len(items), "batchCount": batch, "isSequential": sequential})
    inner = ctx.props.get("activities") or []
    if not inner:
        return {}
    failures: list[tuple[int, dict[str, Any] | None]] = []
    lock = threading.Lock()
    ctx.rely("foreach.queues")

    def queue(number: int) -> None:
        # ADF deals the items round-robin into batchCount queues up front and never rebalances them (observed),
        # so a slow item delays the items behind it in its queue even while other queues sit idle.
        for index in range(number, len(items), batch):
            frame = ctx.frame.child(item=items[index], kind="ForEach", label=f"{ctx.name}[{index}]")
            ctx.progress(f"iteration {index + 1}/{len(items)}")
            ok, error = ctx.run_inner(inner, frame)
            if not ok:
                with lock:
                    failures.append((index, error))

    threads = [threading.Thread(target=queue, args=(number,), daemon=True, name=f"{ctx.name}#{number}")
               for number in range(min(batch, len(items)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        ctx.rely("foreach.failure")
        ctx.rely("outcome.container")
        failures.sort(key=lambda pair: pair[0])
        raise inner_failure(failures[0][1])
    return {}
