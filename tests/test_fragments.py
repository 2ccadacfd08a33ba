"""Unit tables for the Python-built fragments: pagination rules, literals, URLs, intervals."""

from __future__ import annotations

import pytest

from adfgen.build import fragments as fx
from adfgen.spec.variants.pagination import KINDS


def unit(**fields):
    """A pagination unit from spec fields, validated as the spec model does."""
    return KINDS.get(fields["kind"]).model_validate(fields)


PAGINATION = [
    (unit(kind="page_number"), "$.items",
     [("page", "{page}")], {"QueryParameters.{page}": "RANGE:1::1", "EndCondition:$.items": "Empty",
                            "MaxRequestNumber": "1000"}),
    (unit(kind="page_number", param="p", start=0, page_size_param="size", page_size=50,
          stop_when={"path": "$.last", "equals": "true"}, max_requests=20), None,
     [("p", "{page}"), ("size", "50")], {"QueryParameters.{page}": "RANGE:0::1", "EndCondition:$.last": "Const:true",
                                         "MaxRequestNumber": "20"}),
    (unit(kind="offset_limit", limit=1000, offset_param="sysparm_offset", limit_param="sysparm_limit"), "$.result",
     [("sysparm_offset", "{offset}"), ("sysparm_limit", "1000")],
     {"QueryParameters.{offset}": "RANGE:0::1000", "EndCondition:$.result": "Empty", "MaxRequestNumber": "1000"}),
    (unit(kind="position", page_size=1000, stop_when={"path": "$.QueryResponse.Invoice", "is": "missing"}), None,
     [], {"QueryParameters.{position}": "RANGE:1::1000", "EndCondition:$.QueryResponse.Invoice": "NonExist",
          "MaxRequestNumber": "1000"}),
    (unit(kind="cursor", param="after", cursor_path="$.paging.next.after"), "$.results",
     [], {"QueryParameters.after": "$.paging.next.after", "EndCondition:$.paging.next.after": "NonExist",
          "MaxRequestNumber": "1000"}),
    (unit(kind="cursor", param="X-Cursor", cursor_path="$.next", send_in="header"), "$.results",
     [], {"Headers.X-Cursor": "$.next", "EndCondition:$.next": "NonExist", "MaxRequestNumber": "1000"}),
    (unit(kind="next_url", next_url_path="$['@odata.nextLink']", max_requests=5), "$.value",
     [], {"AbsoluteUrl": "$['@odata.nextLink']", "EndCondition:$['@odata.nextLink']": "NonExist",
          "MaxRequestNumber": "5"}),
    (unit(kind="link_header"), None, [], {"SupportRFC5988": "true", "MaxRequestNumber": "1000"}),
    (unit(kind="none"), None, [], {"SupportRFC5988": "false", "MaxRequestNumber": "1"}),
]


@pytest.mark.parametrize("spec, records, query, rules", PAGINATION, ids=[p[0].kind + str(i) for i, p in enumerate(PAGINATION)])
def test_pagination_maps_to_adf_rules(spec, records, query, rules):
    assert fx.pagination(spec, records) == (query, rules)


def test_every_registered_kind_has_a_rule_table_row():
    """A new kind needs a row above: the table is the kinds' contract with ADF."""
    assert {p[0].kind for p in PAGINATION} == set(KINDS.names())


@pytest.mark.parametrize("target", ["QueryParameters", "AbsoluteUrl", "Headers"])
def test_a_chunk_pages_its_range_from_the_pages_done_wherever_the_placeholder_sits(target):
    """The chunk RANGE is start + done*step .. start + (done+pages-1)*step, under the key of the placeholder's part;
    evaluated by Microsoft's engine-checked evaluator for 3 pages done and 4 to go."""
    from adfgen.expressions.evaluator import Scope, evaluate

    _, rules = fx.chunk_pagination(unit(kind="position", start=1, page_size=1000), "$.x", "Done", "Pages", target)
    scope = Scope(variables={"Done": "3", "Pages": "4"})
    assert evaluate(rules[f"{target}.{{position}}"]["value"], scope) == "RANGE:3001:6001:1000"
    assert evaluate(rules["MaxRequestNumber"]["value"], scope) == "4"


@pytest.mark.parametrize("text, expected", [
    ("plain", "plain"), ("@not-an-expression", "@@not-an-expression"), ("a @{b}", "a @@{b}"),
    ("@{x}", "@@{x}"), ("@a @{b}", "@@a @{b}"), ("mail@example.com", "mail@example.com")])
def test_literals_are_escaped_so_adf_does_not_evaluate_them(text, expected):
    from adfgen.expressions import parse_value

    escaped = fx.literal(text)
    assert escaped == expected
    parsed = parse_value(escaped)  # the project's parser, checked against Microsoft's engine, reads it back
    assert parsed is None and escaped == text or parsed.literal == text


# a whole share of the minute per lane, plus 2% headroom (tests/test_pacing.py checks the limit by simulation)
@pytest.mark.parametrize("rpm, lanes, interval", [(60, 5, "00:00:05.100"), (60, 1, "00:00:01.020"),
                                                   (600, 1, "00:00:00.102"), (100000, 1, "00:00:00.010"),
                                                   (1, 1, "00:01:01.200"), (60, 7, "00:00:07.650")])
def test_request_interval_keeps_all_lanes_under_the_rate_limit(rpm, lanes, interval):
    assert fx.request_interval(rpm, lanes) == interval


@pytest.mark.parametrize("path, reference", [("$.Invoices", "$['Invoices']"), ("$.a.b", "$['a']['b']"),
                                             ("$['@odata']", "$['@odata']")])
def test_collection_reference(path, reference):
    assert fx.collection_reference(path) == reference


def test_quote_literal_doubles_quotes():
    assert fx.quote_literal("Baba's") == "'Baba''s'"


def test_form_body_encodes_every_dynamic_value():
    body = fx.form_body([("grant_type=password", None), ("username", "u"), ("password", "p"), ("scope=a%20b", None)])
    assert body == {"type": "Expression", "value":
                    "@concat('grant_type=password&username=', uriComponent(u), '&password=', uriComponent(p), "
                    "'&scope=a%20b')"}
