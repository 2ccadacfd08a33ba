"""The semantic diff (issue 17): hand-made before/after cases, their goldens, and the committed build's environments."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from adfgen.core.resources import Resource, load_git_folder
from adfgen.expressions import parse_value, unparse
from adfgen.review import diff_factories
from adfgen.review.pretty import pretty_expression
from tests.review_cases.regen import cases, outputs

REPO = Path(__file__).resolve().parent.parent
CASES = {case.name: case for case in cases()}


def changes_of(case: str):
    return diff_factories(load_git_folder(CASES[case] / "before"), load_git_folder(CASES[case] / "after"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_goldens_are_what_adfgen_prints_now(case):
    for name, text in outputs(CASES[case]).items():
        assert (CASES[case] / name).read_text(encoding="utf-8") == text, \
            f"{case}/{name} is stale: run python tests/review_cases/regen.py and review the diff"


def test_a_renamed_activity_is_one_rename_and_its_dependents_do_not_change():
    (change,) = changes_of("activity_renamed")
    assert (change.category, change.old, change.new) == ("activity", "Pace Copy", "Wait For Rate Limit")
    assert change.where == "Copy In Chunks / Wait For Rate Limit"


def test_a_flipped_condition_shows_old_and_new_conditions():
    (change,) = changes_of("condition_flipped")
    assert (change.category, change.old, change.new) == ("dependency", ["Completed"], ["Succeeded"])
    assert change.where == "Check Window Landed" and "Copy In Chunks" in change.summary


def test_a_dropped_secure_flag_is_security_relevant():
    (change,) = changes_of("secure_flag_dropped")
    assert change.security and change.summary == "secureOutput turned off"
    assert (change.old, change.new) == (True, False) and change.where == "Copy In Chunks / Get Access Token"


def test_a_pagination_rule_change_names_the_rule_and_both_values():
    changes = changes_of("pagination_rule_changed")
    assert {c.category for c in changes} == {"pagination"}
    by_rule = {c.where.split("paginationRules", 1)[1]: (c.old, c.new) for c in changes}
    assert by_rule['["EndCondition:$.Invoices"]'] == ("Empty", "NonExist")
    assert by_rule[".MaxRequestNumber"] == ("@variables('ChunkPages')", "@add(int(variables('ChunkPages')), 1)")


def test_a_secret_newly_stored_in_a_variable_and_a_new_host_come_first():
    secret = changes_of("secret_through_variable")
    assert secret[0].security and "'Get Access Token'" in secret[0].summary and "'Token'" in secret[0].summary
    assert [c.security for c in secret] == [True, False, False]
    host = changes_of("new_outbound_host")
    assert host[0].security and host[0].summary == "new outbound host connections.example.net"
    assert {c.category for c in host[1:]} == {"url", "policy"}


def test_reading_only_a_secrets_metadata_is_not_a_secret_flow():
    before = load_git_folder(CASES["secret_through_variable"] / "before")
    after = copy.deepcopy([r.to_git() for r in load_git_folder(CASES["secret_through_variable"] / "after")])
    text = json.dumps(after).replace("activity('Get Access Token').output.value",
                                     "activity('Get Access Token').output.attributes.exp")
    changes = diff_factories(before, [Resource("pipeline", d["name"], d["properties"]) for d in json.loads(text)])
    assert not any(c.security for c in changes)


def test_a_trigger_schedule_change_is_a_schedule_change():
    (change,) = changes_of("trigger_schedule_changed")
    assert (change.kind, change.category, change.old, change.new) == ("trigger", "schedule", [6], [5, 17])


def test_identical_builds_have_no_changes_and_resources_added_or_removed_are_named():
    resources = load_git_folder(REPO / "out" / "adf-xero-dev")
    assert diff_factories(resources, resources) == []
    removed = diff_factories(resources, [r for r in resources if r.name != "pl_xero_slot"])
    assert [c.summary for c in removed] == ["pipeline 'pl_xero_slot' removed"]


def test_the_committed_builds_dev_to_prod_diff_is_the_golden():
    from tests.review_cases.regen import OUT_GOLDEN, out_golden

    assert OUT_GOLDEN.read_text(encoding="utf-8") == out_golden(), \
        "tests/review_cases/out_dev_to_prod.md is stale: run python tests/review_cases/regen.py and review the diff"


def test_dev_to_prod_differs_only_in_environment_values():
    """An oracle the build gives: the environments share one template, so every change carries an env value."""
    dev = load_git_folder(REPO / "out" / "adf-xero-dev")
    prod = load_git_folder(REPO / "out" / "adf-xero-prod")
    changes = diff_factories(dev, prod)
    assert changes
    for change in changes:
        text = json.dumps([change.summary, change.old, change.new])
        assert "prod" in text, change
    assert all(c.category in ("security", "setting", "url") for c in changes)
    new_hosts = {c.summary.rsplit(" ", 1)[1] for c in changes if c.security}
    assert new_hosts and all("prod" in host for host in new_hosts)


@pytest.mark.parametrize("text", [
    "@concat('RANGE:', string(add(1, int(variables('ChunkStart')))), ':', string(add(1, sub(add(int(variables("
    "'ChunkStart')), int(variables('ChunkPages'))), 1))), ':1')",
    "Bearer @{activity('Get Access Token').output.value} then @{concat('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', "
    "'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', pipeline().parameters.Name)} and @@{literal}",
    "@activity('Copy Chunk')?.output?['rowsCopied']"])
def test_pretty_expressions_parse_back_to_the_same_expression(text):
    pretty = pretty_expression(text)
    assert all(len(line) <= 80 for line in pretty.splitlines())

    def canonical(value):
        return [p if isinstance(p, str) else unparse(p) for p in parse_value(value).parts]

    assert canonical(pretty) == canonical(text)


def test_inline_credentials_are_reported_changed_without_their_values():
    def linked(password: str, key: str) -> Resource:
        return Resource("linkedService", "ls_sql", {"type": "AzureSqlDatabase", "typeProperties": {
            "connectionString": f"Server=s;Password={password}", "password": {"type": "SecureString", "value": password},
            "servicePrincipalKey": key}, "parameters": {"ApiKey": {"type": "String", "defaultValue": key}}})

    changes = diff_factories([linked("old-pw-1", "old-key-2")], [linked("new-pw-3", "new-key-4")])
    assert sorted(c.where for c in changes) == ["parameters.ApiKey.defaultValue", "typeProperties.connectionString",
                                                "typeProperties.password.value", "typeProperties.servicePrincipalKey"]
    text = json.dumps([c.to_json() for c in changes])
    assert not any(v in text for v in ("old-pw-1", "old-key-2", "new-pw-3", "new-key-4"))
    assert all((c.old, c.new) == ("(secret value hidden)", "(secret value hidden)") for c in changes)
    plain = diff_factories([Resource("pipeline", "p", {"variables": {"Token": {"type": "String"}}})],
                           [Resource("pipeline", "p", {"variables": {"Token": {"type": "Array"}}})])
    assert [(c.old, c.new) for c in plain] == [("String", "Array")]  # a variable named Token is not a secret
