"""Execute Pipeline: start a child run with parameters; wait for it (waitOnCompletion) or not."""

from __future__ import annotations

from typing import Any

from adfgen.local.runner import ActivityContext, ActivityFailure, RunUsageError, handles


@handles("ExecutePipeline")
def execute_pipeline(ctx: ActivityContext) -> Any:
    """Output {pipelineName, pipelineRunId[, pipelineReturnValue]}; fails when a waited-for child fails."""
    reference = ctx.props.get("pipeline") or {}
    name = reference.get("referenceName") if isinstance(reference, dict) else None
    if not isinstance(name, str) or ctx.runtime.factory.find("pipeline", name) is None:
        raise ActivityFailure(f"Execute Pipeline '{ctx.name}': pipeline {name!r} does not exist in the factory",
                              "PipelineNotFound")
    parameters = ctx.eval(ctx.props.get("parameters") or {})
    ctx.set_input({"pipeline": name, "parameters": parameters, "waitOnCompletion": ctx.props.get("waitOnCompletion") is True})
    try:
        child = ctx.runtime.prepare(name, parameters, parent=ctx.run, trigger=("PipelineActivity", ctx.run.name))
    except RunUsageError as exc:
        raise ActivityFailure(str(exc), "InvalidParameter") from None
    ctx.rely("execute.wait")
    output = {"pipelineName": child.name, "pipelineRunId": child.run_id}
    if ctx.props.get("waitOnCompletion") is not True:
        ctx.runtime.start_background(child)
        return output
    ctx.progress(f"running {child.name}")
    ctx.runtime.execute(child)
    if child.return_value:
        ctx.rely("execute.return")
        output["pipelineReturnValue"] = child.return_value
    if child.status != "Succeeded":
        error = child.error or {}
        raise ActivityFailure(f"pipeline {child.name} (run {child.run_id}) "
                              f"failed: {error.get('message', '')}", str(error.get("errorCode") or "PipelineFailed"),
                              output=output)
    return output
