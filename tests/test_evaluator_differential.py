"""adfgen's evaluator against Microsoft's engine on every expression of out/ and of the public corpus.

Each expression is evaluated in generated scopes (tests/differential.py) by both engines; they must give equal
values with equal JSON types, or both fail. out/ must agree everywhere; a corpus disagreement must be a documented
quirk (tests/evaluator_quirks.py). The helpers' own tests run without .NET.
"""

from __future__ import annotations

import json
import re

import pytest

from adfgen.expressions import parse_value
from adfgen.expressions.evaluator import EvaluationError, evaluate
from adfgen.expressions.library import IMPLEMENTATIONS
from adfgen.local.masking import strings_in
from tests import differential as d
from tests.conftest import REPO
from tests.evaluator_quirks import QUIRKS, quirk_for

OUT = REPO / "out"
RESOURCE_FOLDERS = ("pipeline", "dataset", "linkedService", "trigger")


@pytest.fixture(scope="module")
def oracle(dftf):
    from tests.engine_oracle import EngineOracle

    return EngineOracle()


def _report(name: str, collection: d.Collection, result: d.Tally, capsys) -> None:
    with capsys.disabled():
        clock = sum(d.engine_text(e) != e.text for e in collection.expressions)
        print(f"\n{name}: {len(collection.unparsable)} unparsable values; {clock} read the clock (rewritten to "
              f"{d.FIXED_NOW} for both engines); "
              f"{sum(o.both_failed > 0 for o in result.outcomes)} fail on both sides in some scope")
        print(result.line())


def _listing(outcomes: list[d.Outcome], limit: int = 40) -> str:
    lines = [f"{o.status}: {o.expression.text[:160]!r}\n    {o.detail[:400]}\n    at {o.expression.source}"
             for o in outcomes[:limit]]
    more = f"\n... and {len(outcomes) - limit} more" if len(outcomes) > limit else ""
    return "\n".join(lines) + more


@pytest.mark.dftf
def test_out_agrees_with_engine(oracle, capsys):
    """Every expression adfgen generates: equal results or both failing, in every generated scope."""
    collection = d.collect(OUT)
    assert len(collection.expressions) > 20, "out/ should hold the generated factories"
    result = d.tally(collection.expressions, oracle)
    _report("out/", collection, result, capsys)
    assert not collection.unparsable, collection.unparsable
    assert result.count("differ") == 0 and result.count("unsupported") == 0, _listing(result.failures())


@pytest.fixture(scope="module")
def corpus_result(oracle, corpus_dir):
    collection = d.collect(corpus_dir)
    return collection, d.tally(collection.expressions, oracle)


@pytest.mark.dftf
def test_corpus_agrees_with_engine_or_is_a_known_quirk(corpus_result, capsys):
    """Every public expression agrees, or its difference is a documented quirk."""
    collection, result = corpus_result
    _report("corpus", collection, result, capsys)
    assert len(collection.expressions) > 1000
    unexplained = [o for o in result.failures() if o.status == "unsupported" or quirk_for(o.expression.text) is None]
    assert not unexplained, f"{len(unexplained)} unexplained\n{d.unsupported_functions(unexplained)}\n" + _listing(
        unexplained)


@pytest.mark.dftf
def test_every_quirk_still_explains_a_difference(corpus_result):
    """A quirk that no longer matches a disagreement is stale: the library was fixed, drop the entry."""
    _, result = corpus_result
    differing = [o.expression.text for o in result.failures() if o.status == "differ"]
    stale = [pattern for pattern, _ in QUIRKS if not any(re.search(pattern, t) for t in differing)]
    assert not stale, stale


# ------------------------------------------------------------------------------------------- the harness itself


def test_collect_finds_every_expression_of_out():
    """An independent walk over out/*/<resource folders> finds no expression that collect() missed."""
    found = set()
    for folder in OUT.iterdir():
        for kind in RESOURCE_FOLDERS:
            for path in (folder / kind).glob("*.json"):
                for text in strings_in(json.loads(path.read_text(encoding="utf-8"))):
                    if "@" in text and parse_value(text) is not None:
                        found.add(text)
    collected = {e.text for e in d.collect(OUT).expressions}
    assert found and found <= collected, sorted(found - collected)


def _accessor_chains(text: str):
    """Every reference chain of text (e.g. activity('A').output.x) as an expression of its own."""
    from adfgen.expressions import Access, Call, Index, unparse, walk

    template = parse_value(text)
    for node in walk(template):
        if isinstance(node, (Access, Index)):
            base = node
            while isinstance(base, (Access, Index)):
                base = base.target
            static = all(not isinstance(n, Call) or n is base or n.key in ("activity", "variables")
                         for n in walk(node) if n is not base) and isinstance(base, Call)
            if static and base.key in ("activity", "variables", "pipeline", "item", "dataset", "linkedservice"):
                yield "@" + unparse(node)


