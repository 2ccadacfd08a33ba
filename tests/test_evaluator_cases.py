"""adfgen's evaluator against Microsoft's engine on every case of tests/evaluator_cases/: equal values or both fail.

Values compare with their JSON types (1 is not 1.0, True is not 1). Cases that read the clock (utcNow, getPastTime,
getFutureTime) are not here: the engine's clock cannot be fixed, so they are tested in the date cases' module.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests.evaluator_cases as cases_package
from adfgen.expressions import ExpressionError
from adfgen.expressions.evaluator import evaluate
from tests.evaluator_cases import default_scope


def _case_modules():
    for info in pkgutil.iter_modules(cases_package.__path__):
        yield importlib.import_module(f"{cases_package.__name__}.{info.name}")


CASES = [(module.__name__.rsplit(".", 1)[1], text) for module in _case_modules() for text in module.CASES]


def typed(value):
    """value with its JSON type made part of equality (bool vs int vs float)."""
    if isinstance(value, bool) or value is None:
        return (type(value).__name__, value)
    if isinstance(value, (int, float)):
        return (type(value).__name__, value)
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, dict):
        return ("dict", {k: typed(v) for k, v in value.items()})
    return (type(value).__name__, value)


def ours(text: str, scope):
    try:
        return "ok", evaluate(text, scope)
    except ExpressionError as error:  # a syntax error or an evaluation error
        return "error", error.message


@pytest.fixture(scope="module")
def oracle(dftf):
    from tests.engine_oracle import EngineOracle

    return EngineOracle()


@pytest.mark.dftf
@pytest.mark.parametrize(("category", "text"), CASES, ids=[f"{c}:{t[:60]}" for c, t in CASES])
def test_case_agrees_with_engine(oracle, category, text):
    """Same value (and JSON type) as the engine, or a failure where the engine fails."""
    scope = default_scope()
    expected = oracle.evaluate(text, scope)
    got = ours(text, scope)
    assert got[0] == expected[0], f"engine: {expected}, adfgen: {got}"
    if got[0] == "ok":
        assert typed(got[1]) == typed(expected[1]), f"engine: {expected[1]!r}, adfgen: {got[1]!r}"


@pytest.mark.parametrize(("category", "text"), CASES, ids=[f"{c}:{t[:60]}" for c, t in CASES])
def test_case_is_implemented(category, text):
    """Without .NET too: every case evaluates or fails with an engine-style message, never 'not implemented'."""
    status, value = ours(text, default_scope())
    assert not (status == "error" and "not implemented" in value), value


@pytest.mark.dftf
def test_error_messages_are_the_engines(oracle, capsys):
    """Where both fail, adfgen's message is the engine's word for word in all but a few known cases (printed)."""
    both = identical = 0
    different = []
    for category, text in CASES:
        scope = default_scope()
        expected, got = oracle.evaluate(text, scope), ours(text, scope)
        if expected[0] == got[0] == "error":
            both += 1
            identical += expected[1] == got[1]
            if expected[1] != got[1]:
                different.append(text)
    with capsys.disabled():
        print(f"\nevaluator messages: {both} failing cases, identical {identical}, different {both - identical}")
    # the rest differ in wording only (a syntax error's preamble, a parser's line/position detail)
    assert identical >= 0.97 * both, different


def test_deep_nesting_fails_cleanly_instead_of_overflowing_the_stack():
    """A nesting Python's stack cannot evaluate is an EvaluationError naming the limit, never a RecursionError."""
    text = "@" + "not(" * 600 + "true" + ")" * 600
    with pytest.raises(ExpressionError, match="nested too deeply"):
        evaluate(text)
    assert evaluate("@" + "not(" * 100 + "true" + ")" * 100) is True
