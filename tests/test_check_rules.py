"""Every rule's docstring examples are its test cases: the Bad example must trigger it, the Good one must not."""

from __future__ import annotations

import pytest

from adfgen.check.rules import RULE_CLASSES, RULES, rule_examples
from adfgen.check.schema import load_schema_validator
from tests.check_support import SCHEMA_DIR, check_example

JSON_EXAMPLES = [(cls.code, label, example) for cls in RULE_CLASSES
                 for label, example in rule_examples(cls) if isinstance(example, dict)]


@pytest.fixture(scope="module")
def schema():
    return load_schema_validator(SCHEMA_DIR)


def test_every_rule_is_documented_with_examples():
    assert len(RULES) == len(RULE_CLASSES), "rule codes must be unique"
    for cls in RULE_CLASSES:
        labels = [label for label, _ in rule_examples(cls)]
        assert cls.code and cls.name and cls.message and cls.severity in ("error", "warning"), cls
        assert "bad" in labels and "good" in labels, f"{cls.code} needs a Bad: and a Good: example"
        assert "\n" not in cls.message


def test_examples_are_json_except_for_spec_rules():
    prose = {cls.code for cls in RULE_CLASSES for _, ex in rule_examples(cls) if not isinstance(ex, dict)}
    assert prose == {"SP001", "SP002", "SP003"}  # these take specs and out/, tested in test_check_project.py


@pytest.mark.parametrize("code,label,example", JSON_EXAMPLES,
                         ids=[f"{c}-{l}" for c, l, _ in JSON_EXAMPLES])
def test_rule_example(tmp_path, schema, code, label, example):
    findings = check_example(tmp_path, example, schema)
    crashes = [f for f in findings if "internal error" in f.message]
    assert not crashes, crashes
    hits = [f for f in findings if f.code == code]
    if label == "bad":
        assert hits, f"{code} did not fire on its Bad example; findings: {findings}"
    else:
        assert not hits, f"{code} fired on its Good example: {hits}"
        errors = [f for f in findings if f.severity == "error"]
        assert not errors, f"the Good example of {code} has other errors: {errors}"


def test_docs_are_generated_from_the_rules():
    from adfgen.check.docs import render_markdown
    from tests.check_support import REPO

    assert (REPO / "docs" / "check.md").read_text(encoding="utf-8") == render_markdown(), \
        "docs/check.md is stale: python -m adfgen.check.docs > docs/check.md"