def test_generated_scopes_hold_everything_out_reads():
    """In every generated scope, every property path an out/ expression reads exists."""
    for expression in d.collect(OUT).expressions:
        for chain in set(_accessor_chains(expression.text)):
            for scope in d.scopes(expression):
                try:
                    evaluate(chain, scope)
                except EvaluationError as error:
                    pytest.fail(f"{chain} in {expression.text!r}: {error}")


def test_scopes_follow_declared_types_and_vary():
    """A declared Int parameter gets integers, a Lookup without firstRowOnly an array, values differ by scope."""
    expression = d.Expression(
        "@concat(string(pipeline().parameters.N), activity('L').output.value[0].id, variables('v'))",
        "test", "pipeline", (("N", "Int"),), (("v", "Array"),), (("L", "Lookup", False),))
    scopes = d.scopes(expression, 4)
    assert all(type(s.parameters["N"]) is int for s in scopes)
    assert all(isinstance(s.variables["v"], list) for s in scopes)
    assert all(isinstance(s.activities["L"]["output"]["value"], list) for s in scopes)
    assert all(s.activities["L"]["output"]["value"][0].keys() >= {"id"} for s in scopes)
    assert len({json.dumps(s.parameters["N"]) for s in scopes}) > 1


def test_clock_calls_become_the_fixed_instant():
    """utcNow(), getPastTime() and getFutureTime() are rewritten for both engines; other text stays as written."""
    now = d.FIXED_NOW
    assert d.engine_text("@utcNow()") == f"@'{now}'"
    assert d.engine_text("@formatDateTime(utcnow(), 'yyyy')") == f"@formatDateTime('{now}', 'yyyy')"
    assert d.engine_text("@utcNow('yyyy')") == f"@formatDateTime('{now}', 'yyyy')"
    assert d.engine_text("@getPastTime(1, 'Day')") == f"@subtractFromTime('{now}', 1, 'Day')"
    assert d.engine_text("@getFutureTime(2, 'Hour', 'o')") == f"@addToTime('{now}', 2, 'Hour', 'o')"
    assert d.engine_text("a @@{b} @{utcNow()}") == f"a @@{{b}} @{{'{now}'}}"
    assert d.engine_text("@concat( 'x' , item().y)") == "@concat( 'x' , item().y)"
    rewritten = d.engine_text("@utcNow().x")
    assert parse_value(rewritten) is not None and "string(" in rewritten


class _FakeOracle:
    def __init__(self, answer):
        self.answer = answer

    def evaluate(self, text, scope):
        return self.answer(text, scope)


def test_compare_tells_equal_differ_and_unsupported(monkeypatch):
    """The comparison is not blind: types count, a wrong value differs, an unimplemented function is unsupported."""
    expression = d.Expression("@pipeline().parameters.N", "test", "pipeline", (("N", "Int"),))
    same = _FakeOracle(lambda text, scope: ("ok", scope.parameters["N"]))
    as_float = _FakeOracle(lambda text, scope: ("ok", float(scope.parameters["N"])))
    failing = _FakeOracle(lambda text, scope: ("error", "nope"))
    assert d.compare(expression, same).status == "equal"
    assert d.compare(expression, as_float).status == "differ"
    assert d.compare(expression, failing).status == "differ"
    monkeypatch.delitem(IMPLEMENTATIONS, "pipeline")
    monkeypatch.setattr("adfgen.expressions.evaluator.lookup", lambda name: True)
    assert d.compare(expression, same).status == "unsupported"


def test_trigger_reads_reach_the_engine_as_pipeline_values():
    """The bare engine's trigger() is Logic Apps'; ADF's trigger object is handed over as pipeline().trigger."""
    form, reads = d.oracle_call("@triggerBody().fileName")
    assert reads and form == "@pipeline().trigger.outputs.body.fileName"
    assert d.oracle_call("@item()") == ("@item()", False)


def test_references_cover_what_the_parser_reports():
    """tests/differential's reference walk finds everything adfgen.expressions.references finds (plus the trigger)."""
    from adfgen.expressions import references

    for expression in d.collect(OUT).expressions:
        template = parse_value(expression.text)
        ours_ = {(k, n.lower() if n else None, tuple(map(str, p))) for k, n, p in d._references(template)}
        for ref in references(template):
            key = (ref.kind, ref.name.lower() if ref.name else None, tuple(map(str, ref.path_after)))
            assert key in ours_, (expression.text, ref)
