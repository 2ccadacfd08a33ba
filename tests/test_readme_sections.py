"""The README's generated sections (review of issue 12): each closing marker stands on a line of its own, so no
table row carries an HTML comment and every section reads the same way."""

from __future__ import annotations

import re
from pathlib import Path

from adfgen.spec.variants.docs import SECTIONS, regenerate

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_generated_section_closes_on_its_own_line():
    text = regenerate(README.read_text(encoding="utf-8"))
    for name in SECTIONS:
        (line,) = [line for line in text.splitlines() if f"<!-- /generated:{name} -->" in line]
        assert line == f"<!-- /generated:{name} -->", name


def test_a_table_without_a_final_newline_still_closes_on_its_own_line(monkeypatch):
    monkeypatch.setitem(SECTIONS, "sinks", lambda: "| a |\n| --- |")
    text = regenerate(README.read_text(encoding="utf-8"))
    assert re.search(r"\| --- \|\n<!-- /generated:sinks -->", text)
