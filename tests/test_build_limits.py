"""A build never writes a factory ADF would refuse to publish: its pipelines stay within ADF's documented limits."""

from __future__ import annotations

import pytest

from adfgen.build import refuse_beyond_limits
from adfgen.core import adf_limits
from adfgen.core.errors import AdfgenError
from adfgen.core.resources import Resource


def _waits(count: int) -> list[dict]:
    return [{"name": f"W{i}", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}} for i in range(count)]


def test_a_pipeline_within_the_limits_passes():
    """The most activities ADF allows is fine."""
    most = adf_limits.value("pipeline.activities")
    refuse_beyond_limits([Resource("pipeline", "pl_ok", {"activities": _waits(most)})])


def test_a_pipeline_beyond_a_limit_is_refused_with_the_limit_and_its_source():
    """One activity too many: the error names the pipeline, the count, ADF's limit and the documentation page."""
    most = adf_limits.value("pipeline.activities")
    with pytest.raises(AdfgenError) as caught:
        refuse_beyond_limits([Resource("pipeline", "pl_big", {"activities": _waits(most + 1)})])
    message = caught.value.render()
    assert f"pipeline pl_big has {most + 1} activities; ADF allows {most}" in message
    assert adf_limits.BY_KEY["pipeline.activities"].source in message
    assert "nothing was written" in message


def test_an_expression_too_long_is_refused():
    """An expression over 8,192 characters inside an activity is named with its activity."""
    long = "@concat('" + "x" * adf_limits.value("expression.length") + "')"
    activity = {"name": "Say", "type": "SetVariable", "typeProperties": {"variableName": "v", "value": long}}
    with pytest.raises(AdfgenError, match="activity 'Say': an expression of"):
        refuse_beyond_limits([Resource("pipeline", "pl_long", {"activities": [activity]})])


def test_a_factory_beyond_adfs_entity_limit_is_refused():
    """More resources than ADF allows in one factory: refused, with the way out (another factory.name)."""
    most = adf_limits.value("factory.entities")
    many = [Resource("dataset", f"ds_{i}", {"type": "Json"}) for i in range(most + 1)]
    with pytest.raises(AdfgenError, match=f"the factory has {most + 1:,} entities; ADF allows {most:,}"):
        refuse_beyond_limits(many)
    refuse_beyond_limits(many[:most])


def test_check_reports_an_expression_too_long_at_its_value(tmp_path):
    """LM001 in any folder: a 9,000-character expression is an error at that value, citing ADF's limit."""
    from tests.check_support import check_example

    long = "@concat('" + "x" * adf_limits.value("expression.length") + "')"
    example = {"pipeline/pl_long": {"activities": [
        {"name": "Say", "type": "SetVariable", "typeProperties": {"variableName": "v", "value": long}}],
        "variables": {"v": {"type": "String"}}}}
    (finding,) = [f for f in check_example(tmp_path, example, None) if f.code == "LM001"]
    assert finding.severity == "error" and "typeProperties.value" in finding.path
    assert f"an expression of {len(long)} characters; ADF allows {adf_limits.value('expression.length')}" \
        in finding.message
