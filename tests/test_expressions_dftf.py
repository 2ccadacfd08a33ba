"""Compare adfgen's function table with the arities Microsoft's engine accepts (through data-factory-testing-framework).

For every function, calls with 0..6 and 9 arguments are evaluated by DFTF's ExpressionRuntime (its lark grammar, then
the .NET Logic Apps template engine). A call is rejected when DFTF's grammar cannot parse it or the engine reports an
argument-count error; any other outcome (a value, or a type/format error) means the engine accepted the arity.
Run as a script (`python tests/test_expressions_dftf.py`) to print the engine's table.
"""

from __future__ import annotations

import importlib.util
import os
import random
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # when run as a script

from adfgen.expressions import ExpressionError, parse_value
from adfgen.expressions.functions import FUNCTIONS_LIST, Function
from tests import test_expressions as cases  # the VALID/INVALID tables and the corpus walker
from tests.dftf_support import prepare_dotnet

TS = "'2020-01-31T10:20:30Z'"
DATA_URI = "'data:text/plain;charset=utf-8;base64,YQ=='"

# Well-typed arguments per function (the longest valid call or longer); a probe with n arguments uses the first n
# and repeats the last one beyond the list. Good types keep type errors from hiding an arity check.
SAMPLES: dict[str, list[str]] = {
    "concat": ["'a'", "'b'", "'c'"],
    "endsWith": ["'abc'", "'c'"],
    "guid": ["'N'"],
    "indexOf": ["'abc'", "'b'"],
    "lastIndexOf": ["'abc'", "'b'"],
    "replace": ["'abc'", "'b'", "'x'"],
    "split": ["'a,b'", "','"],
    "startsWith": ["'abc'", "'a'"],
    "substring": ["'abcdef'", "1", "2"],
    "toLower": ["'Ab'"],
    "toUpper": ["'Ab'"],
    "trim": ["' a '"],
    "contains": ["'abc'", "'b'"],
    "empty": ["'abc'"],
    "first": ["'abc'"],
    "intersection": ["createArray(1,2)", "createArray(2,3)", "createArray(2)"],
    "join": ["createArray('a','b')", "','"],
    "last": ["'abc'"],
    "length": ["'abc'"],
    "skip": ["createArray(1,2,3)", "1"],
    "take": ["createArray(1,2,3)", "1"],
    "union": ["createArray(1,2)", "createArray(2,3)", "createArray(4)"],
    "and": ["true", "true", "true"],
    "equals": ["1", "1"],
    "greater": ["2", "1"],
    "greaterOrEquals": ["2", "1"],
    "if": ["true", "1", "2"],
    "less": ["1", "2"],
    "lessOrEquals": ["1", "2"],
    "not": ["false"],
    "or": ["false", "true", "true"],
    "array": ["'a'"],
    "base64": ["'a'"],
    "base64ToBinary": ["'YQ=='"],
    "base64ToString": ["'YQ=='"],
    "binary": ["'a'"],
    "bool": ["'true'"],
    "coalesce": ["null", "1", "2"],
    "createArray": ["1", "2", "3"],
    "dataUri": ["'a'"],
    "dataUriToBinary": [DATA_URI],
    "dataUriToString": [DATA_URI],
    "decodeBase64": ["'YQ=='"],
    "decodeDataUri": [DATA_URI],
    "decodeUriComponent": ["'a%20b'"],
    "encodeUriComponent": ["'a b'"],
    "float": ["'1.5'", "'en-US'"],
    "int": ["'1'"],
    "json": ["'{\"a\":1}'"],
    "string": ["1"],
    "uriComponent": ["'a b'"],
    "uriComponentToBinary": ["'a%20b'"],
    "uriComponentToString": ["'a%20b'"],
    "xml": ["'<a>1</a>'"],
    "xpath": ["xml('<a>1</a>')", "'/a'"],
    "add": ["6", "3"],
    "div": ["6", "3"],
    "max": ["1", "2", "3"],
    "min": ["1", "2", "3"],
    "mod": ["6", "3"],
    "mul": ["6", "3"],
    "rand": ["1", "10"],
    "range": ["0", "3"],
    "sub": ["6", "3"],
    "addDays": [TS, "1", "'o'"],
    "addHours": [TS, "1", "'o'"],
    "addMinutes": [TS, "1", "'o'"],
    "addSeconds": [TS, "1", "'o'"],
    "addToTime": [TS, "1", "'Day'", "'o'"],
    "convertFromUtc": [TS, "'UTC'", "'o'"],
    "convertTimeZone": [TS, "'UTC'", "'UTC'", "'o'"],
    "convertToUtc": [TS, "'UTC'", "'o'"],
    "dayOfMonth": [TS],
    "dayOfWeek": [TS],
    "dayOfYear": [TS],
    "formatDateTime": [TS, "'yyyy-MM-dd'", "'en-US'"],
    "getFutureTime": ["1", "'Day'", "'o'"],
    "getPastTime": ["1", "'Day'", "'o'"],
    "startOfDay": [TS, "'o'"],
    "startOfHour": [TS, "'o'"],
    "startOfMonth": [TS, "'o'"],
    "subtractFromTime": [TS, "1", "'Day'", "'o'"],
    "ticks": [TS],
    "utcNow": ["'o'"],
    "activity": ["'A'"],
    "dataset": ["'x'"],
    "item": ["1"],
    "linkedService": ["'x'"],
    "pipeline": ["1"],
    "trigger": ["1"],
    "triggerBody": ["1"],
    "triggerOutputs": ["1"],
    "variables": ["'v'"],
}

