"""Check's cheap paths give the answers of the slow ones: strip_interpolations' fast path (no `@{`: the text as it
is) matches a character-by-character reading; SE006's gates neither crash on odd values nor let a sample word
("secret", "example") hide a random-looking key."""

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


def test_a_sample_word_does_not_hide_a_real_key(tmp_path):
    """A key holding 'secret' or 'example' is still a key: the word excuses only a value with nothing random in it."""
    from tests.check_support import check_example

    def se006(value: str) -> list:
        example = {"linkedService/ls_x": {"type": "AzureBlobStorage", "typeProperties": {"password": value}}}
        return [f for f in check_example(tmp_path / value[:8], example, None) if f.code == "SE006"]

    assert se006("exampleQ7f3Zk9Lm2Pq8Rt4Vb")  # a random-looking run with the word inside
    assert se006("secret-Ab3dE5fG7hJ9kL1mN0pQ")
    assert not se006("your-example-password")  # a sample value: nothing random
    assert not se006("<secret>")
