"""Precision of `adfgen check` on the labelled corpus findings (tests/check_precision_labels.py).

Every TRUE label must be reported with its severity, no FALSE label may be reported, and the suite prints
`precision: errors T/N, warnings T/N` over the labelled findings `check` reports (T: judged true).
Run: python -m pytest -q -n0 -s tests/test_check_precision.py
"""

from __future__ import annotations

import pytest

from tests.check_corpus import corpus_findings
from tests.check_precision_labels import LABELS, Label
from tests.check_support import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")


@pytest.fixture(scope="module")
def findings():
    _, found = corpus_findings()
    return found


def _relative(file: str) -> str:
    marker = "adf-public/"
    return file[file.index(marker) + len(marker):] if marker in file else file


def matches(label: Label, finding) -> bool:
    """The finding is the one the label judges: same file and code, `where` in its path or message."""
    return (_relative(finding.file) == label.file and finding.code == label.code
            and (label.where in finding.path or label.where in finding.message))


def test_labels_are_many_and_distinct():
    assert len(LABELS) >= 46
    assert len({(label.file, label.code, label.where) for label in LABELS}) == len(LABELS)
    assert all(label.reason for label in LABELS)
    for label in LABELS:
        assert (CORPUS / label.file).is_file(), label.file


@pytest.mark.parametrize("label", LABELS, ids=[f"{'T' if lb.true else 'F'}-{lb.code}-{lb.where}" for lb in LABELS])
def test_label(findings, label):
    hits = [f for f in findings if matches(label, f)]
    if label.true:
        assert hits, f"{label.code} not reported in {label.file} ({label.where}): {label.reason}"
        assert {f.severity for f in hits} == {label.severity}, (hits, label.reason)
    else:
        assert not hits, f"false finding reported ({label.reason}): {hits}"


def test_precision(findings):
    """Over the labelled findings that `check` reports, how many are true, per severity."""
    counts = {"error": [0, 0], "warning": [0, 0]}
    for finding in findings:
        label = next((lb for lb in LABELS if matches(lb, finding)), None)
        if label is None:
            continue
        counts[finding.severity][1] += 1
        counts[finding.severity][0] += label.true
    errors, warnings = counts["error"], counts["warning"]
    print(f"\nprecision: errors {errors[0]}/{errors[1]}, warnings {warnings[0]}/{warnings[1]}")
    assert errors[0] == errors[1] and warnings[0] == warnings[1]
    assert errors[1] >= 30
