"""Unit tables for the Python-built fragments: pagination rules, literals, URLs, intervals."""

from __future__ import annotations

import pytest

from adfgen.build import fragments as fx
from adfgen.spec.model import (CursorPagination, LinkHeaderPagination, NextUrlPagination, NoPagination,
                               OffsetLimitPagination, PageNumberPagination)

PAGINATION = [
    (PageNumberPagination(kind="page_number"), "$.items",
     ["page={page}"], {"QueryParameters.{page}": "RANGE:1::1", "EndCondition:$.items": "Empty",
                       "MaxRequestNumber": "1000"}),
    (PageNumberPagination(kind="page_number", param="p", start=0, page_size_param="size", page_size=50,
                          stop_when={"path": "$.last", "equals": "true"}, max_requests=20), None,
     ["p={page}", "size=50"], {"QueryParameters.{page}": "RANGE:0::1", "EndCondition:$.last": "Const:true",
                               "MaxRequestNumber": "20"}),
    (OffsetLimitPagination(kind="offset_limit", limit=1000, offset_param="sysparm_offset",
                           limit_param="sysparm_limit"), "$.result",
     ["sysparm_offset={offset}", "sysparm_limit=1000"],
     {"QueryParameters.{offset}": "RANGE:0::1000", "EndCondition:$.result": "Empty", "MaxRequestNumber": "1000"}),
    (CursorPagination(kind="cursor", param="after", cursor_path="$.paging.next.after"), "$.results",
     [], {"QueryParameters.after": "$.paging.next.after", "EndCondition:$.paging.next.after": "NonExist",
          "MaxRequestNumber": "1000"}),
    (NextUrlPagination(kind="next_url", next_url_path="$['@odata.nextLink']", max_requests=5), "$.value",
     [], {"AbsoluteUrl": "$['@odata.nextLink']", "EndCondition:$['@odata.nextLink']": "NonExist",
          "MaxRequestNumber": "5"}),
    (LinkHeaderPagination(kind="link_header"), None, [], {"SupportRFC5988": "true", "MaxRequestNumber": "1000"}),
    (NoPagination(kind="none"), None, [], {"SupportRFC5988": "false", "MaxRequestNumber": "1"}),
]


@pytest.mark.parametrize("spec, records, query, rules", PAGINATION, ids=[p[0].kind + str(i) for i, p in enumerate(PAGINATION)])
def test_pagination_maps_to_adf_rules(spec, records, query, rules):
    assert fx.pagination(spec, records) == (query, rules)


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
