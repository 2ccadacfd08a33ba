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


def test_se006_takes_a_type_that_is_not_a_string(tmp_path):
    """A `type` holding an object (as a corpus dataset's schema entries do) is no REST request, never a crash."""
    from tests.check_support import check_example

    example = {"dataset/ds_x": {"type": "Json", "schema": [{"name": "a", "type": {"kind": "object"}}]}}
    assert not [f for f in check_example(tmp_path, example, None) if "internal error" in f.message]
