"""Regenerate the pinned corpus counts in tests/test_check_corpus.py (never edit them by hand).

Run from the repository root after reviewing the findings a rule change adds or removes:
    python tests/regen_check_corpus_counts.py
"""

from __future__ import annotations

import pprint
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.check_corpus import corpus_findings, count_by_code  # noqa: E402

TEST_FILE = Path(__file__).resolve().parent / "test_check_corpus.py"
BLOCK = re.compile(r"(# BEGIN GENERATED COUNTS\n).*?(# END GENERATED COUNTS\n)", re.DOTALL)


def main() -> None:
    _, findings = corpus_findings()
    counts = count_by_code(findings)
    literal = "PINNED_COUNTS = " + pprint.pformat(counts, width=100, sort_dicts=True) + "\n"
    text = TEST_FILE.read_text(encoding="utf-8")
    new_text, replaced = BLOCK.subn(lambda m: m.group(1) + literal + m.group(2), text)
    if replaced != 1:
        sys.exit(f"{TEST_FILE}: generated block not found")
    TEST_FILE.write_text(new_text, encoding="utf-8")
    print(f"{sum(counts.values())} findings over {len(counts)} code/severity pairs written to {TEST_FILE.name}")


if __name__ == "__main__":
    main()
