"""strip_interpolations' fast path (no `@{`: the text as it is) changes nothing: the same result as a plain
character-by-character reading, for any text over the characters that matter."""

from __future__ import annotations

from hypothesis import given, strategies as st

from adfgen.check.requests import strip_interpolations


def _by_character(text: str) -> str:
    """The reading spelled out: skip each `@{...}` with its nested braces, keep every other character."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("@{", i):
            depth, i = 1, i + 2
            while i < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


@given(st.text(alphabet="@{}ab x", max_size=30))
def test_the_same_as_reading_character_by_character(text):
    assert strip_interpolations(text) == _by_character(text)


def test_examples():
    assert strip_interpolations("a/{id}?q=@{pipeline().parameters.X}&p={page}") == "a/{id}?q=&p={page}"
    assert strip_interpolations("plain {x}") == "plain {x}"