PROBE_COUNTS = (0, 1, 2, 3, 4, 5, 6, 9)
VARIADIC_PROBE = 9  # accepted with 9 arguments: treated as "no maximum"

# The engine's argument-count messages, e.g. "The function was invoked with '2' parameter(s)", "... with no
# parameters", "must not have any parameters", "must have only one parameter".
ARITY_MESSAGE = re.compile(
    r"invoked with (?:no parameters|'\d+' parameter)|must not have any parameters|must have only one parameter"
    r"|must have (?:at least|at most|exactly) "
)


def load_runtime():
    """One DFTF ExpressionRuntime (lark grammar + .NET engine) and a run state; a str saying why not on failure."""
    problem = prepare_dotnet()
    if problem is not None:
        return problem
    if importlib.util.find_spec("data_factory_testing_framework") is None:
        return "data-factory-testing-framework is not installed (pip install -e '.[test]')"
    try:
        from data_factory_testing_framework._expression_runtime.expression_runtime import ExpressionRuntime
        from data_factory_testing_framework.state import (
            DependencyCondition,
            PipelineRunState,
            PipelineRunVariable,
            RunParameter,
            RunParameterType,
        )
    except Exception as exc:  # noqa: BLE001 - pythonnet raises RuntimeError and others when coreclr cannot start
        reason = str(exc).strip().splitlines()[0]
        return f"the .NET runtime at DOTNET_ROOT={os.environ.get('DOTNET_ROOT')} cannot start: {reason}"

    # Every accessor the probes name exists, so that only the argument count can make a probe fail.
    state = PipelineRunState(
        parameters=[
            RunParameter(RunParameterType.Dataset, "x", "d"),
            RunParameter(RunParameterType.LinkedService, "x", "l"),
        ],
        variables=[PipelineRunVariable("v", "value")],
        iteration_item=1,
    )
    state.add_activity_result("A", DependencyCondition.SUCCEEDED, {"x": 1})
    return ExpressionRuntime(), state


def _failure_kind(exc: BaseException) -> str:
    chain, seen = [], exc
    while seen is not None and seen not in chain:  # DFTF raises some errors "from" themselves
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    if any(type(e).__module__.startswith("lark") or type(e).__name__ == "ExpressionParsingError" for e in chain):
        return "grammar"
    if any(ARITY_MESSAGE.search(str(e)) for e in chain):
        return "arity"
    return "error"


