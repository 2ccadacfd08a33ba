"""Benchmark: adfgen's expression evaluator against DFTF (Microsoft's engine) on the differential test's expressions.

Run: python bench/evaluator.py [--repeat 5] [--dftf-limit 0]
The expression set is every expression of out/ and of ../shared/corpus/adf-public with its generated scopes
(tests/differential.py), clock calls rewritten to a fixed instant. Ours: `evaluate(text, scope)`, best of --repeat
passes after a warm-up pass (a pipeline run evaluates the same texts many times; the cold pass is shown too).
DFTF in its fastest configuration: one shared ExpressionRuntime (tests/dftf_support.share_expression_runtime)
called through its normal `evaluate(expression, state)` with a PipelineRunState built from the same scope (state
building not timed). For information, the bare .NET engine call (tests/engine_oracle.py) is timed as well.
Target: Z >= 100.
Last line: evaluator: N expressions, ours X µs each, DFTF Y µs each, Zx (N counts expression-scope pairs)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.dftf_support import prepare_dotnet  # noqa: E402

SHARED = Path(os.environ.get("ADFGEN_SHARED_DIR") or REPO.parent / "shared")


def workload() -> list[tuple[str, object]]:
    """(text, scope) for every expression of out/ and the corpus, one pair per generated scope."""
    from tests import differential as d

    pairs = []
    for root in (REPO / "out", SHARED / "corpus" / "adf-public"):
        for expression in d.collect(root).expressions:
            text = d.engine_text(expression)
            pairs.extend((text, scope) for scope in d.scopes(expression))
    return pairs


def time_ours(pairs, repeat: int) -> tuple[float, float]:
    """(cold, best warm) seconds for one pass of evaluate() over pairs."""
    from adfgen.expressions import parser
    from adfgen.expressions import evaluator

    def one_pass() -> float:
        evaluate, error = evaluator.evaluate, evaluator.ExpressionError
        start = time.perf_counter()
        for text, scope in pairs:
            try:
                evaluate(text, scope)
            except error:
                pass
        return time.perf_counter() - start

    for cache in (getattr(evaluator, "_parse", None), parser.parse_value):
        if hasattr(cache, "cache_clear"):
            cache.cache_clear()
    cold = one_pass()
    return cold, min(one_pass() for _ in range(repeat))


def dftf_state(scope):
    """A DFTF PipelineRunState holding what the adfgen Scope holds."""
    from data_factory_testing_framework.state import (ActivityResult, PipelineRunState, PipelineRunVariable,
                                                      RunParameter, RunParameterType)

    from adfgen.expressions.evaluator import UNSET

    parameters = [RunParameter(RunParameterType.Pipeline, k, v) for k, v in scope.parameters.items()]
    parameters += [RunParameter(RunParameterType.Global, k, v) for k, v in scope.global_parameters.items()]
    parameters += [RunParameter(RunParameterType.System, k, v) for k, v in scope.system.items()]
    parameters += [RunParameter(RunParameterType.Dataset, k, v) for k, v in (scope.dataset or {}).items()]
    parameters += [RunParameter(RunParameterType.LinkedService, k, v) for k, v in (scope.linked_service or {}).items()]
    if scope.trigger is not None:
        parameters.append(RunParameter(RunParameterType.System, "trigger", scope.trigger))
    variables = [PipelineRunVariable(k, v) for k, v in scope.variables.items()]
    results = [ActivityResult(name, value.get("status"), value.get("output"), value.get("error"))
               for name, value in scope.activities.items()]
    return PipelineRunState(parameters, variables, results, None if scope.item is UNSET else scope.item)


def time_dftf(pairs) -> tuple[float, int]:
    """(seconds, failures) for one pass through DFTF's ExpressionRuntime.evaluate with one shared runtime."""
    from tests.differential import oracle_call
    from tests.dftf_support import share_expression_runtime

    share_expression_runtime()
    import data_factory_testing_framework.models._data_factory_element as element

    runtime = element.ExpressionRuntime()
    work = [(oracle_call(text)[0], dftf_state(scope)) for text, scope in pairs]
    failures = 0
    start = time.perf_counter()
    for text, state in work:
        try:
            runtime.evaluate(text, state)
        except Exception:  # noqa: BLE001 - failures are timed too; the differential test compares them
            failures += 1
    return time.perf_counter() - start, failures


def time_engine(pairs) -> float:
    """Seconds for one pass of the bare .NET engine call (one reused Evaluator, no DFTF front end)."""
    from tests.differential import engine
    from tests.engine_oracle import EngineOracle

    oracle = EngineOracle()
    start = time.perf_counter()
    for text, scope in pairs:
        engine(oracle, text, scope)
    return time.perf_counter() - start


def main() -> None:
    """Time both engines on the same expressions and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm passes of ours (best is reported)")
    parser.add_argument("--dftf-limit", type=int, default=0,
                        help="time DFTF on the first N pairs only (0: all)")
    args = parser.parse_args()
    problem = prepare_dotnet()
    if problem:
        sys.exit(f"bench/evaluator.py: {problem}")
    pairs = workload()
    n = len(pairs)
    cold, warm = time_ours(pairs, args.repeat)
    ours_us = warm / n * 1e6
    print(f"ours: {n} evaluations, cold pass {cold / n * 1e6:.1f} µs each, warm {ours_us:.1f} µs each")
    sample = pairs[: args.dftf_limit] if args.dftf_limit else pairs
    engine_s = time_engine(sample)
    print(f"bare .NET engine call (no DFTF front end, for information): {engine_s / len(sample) * 1e6:.0f} µs each")
    dftf_s, failures = time_dftf(sample)
    dftf_us = dftf_s / len(sample) * 1e6
    print(f"DFTF ExpressionRuntime.evaluate, shared runtime: {len(sample)} evaluations ({failures} failed), "
          f"{dftf_us:.0f} µs each")
    print(f"evaluator: {n} expressions, ours {ours_us:.1f} µs each, DFTF {dftf_us:.0f} µs each, "
          f"{dftf_us / ours_us:.0f}x")


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    # pythonnet's shutdown can crash after thousands of .NET calls (AccessViolation in Runtime.Shutdown, observed);
    # everything is printed, so skip it.
    os._exit(0)
