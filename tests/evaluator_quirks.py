"""Known, accepted differences between adfgen's evaluator and Microsoft's engine on the public corpus.

Each entry is (regular expression searched in the expression text, reason). The differential test
(tests/test_evaluator_differential.py) requires every corpus expression on which the two engines disagree to match
one entry, and every entry to still match a disagreement, so the table cannot go stale. A difference belongs here
only when adfgen is right about ADF and the oracle is not (the bare engine lacks an ADF feature), or when the
difference cannot be observed in ADF; everything else is a bug to fix in the library.
"""

from __future__ import annotations

import re

QUIRKS: list[tuple[str, str]] = []


def quirk_for(text: str) -> str | None:
    """The reason a known quirk explains a difference on text, or None."""
    for pattern, reason in QUIRKS:
        if re.search(pattern, text):
            return reason
    return None