def classify(runtime, state, expression: str, engine_only: bool = False) -> str:
    """'ok', 'arity' (engine count error), 'grammar' (DFTF cannot parse it) or 'error' (another evaluation error).

    engine_only skips DFTF's lark front end and hands the expression to the bundled .NET evaluator directly
    (about 1 ms instead of 17 ms a call); the front end only whitelists names and reshapes accessors.
    """
    try:
        if engine_only:
            runtime.dftf_expressions_evaluator.evaluate(expression, state)
        else:
            runtime.evaluate(expression, state)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - every failure is classified
        return _failure_kind(exc)


# Accessors are shapes in DFTF's grammar (pipeline() only followed by a property, dataset().X, ...), so they are probed
# through the whole DFTF runtime; trigger(), triggerBody() and triggerOutputs() are not in DFTF's grammar at all, so
# they are probed on the .NET engine alone.
ACCESSOR_PROBES = {
    "pipeline": "@pipeline({}).globalParameters",
    "dataset": "@dataset({}).x",
    "linkedService": "@linkedService({}).x",
    "activity": "@activity({})",
    "variables": "@variables({})",
    "item": "@item({})",
}
ENGINE_ONLY = {"trigger", "triggerBody", "triggerOutputs"}


def probe_expression(function: Function, count: int) -> str:
    """The probe call of function with count arguments, as a whole-value expression."""
    sample = SAMPLES[function.name]
    args = ", ".join(sample[min(i, len(sample) - 1)] for i in range(count))
    return ACCESSOR_PROBES.get(function.name, "@" + function.name + "({})").format(args)


def engine_outcomes(runtime, state, function: Function) -> dict[int, str]:
    """The outcome of each probe count for function (see classify)."""
    engine_only = function.name not in ACCESSOR_PROBES
    return {n: classify(runtime, state, probe_expression(function, n), engine_only) for n in PROBE_COUNTS}


def engine_arity(outcomes: dict[int, str]) -> tuple[int | None, int | None]:
    """(min, max) accepted; max None when the variadic probe is accepted; (None, None) when nothing is."""
    accepted = [n for n, outcome in outcomes.items() if outcome in ("ok", "error")]
    if not accepted:
        return None, None
    return min(accepted), (None if VARIADIC_PROBE in accepted else max(accepted))


@pytest.fixture(scope="module")
def runtime():
    loaded = load_runtime()
    if isinstance(loaded, str):
        if os.environ.get("CI"):  # in CI a missing runtime must not pass as "nothing compared"
            pytest.fail(loaded)
        pytest.skip(loaded)
    return loaded


@pytest.mark.dftf
def test_every_table_function_has_probe_arguments():
    assert sorted(SAMPLES) == sorted(f.name for f in FUNCTIONS_LIST)


