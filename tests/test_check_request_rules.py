"""RQ rules (issue 12): REST requests that run but ask for the wrong thing, in any ADF folder.

Each rule's Bad/Good docstring examples run in tests/test_check_rules.py; these cases cover how a request is
resolved (dataset and linked service parameters, legacy dataset rules, expressions) and the rules' boundaries."""

from __future__ import annotations

import copy

import pytest

from adfgen.build import build_factories
from adfgen.check.engine import run_checks
from adfgen.check.requests import placeholders, query_keys, query_pairs
from adfgen.check.sources import load_git_factory
from tests.check_support import REPO, check_example, write_factory

REST = {
    "dataset/ds_rest": {"type": "RestResource",
                        "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference",
                                              "parameters": {"Host": "@dataset().Host"}},
                        "parameters": {"RelativeUrl": {"type": "String"}, "Host": {"type": "String",
                                                                                    "defaultValue": "api"}},
                        "typeProperties": {"relativeUrl": {"value": "@dataset().RelativeUrl", "type": "Expression"}}},
    "dataset/ds_out": {"type": "Json", "linkedServiceName": {"referenceName": "ls_lake", "type": "LinkedServiceReference"},
                       "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw"}}},
    "linkedService/ls_rest": {"type": "RestService", "parameters": {"Host": {"type": "String"}},
                              "typeProperties": {"url": "@{concat('https://', linkedService().Host, '.example.com/')}",
                                                 "authenticationType": "Anonymous"}},
    "linkedService/ls_lake": {"type": "AzureBlobFS", "typeProperties": {"url": "https://st.dfs.core.windows.net/"}},
}


def factory(relative_url, rules=None, headers=None, parameters=None, extra_inputs=None, dataset_rules=None,
            activities=()):
    """A pipeline with one Copy from ds_rest (RelativeUrl given) plus `activities`."""
    example = copy.deepcopy(REST)
    source = {"type": "RestSource"}
    if rules is not None:
        source["paginationRules"] = rules
    if headers is not None:
        source["additionalHeaders"] = headers
    if dataset_rules is not None:
        example["dataset/ds_rest"]["typeProperties"]["paginationRules"] = dataset_rules
    example["pipeline/pl_load"] = {
        "parameters": parameters or {},
        "activities": [{"name": "Copy Items", "type": "Copy",
                        "inputs": [{"referenceName": "ds_rest", "type": "DatasetReference",
                                    "parameters": {"RelativeUrl": relative_url, **(extra_inputs or {})}}],
                        "outputs": [{"referenceName": "ds_out", "type": "DatasetReference"}],
                        "typeProperties": {"source": source, "sink": {"type": "JsonSink"}}}, *activities]}
    return example


def codes(tmp_path, example, prefix="RQ"):
    return sorted((f.code, f.message) for f in check_example(tmp_path, example, None) if f.code.startswith(prefix))


def only(tmp_path, example, code):
    return [m for c, m in codes(tmp_path, example) if c == code]


END = {"EndCondition:$.items": "Empty", "MaxRequestNumber": "100"}


def test_placeholders_are_read_in_literals_and_expression_strings_but_not_interpolations():
    assert placeholders("items/{id}?x={page}") == ["id", "page"]
    assert placeholders("@concat('items?offset={offset}&since=', pipeline().parameters.W)") == ["offset"]
    assert placeholders("items?since=@{pipeline().parameters.W}") == []


def test_query_keys_skip_expression_built_names():
    assert query_keys("items?limit=10&@{x}=1&page={page}") == ["limit", "page"]


@pytest.mark.parametrize("key", ["QueryParameters.{offset}", "AbsoluteUrl.{offset}", "QueryParameters['{offset}']"])
def test_a_placeholder_a_range_rule_fills_is_fine(tmp_path, key):
    assert codes(tmp_path, factory("items?offset={offset}", {key: "RANGE:0::100", **END})) == []


def test_a_placeholder_in_a_header_filled_by_a_headers_rule_is_fine(tmp_path):
    example = factory("items", {"Headers.{id}": "RANGE:1:10:1", **END}, headers={"X-Page": "{id}"})
    assert codes(tmp_path, example) == []


def test_a_placeholder_in_the_base_url_is_found_through_the_linked_service_parameters(tmp_path):
    example = factory("items", extra_inputs={"Host": "{tenant}"})
    (message,) = only(tmp_path, example, "RQ001")
    assert "{tenant} in linkedService parameter Host (the base URL (linked service ls_rest))" in message


def test_legacy_rules_on_the_dataset_fill_placeholders(tmp_path):
    example = factory("items?page={page}", dataset_rules={"QueryParameters.{page}": "RANGE:1::1", **END})
    assert codes(tmp_path, example) == []


def test_a_range_rule_built_by_an_expression_counts_as_a_range(tmp_path):
    rule = {"value": "@concat('RANGE:', '1', ':', '5', ':1')", "type": "Expression"}
    assert codes(tmp_path, factory("items?page={page}", {"QueryParameters.{page}": rule, **END})) == []


def test_an_encoded_placeholder_is_reported_even_with_a_rule_for_its_name(tmp_path):
    example = factory("items?offset=%7Boffset%7D", {"QueryParameters.{offset}": "RANGE:0::100", **END})
    assert only(tmp_path, example, "RQ002") and only(tmp_path, example, "RQ004")


