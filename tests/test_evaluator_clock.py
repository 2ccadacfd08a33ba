"""The clock functions (utcNow, getFutureTime, getPastTime) against the engine, whose clock cannot be fixed.

Each engine call is bracketed by two readings of the real clock; adfgen's evaluator, given a scope clock at the
first and at the last reading, must bracket the engine's answer: for second-resolution formats the engine's text
is one of adfgen's two texts, for 'o' the engine's instant lies between adfgen's (both parsed back to ticks).
Without .NET, utcNow/getFutureTime/getPastTime must equal formatDateTime/addToTime/subtractFromTime applied to
the scope clock's own reading.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from adfgen.expressions.evaluator import EvaluationError, Scope, evaluate

# formats whose text changes at most once a second
SECOND_FORMATS = ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ssK", "s", "u", "r", "D", "F", "G", "yyyyMMddHHmmss", "dddd tt"]
UNITS = [(1, "Second"), (90, "Minute"), (-3, "Hour"), (1, "Day"), (2, "Week"), (1, "Month"), (-1, "Year")]
_ROUNDTRIP = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{7})Z$")
_WINDOW_TICKS = 10_000_000  # one second between the two clock readings and .NET's clock, at most


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _ticks(text: str) -> int:
    """Ticks since 0001-01-01 of an 'o' text with 'Z' (fails the test for any other shape)."""
    match = _ROUNDTRIP.match(text)
    assert match, f"not a UTC round-trip timestamp: {text!r}"
    year, month, day, hour, minute, second, fraction = (int(g) for g in match.groups())
    days = (dt.date(year, month, day) - dt.date(1, 1, 1)).days
    return ((days * 24 + hour) * 60 + minute) * 60 * 10_000_000 + second * 10_000_000 + fraction


def _ours(text: str, at: dt.datetime):
    return evaluate(text, Scope(clock=lambda: at))


@pytest.fixture(scope="module")
def oracle(dftf):
    from tests.engine_oracle import EngineOracle

    return EngineOracle()


def _bracket(oracle, text: str) -> tuple[str, object, object]:
    before = _now()
    status, value = oracle.evaluate(text, Scope())
    after = _now()
    assert status == "ok", value
    return value, _ours(text, before), _ours(text, after)


@pytest.mark.dftf
@pytest.mark.parametrize("text", ["@utcNow()", "@utcNow('o')", "@getFutureTime(0, 'Second')",
                                  *[f"@getFutureTime({n}, '{unit}')" for n, unit in UNITS],
                                  *[f"@getPastTime({n}, '{unit}')" for n, unit in UNITS]])
def test_roundtrip_instant_between_clock_readings(oracle, text):
    """The engine's 'o' instant lies between adfgen's at the readings before and after the call (plus slack)."""
    engine, early, late = _bracket(oracle, text)
    low, high, got = _ticks(early), _ticks(late), _ticks(engine)
    assert low - _WINDOW_TICKS <= got <= high + _WINDOW_TICKS, (early, engine, late)


@pytest.mark.dftf
@pytest.mark.parametrize("fmt", SECOND_FORMATS)
@pytest.mark.parametrize("call", ["utcNow('{fmt}')", "getFutureTime(1, 'Month', '{fmt}')",
                                  "getPastTime(36, 'Hour', '{fmt}')"])
def test_formatted_clock_matches_a_reading(oracle, call, fmt):
    """A second-resolution format: the engine's text is adfgen's at one of the two clock readings."""
    engine, early, late = _bracket(oracle, "@" + call.format(fmt=fmt))
    assert engine in (early, late), (early, engine, late)


@pytest.mark.dftf
@pytest.mark.parametrize("text", ["@utcNow(1)", "@utcNow('o', 'x')", "@utcNow('Q')", "@getFutureTime(1.5, 'Day')",
                                  "@getPastTime(1, 'Parsec')", "@getPastTime(1, 'Day', 'Q')", "@getFutureTime(1)",
                                  "@getFutureTime('1', 'Day')", "@getPastTime(1, 2)", "@getFutureTime(1, 'Day', 3)",
                                  "@getFutureTime(10000, 'Year')", "@getPastTime(1, '8')"])
def test_clock_errors_match(oracle, text):
    """Argument errors do not depend on the clock: same message as the engine."""
    status, message = oracle.evaluate(text, Scope())
    assert status == "error"
    with pytest.raises(EvaluationError) as raised:
        _ours(text, _now())
    assert raised.value.message == message


CLOCK = dt.datetime(2024, 2, 29, 23, 59, 58, 765432, tzinfo=dt.timezone.utc)
CLOCK_TEXT = "2024-02-29T23:59:58.7654320Z"


@pytest.mark.parametrize("fmt", ["o", "s", "u", "D", "yyyy-MM-dd HH:mm:ss.fffffff K", "MMMM dddd tt"])
def test_utc_now_formats_the_scope_clock(fmt):
    """utcNow(fmt) is formatDateTime of the scope clock's reading, in UTC."""
    assert _ours(f"@utcNow('{fmt}')", CLOCK) == _ours(f"@formatDateTime('{CLOCK_TEXT}', '{fmt}')", CLOCK)
    assert _ours("@utcNow()", CLOCK) == CLOCK_TEXT


def test_utc_now_converts_an_aware_clock_to_utc():
    """A scope clock in another zone still gives UTC."""
    local = CLOCK.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert _ours("@utcNow()", local) == CLOCK_TEXT


@pytest.mark.parametrize(("amount", "unit"), UNITS)
def test_future_and_past_time_move_the_scope_clock(amount, unit):
    """getFutureTime/getPastTime are addToTime/subtractFromTime on the scope clock (month ends clamp)."""
    for fmt in ("o", "yyyy-MM-dd HH:mm"):
        future = _ours(f"@getFutureTime({amount}, '{unit}', '{fmt}')", CLOCK)
        past = _ours(f"@getPastTime({amount}, '{unit}', '{fmt}')", CLOCK)
        assert future == _ours(f"@addToTime('{CLOCK_TEXT}', {amount}, '{unit}', '{fmt}')", CLOCK)
        assert past == _ours(f"@subtractFromTime('{CLOCK_TEXT}', {amount}, '{unit}', '{fmt}')", CLOCK)