@pytest.mark.dftf
def test_function_table_matches_engine(runtime):
    rt, state = runtime
    mismatches = []
    for function in FUNCTIONS_LIST:
        outcomes = engine_outcomes(rt, state, function)
        accepted = {n for n, o in outcomes.items() if o in ("ok", "error")}
        expected = {n for n in PROBE_COUNTS if function.accepts(n)}
        if accepted != expected or engine_arity(outcomes) != (function.min_args, function.max_args):
            mismatches.append(f"{function.name}: table {function.arity_text()}, engine {outcomes}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.dftf
def test_dftf_front_end_accepts_every_documented_function(runtime):
    """DFTF's grammar whitelists function names: each documented one must get through it at its minimum arity."""
    rt, state = runtime
    rejected = []
    for function in FUNCTIONS_LIST:
        if function.category == "accessor":
            continue
        expression = probe_expression(function, function.min_args)
        if classify(rt, state, expression) == "grammar":
            rejected.append(expression)
        assert parse_value(expression) is not None
    assert not rejected


@pytest.mark.dftf
def test_classifier_tells_arity_from_grammar_and_type_errors(runtime):
    rt, state = runtime
    assert classify(rt, state, "@toBase64('x')") == "grammar"
    assert classify(rt, state, "@toLower('x', 'y')") == "arity"
    assert classify(rt, state, "@toLower('x', 'y')", engine_only=True) == "arity"
    assert classify(rt, state, "@toLower(1)") == "error"
    assert classify(rt, state, "@toLower('X')") == "ok"
    assert classify(rt, state, "@trigger(1)", engine_only=True) == "arity"


# The engine's syntax errors (as opposed to evaluation errors such as a missing activity or an unknown function).
ENGINE_SYNTAX_MESSAGE = re.compile(r"Unable to parse template language expression|is not valid: |is not terminated")


def engine_parses(runtime, state, value: str) -> bool:
    """False when the .NET engine rejects value's syntax; evaluation errors count as parsed."""
    try:
        runtime.dftf_expressions_evaluator.evaluate(value, state)
    except Exception as exc:  # noqa: BLE001
        message = str(exc).split("\n   at ")[0]  # drop the .NET stack trace; the message may hold newlines itself
        return not ENGINE_SYNTAX_MESSAGE.search(message)
    return True


@pytest.mark.dftf
def test_engine_agrees_with_valid_and_invalid_tables(runtime):
    rt, state = runtime
    assert [v for v, _ in cases.VALID if not engine_parses(rt, state, v)] == []
    assert [v for v, _, _ in cases.INVALID if engine_parses(rt, state, v)] == []


@pytest.mark.dftf
def test_engine_agrees_with_parser_on_whole_corpus(runtime):
    """Differential test: for every distinct corpus string, adfgen and the engine accept or reject its syntax alike."""
    rt, state = runtime
    disagreements = []
    for value in dict.fromkeys(value for _, value in cases.corpus_strings()):
        try:
            parse_value(value)
            ours = True
        except ExpressionError:
            ours = False
        if ours != engine_parses(rt, state, value):
            disagreements.append((value[:120], "adfgen parses" if ours else "engine parses"))
    assert disagreements == []


FUZZ_PIECES = list("@{}()[].,?' \n\t\u00a0-+0123456789abcxyz_$\"#é") + [
    "''",
    "?.",
    "?[",
    "@{",
    "@@",
    "e5",
    "true",
    "null",
]


@pytest.mark.dftf
def test_engine_agrees_with_parser_on_mutated_corpus_strings(runtime):
    """Seeded fuzzing: corpus strings with 1-4 random edits are accepted or rejected by adfgen and the engine alike."""
    rt, state = runtime
    rng = random.Random(20240805)
    seeds = [v for v in dict.fromkeys(value for _, value in cases.corpus_strings()) if len(v) <= 200]
    disagreements, outcomes = [], {True: 0, False: 0}
    for _ in range(800):
        value = rng.choice(seeds)
        for _ in range(rng.randint(1, 4)):
            at, op = rng.randrange(len(value) + 1), rng.random()
            if op < 0.4:
                value = value[:at] + value[at + 1 :]
            else:
                value = value[:at] + rng.choice(FUZZ_PIECES) + value[at + (1 if op > 0.8 else 0) :]
        try:
            parse_value(value)
            ours = True
        except ExpressionError:
            ours = False
        outcomes[ours] += 1
        if ours != engine_parses(rt, state, value):
            disagreements.append((value, "adfgen parses" if ours else "engine parses"))
    assert disagreements == []
    assert min(outcomes.values()) > 100  # the mutations exercise both sides


def main() -> None:
    loaded = load_runtime()
    if isinstance(loaded, str):
        sys.exit(loaded)
    rt, state = loaded
    for function in FUNCTIONS_LIST:
        outcomes = engine_outcomes(rt, state, function)
        low, high = engine_arity(outcomes)
        same = (low, high) == (function.min_args, function.max_args)
        print(
            f"{function.name:22} engine {low}..{high}  table {function.min_args}..{function.max_args}"
            f"  {'' if same else 'DIFF'}  {outcomes}"
        )


if __name__ == "__main__":
    main()