def test_a_parameter_in_the_url_and_set_again_by_a_rule_is_given_twice(tmp_path):
    example = factory("items?cursor=", {"QueryParameters.cursor": "$.next", **END})
    (message,) = only(tmp_path, example, "RQ003")
    assert "'cursor' is in the relative URL (dataset ds_rest) and set again by the pagination rule" in message


def test_headers_differing_only_in_case_are_given_twice(tmp_path):
    example = factory("items", headers={"Accept": "application/json", "accept": "text/csv"})
    assert len(only(tmp_path, example, "RQ003")) == 1


def test_a_headers_range_rule_without_its_placeholder_in_a_header_changes_nothing(tmp_path):
    example = factory("items?id={id}", {"Headers.{id}": "RANGE:1:10:1", **END})
    (message,) = only(tmp_path, example, "RQ004")
    assert "advances {id}, which a header value never contains" in message


WATERMARK = {"Watermark": {"type": "String", "defaultValue": "2024-01-01T00:00:00Z"}}


def test_a_watermark_passed_to_a_child_pipeline_is_sent(tmp_path):
    run = {"name": "Run Child", "type": "ExecutePipeline",
           "typeProperties": {"pipeline": {"referenceName": "pl_load", "type": "PipelineReference"},
                              "parameters": {"Since": "@pipeline().parameters.Watermark"}}}
    example = factory("items", parameters=WATERMARK, activities=[run])
    assert only(tmp_path, example, "RQ005") == []


def test_a_watermark_no_request_sends_is_reported_on_the_parameter(tmp_path):
    findings = [f for f in check_example(tmp_path, factory("items", parameters=WATERMARK), None) if f.code == "RQ005"]
    assert len(findings) == 1 and "parameter 'Watermark' holds a watermark" in findings[0].message


def test_where_a_watermark_is_kept_is_not_a_watermark(tmp_path):
    example = factory("items", parameters={"HighWatermarkBlobDirectory": {"type": "String"}})
    assert codes(tmp_path, example) == []


def test_a_watermark_sent_through_a_variable_counts(tmp_path):
    set_variable = {"name": "Set Since", "type": "SetVariable",
                    "typeProperties": {"variableName": "since", "value": "@pipeline().parameters.Watermark"}}
    example = factory({"value": "@concat('items?updated_since=', variables('since'))", "type": "Expression"},
                      parameters=WATERMARK, activities=[set_variable])
    example["pipeline/pl_load"]["variables"] = {"since": {"type": "String"}}
    assert codes(tmp_path, example) == []


def test_a_watermark_given_to_a_dataset_parameter_the_dataset_never_sends(tmp_path):
    example = factory("items", parameters=WATERMARK, extra_inputs={"Since": "@pipeline().parameters.Watermark"})
    example["dataset/ds_rest"]["parameters"]["Since"] = {"type": "String"}
    (message,) = only(tmp_path, example, "RQ006")
    assert "dataset parameter 'Since' of ds_rest, which its relative URL and linked service parameters never use" \
        in message


def test_a_fixed_date_in_an_odata_filter_is_blind_to_the_watermark(tmp_path):
    example = factory("items?$filter=lastModifiedDateTime gt 2024-01-01T00:00:00Z", parameters=WATERMARK,
                      headers={"X-Since": "@pipeline().parameters.Watermark"})
    (message,) = only(tmp_path, example, "RQ006")
    assert "the time filter $filter=" in message


def test_the_query_ends_at_the_fragment():
    """A fragment is never sent (RFC 3986 §3.5): nothing after `#` is a query parameter, a `?` there included."""
    assert query_pairs("items?a=1&b=2#c=3&a=4") == [("a", "1"), ("b", "2")]
    assert query_keys("items?a=1#a=2") == ["a"]
    assert query_pairs("items#section?since=2024-01-01") == []


def test_a_fixed_date_in_a_fragment_is_not_sent_so_not_reported(tmp_path):
    headers = {"X-Since": "@pipeline().parameters.Watermark"}
    sent = factory("items?since=2024-01-01", parameters=WATERMARK, headers=headers)
    assert len(only(tmp_path / "sent", sent, "RQ006")) == 1  # the same date before the `#` is reported
    example = factory("items?page=1#top&since=2024-01-01", parameters=WATERMARK, headers=headers)
    assert only(tmp_path / "fragment", example, "RQ006") == []
    assert only(tmp_path / "twice", factory("items?page=1#top&page=2"), "RQ003") == []


def test_adfgens_own_builds_have_no_request_findings(tmp_path):
    """The shipped spec's build: chunked RANGE rules (expressions), identity headers, watermarks in filters."""
    (build,) = build_factories([REPO / "specs" / "xero.yaml"])
    folder = tmp_path / build.name
    for rel, data in build.files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    findings = run_checks([load_git_factory(folder, complete=True)], None)
    assert [f for f in findings if f.code.startswith("RQ")] == []


def test_write_factory_helper_round_trips(tmp_path):
    assert (write_factory(tmp_path / "f", factory("items")) / "pipeline" / "pl_load.json").is_file()
