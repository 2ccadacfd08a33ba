"""EX004's analysis (adfgen/check/always_fails.py) against Microsoft's engine: what it reports fails there too.

The rule's own Bad/Good examples run in tests/test_check_rules.py; here generated expressions check that a
reported part makes the engine fail in different scopes, and the exemptions hold.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings

from adfgen.check.always_fails import always_failing
from tests.differential import engine_text
from tests.evaluator_cases import default_scope
from tests.test_evaluator_hypothesis import VALUES


@pytest.fixture(scope="module")
def oracle(dftf):
    from tests.engine_oracle import EngineOracle

    return EngineOracle()


def _scopes():
    base = default_scope()
    other = dataclasses.replace(base, parameters={**base.parameters, "s": "2026-01-02T03:04:05Z", "n": 0},
                                variables={"v": "", "list": [], "count": -1}, item="x")
    return base, other


@pytest.mark.dftf
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(value=VALUES)
def test_a_reported_expression_fails_in_the_engine(oracle, value):
    """No false positives: whenever EX004 reports a value, the engine fails on it in every scope tried."""
    if not always_failing(value):
        return
    for scope in _scopes():
        status, result = oracle.evaluate(engine_text(value), scope)
        assert status == "error", f"EX004 reports {value!r}, but the engine gives {result!r}"


@pytest.mark.parametrize("text", [
    "@if(equals(item(), 1), div(1, 0), 2)",  # an if branch may never run
    "@coalesce(item(), int('x'))",  # nor a coalesce argument after the first
    "@formatDateTime(utcNow(), 'yyyy-MM-dd')",
    "@concat('a', item())",
    "@div(1, item())",  # fails only for some items
])
def test_not_reported(text):
    """Parts that may not run, or that fail only for some inputs, are not reported."""
    assert always_failing(text) == ()


@pytest.mark.parametrize("text", [
    "@div(1, 0)",
    "@concat(item(), int('abc'))",
    "@formatDateTime(utcNow(), 'yyyy-MM-ddTHH:mm:ss%')",
    "@addToTime(pipeline().parameters.Start, 1, 'Days')",
    "@convertFromUtc(utcNow(), 'Nowhere Standard Time')",
    "x @{json('{')} y",
])
def test_reported(text):
    """Literal-only failures, and date calls whose literal format, unit or zone fails for every timestamp."""
    assert always_failing(text)
