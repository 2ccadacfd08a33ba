"""Random conversions against Microsoft's engine (Hypothesis): string/int/float/bool/json/base64/uriComponent/xml.

Arguments are random text (any Unicode but lone surrogates, quotes, white space, digits and separators), numbers
(64-bit integers, finite doubles), and JSON documents built from random JSON values, handed over as literals, as
pipeline parameters, through json('...') and through createArray(...). Each example must give the engine's value
(with its JSON type) or fail where the engine fails. Disagreements adfgen keeps on purpose are KNOWN_QUIRKS.
"""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from adfgen.expressions.errors import ExpressionError
from adfgen.expressions.evaluator import Scope, evaluate
from tests.test_evaluator_cases import typed

KNOWN_QUIRKS = {
    "non-finite result": (
        "A result that is (or holds) an infinite or NaN double comes out of the engine as the string 'Infinity', "
        "'-Infinity' or 'NaN' (its result writer's choice); adfgen keeps the double (float('inf'), float('nan')), "
        "which is what the engine computes with: string() of it gives the same text on both sides."
    ),
    "result not JSON": (
        "json() of text with 'undefined', an empty array slot ('[1,,2]'), a comment inside a container or "
        "'new Date(...)' gives the engine a value its result writer does not write as JSON, so the oracle cannot "
        "read it; adfgen reads these as errors (empty slots, undefined) or skips the comment."
    ),
    "comments": (
        "Newtonsoft keeps a comment inside an array or object as a token, and string() writes it back ('[1 // c' "
        "gives '[1/* c*/]'); adfgen skips comments, as JSON has none."
    ),
    "undefined": (
        "Newtonsoft reads an empty array slot ('[,]', '[1,,2]') or a lone ',' as an 'undefined' token, which "
        "string() writes as the word undefined (or null); adfgen has no such value and refuses the text instead "
        "(a JSON document with an empty slot is not valid JSON, and nothing adfgen generates writes one)."
    ),
}

_SETTINGS = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text: any character but lone surrogates, weighted toward what conversions care about.
_SPECIAL = "0123456789+-.,eE xX'\"\\/%&<>#?=@{}[]:;\t\n\r\u00a0\u2028\u2029\u0085éß✓😀𝐀\u0000\u001f\u007f"
texts = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=_SPECIAL, max_size=12),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
)
integers = st.one_of(st.integers(-1000, 1000), st.integers(-(2**63), 2**63 - 1))
floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.1, 1e15, 1e16, 1e17, 1e-5, 1e-4, 123456789012345.6, -0.0, 1 / 3, 1e20, 2.5, 5e-324]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), integers, floats, texts),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)

# Number-like text: the shapes int() and float() must tell apart.
_SPACES = st.sampled_from(["", " ", "  ", "\t", "\n", "\u00a0"])
number_texts = st.one_of(
    st.builds(
        lambda before, sign, whole, point, fraction, exponent, after: (
            f"{before}{sign}{whole}{point}{fraction}{exponent}{after}"
        ),
        _SPACES,
        st.sampled_from(["", "+", "-", "--", "\u2212"]),
        st.one_of(st.from_regex(r"[0-9]{0,3}(,[0-9]{0,3}){0,2}", fullmatch=True), st.integers(0, 10**20).map(str)),
        st.sampled_from(["", ".", ","]),
        st.from_regex(r"[0-9]{0,4}", fullmatch=True),
        st.sampled_from(["", "e3", "E-2", "e+400", "e-400", "e", "e1.5"]),
        _SPACES,
    ),
    st.sampled_from(["NaN", "nan", "-NaN", "Infinity", "-infinity", "+Infinity", "∞", "-∞", "0x1F", "1_000"]),
    texts,
)


@st.composite
def lenient_json(draw) -> str:
    """JSON text bent the ways Newtonsoft forgives or refuses: quotes, bare names, trailing commas, cut short."""
    # No characters beyond the BMP: Newtonsoft reads by UTF-16 unit, so an error message quoting the character it
    # stopped at can carry half of a surrogate pair, which crashes the .NET-to-Python bridge (pythonnet) outright.
    text = re.sub("[\U00010000-\U0010ffff]", "x", json.dumps(draw(json_values), ensure_ascii=False))
    for change in draw(st.lists(st.sampled_from(["quote", "bare", "comma", "cut", "space", "tail", "comment"]),
                                max_size=3)):
        if change == "quote":
            text = text.replace('"', "'")
        elif change == "bare":
            text = text.replace('{"', "{").replace('":', ":")
        elif change == "comma":
            text = text.replace("]", ",]").replace("}", ",}")
        elif change == "cut":
            text = text[: draw(st.integers(0, len(text)))]
        elif change == "space":
            text = f"\u00a0 {text}\t\r\n"
        elif change == "tail":
            text += draw(st.sampled_from([" x", "]", "}", " 1", ",", " // c", " /* c */"]))
        else:
            text = "/* c */" + text
    return text


# JSON objects for xml(): element names that need encoding, text and one attribute (attribute arrays are left out:
# Newtonsoft's handling of them depends on its reader state, see adfgen/expressions/library/xmlvalues.py).
_XML_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-1000, 1000), st.sampled_from([1.5, 0.1, 1e20, -0.0]),
    st.text(alphabet="ab <&>\"'é", max_size=4),
)
xml_values = st.recursive(
    _XML_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.builds(lambda members, attribute: {**attribute, **members},
                  st.dictionaries(st.sampled_from(["a", "b", "x y", "1a", "é", "#text"]), children, max_size=3),
                  st.dictionaries(st.just("@x"), _XML_SCALARS, max_size=1)),
    ),
    max_leaves=8,
)
xml_documents = st.dictionaries(st.sampled_from(["a", "x y", "é"]), xml_values, min_size=1, max_size=2)
XPATHS = ["//*", "count(//*)", "//text()", "string(/*)", "//@x", "sum(//a)", "boolean(//b)"]

cultures = st.one_of(
    st.sampled_from(["", "en-US", "de-DE", "fr-FR", "de-CH", "sv-SE", "ar-SA", "ja-JP", "xx-XX", "de", "C", "root"]),
    st.from_regex(r"[a-zA-Z0-9]{0,13}([-_ ][a-zA-Z0-9]{0,3}){0,2}", fullmatch=True),
)


def literal(value: Any) -> str:
    """value written as an expression literal (floats and big numbers go through json(), which reads them all)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, float) or not -(2**31) <= value < 2**31:
        return f"json('{json.dumps(value)}')"
    return str(value)


def argument(draw, value: Any, parameters: dict[str, Any]) -> str:
    """An argument text for value: a literal, createArray(...), json('...') or a pipeline parameter."""
    how = draw(st.sampled_from(["literal", "parameter", "json"]))
    if isinstance(value, list) and value and how == "literal":
        return "createArray(" + ", ".join(argument(draw, item, parameters) for item in value) + ")"
    if how == "json" or (how == "literal" and isinstance(value, (list, dict))):
        text = json.dumps(value, ensure_ascii=draw(st.booleans()))
        return "json(" + literal(text) + ")"
    name = f"p{len(parameters)}"
    parameters[name] = value
    return f"pipeline().parameters.{name}"


@st.composite
def conversions(draw) -> tuple[str, dict[str, Any]]:
    """One conversion expression and the parameters it reads."""
    parameters: dict[str, Any] = {}
    kind = draw(st.sampled_from([
        "string", "int", "float", "float culture", "bool", "json", "json text", "json lenient", "base64",
        "base64 round trip",
        "base64 decode", "uri", "uri round trip", "uri decode", "binary", "data uri", "data uri decode", "array",
        "xml", "envelope",
    ]))
    value = draw(st.one_of(texts, number_texts, integers, floats, st.booleans(), st.none(), json_values))
    arg = argument(draw, value, parameters)
    text_arg = argument(draw, draw(st.one_of(texts, number_texts)), parameters)
    if kind == "string":
        return f"@string({arg})", parameters
    if kind in ("int", "float", "bool"):
        subject = text_arg if draw(st.booleans()) else arg
        return f"@{kind}({subject})", parameters
    if kind == "float culture":
        return f"@float({argument(draw, draw(number_texts), parameters)}, {literal(draw(cultures))})", parameters
    if kind == "json":
        return f"@json({argument(draw, json.dumps(draw(json_values)), parameters)})", parameters
    if kind == "json text":
        return f"@string(json({argument(draw, json.dumps(draw(json_values)), parameters)}))", parameters
    if kind == "json lenient":
        return f"@string(json({argument(draw, draw(lenient_json()), parameters)}))", parameters
    if kind == "base64":
        return f"@base64({arg})", parameters
    if kind == "base64 round trip":
        return f"@base64ToString(base64({arg}))", parameters
    if kind == "base64 decode":
        shown = draw(st.one_of(st.from_regex(r"[A-Za-z0-9+/ =]{0,12}", fullmatch=True), texts))
        function = draw(st.sampled_from(["base64ToString", "base64ToBinary", "decodeBase64"]))
        return f"@{function}({argument(draw, shown, parameters)})", parameters
    if kind == "uri":
        more = ", ".join(argument(draw, draw(texts), parameters) for _ in range(draw(st.integers(0, 2))))
        return f"@uriComponent({arg}{', ' + more if more else ''})", parameters
    if kind == "uri round trip":
        return f"@uriComponentToString(uriComponent({arg}))", parameters
    if kind == "uri decode":
        shown = draw(st.one_of(st.from_regex(r"([a-z+]|%[0-9A-Fa-fu]{0,3}){0,6}", fullmatch=True), texts).filter(
            lambda t: not re.search(r"%u[dD][89a-fA-F]", t)  # '%ud800' decodes to a lone surrogate (pythonnet crash)
        ))
        function = draw(st.sampled_from(["uriComponentToString", "uriComponentToBinary", "decodeUriComponent"]))
        return f"@{function}({argument(draw, shown, parameters)})", parameters
    if kind == "binary":
        return f"@{draw(st.sampled_from(['binary', 'string']))}(binary({arg}))", parameters
    if kind == "xml":
        document = argument(draw, json.dumps(draw(xml_documents)), parameters)
        form = draw(st.sampled_from(["string", "json", "xpath"]))
        if form == "xpath":
            return f"@xpath(xml(json({document})), {literal(draw(st.sampled_from(XPATHS)))})", parameters
        return f"@{form}(xml(json({document})))", parameters
    if kind == "envelope":
        envelope = {
            draw(st.sampled_from(["$content-type", "$Content-Type"])): draw(st.one_of(
                st.sampled_from(["text/plain", "application/octet-stream", "text/plain; charset=utf-8",
                                 "application/xml", "x", "", "a b", "text/plain;foo", "text/plain; charset=utf-16"]),
                st.none(), st.booleans(), st.integers(-5, 5))),
            draw(st.sampled_from(["$content", "$CONTENT"])): draw(st.one_of(
                st.from_regex(r"[A-Za-z0-9+/ ]{0,8}={0,2}", fullmatch=True),
                st.builds(lambda b: base64.b64encode(b).decode(), st.binary(max_size=8)),
                st.none(), st.booleans(), st.integers(-5, 5), st.just(1.5))),
            **draw(st.dictionaries(st.sampled_from(["x", "$content"]), st.integers(0, 2), max_size=1)),
        }
        function = draw(st.sampled_from(["string", "base64", "binary", "dataUri", "uriComponent", "json", "xml",
                                         "length", "concat"]))
        return f"@{function}({argument(draw, envelope, parameters)})", parameters
    if kind == "data uri decode":
        header = draw(st.from_regex(
            r"(text/plain|text/csv|a|x y|application/json)?(;(charset=(utf-8|UTF-8|latin1)|a=b|))?(;base64)?",
            fullmatch=True,
        ))
        data = draw(st.one_of(st.from_regex(r"[A-Za-z0-9+/= %{}\[\]\"]{0,8}", fullmatch=True), texts))
        data = re.sub("[\U00010000-\U0010ffff]", "x", data)  # JSON errors quote UTF-16 units (see lenient_json)
        function = draw(st.sampled_from(["dataUriToString", "dataUriToBinary", "decodeDataUri"]))
        return f"@{function}({argument(draw, f'data:{header},{data}', parameters)})", parameters
    if kind == "data uri":
        return f"@dataUriToString(dataUri({arg}))", parameters
    return f"@string(createArray({arg}, {text_arg}))", parameters


def ours(text: str, scope: Scope) -> tuple[str, Any]:
    try:
        return "ok", evaluate(text, scope)
    except ExpressionError as error:
        return "error", error.message


def quirk(engine: tuple[str, Any], got: tuple[str, Any]) -> str | None:
    """The KNOWN_QUIRKS entry that explains a disagreement, or None."""
    if engine[0] == "ok" and got[0] == "error":
        if "undefined" in json.dumps(engine[1]) or "while parsing value: ,." in got[1]:
            return KNOWN_QUIRKS["undefined"]
    if engine[0] == got[0] == "ok" and "/*" in json.dumps(engine[1]) and "/*" not in json.dumps(got[1]):
        return KNOWN_QUIRKS["comments"]
    return None


def as_engine_writes(value: Any) -> Any:
    """value with non-finite doubles written as the engine's result writer does (KNOWN_QUIRKS 'non-finite result')."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, list):
        return [as_engine_writes(item) for item in value]
    if isinstance(value, dict):
        return {key: as_engine_writes(item) for key, item in value.items()}
    return value


@pytest.fixture(scope="module")
def oracle(dftf):
    from tests.engine_oracle import EngineOracle

    return EngineOracle()


@pytest.mark.dftf
@_SETTINGS
@given(case=conversions())
def test_random_conversion_agrees_with_engine(oracle, case):
    """The engine's value with its JSON type, or a failure on both sides."""
    text, parameters = case
    scope = Scope(parameters=parameters)
    try:
        engine = oracle.evaluate(text, scope)
    except json.JSONDecodeError:
        assume(False)  # KNOWN_QUIRKS "result not JSON"
    got = ours(text, scope)
    assume(quirk(engine, got) is None)
    assert got[0] == engine[0], f"{text} with {parameters!r}: engine {engine}, adfgen {got}"
    if got[0] == "ok":
        mine = as_engine_writes(got[1])
        assert typed(mine) == typed(engine[1]), f"{text} with {parameters!r}: engine {engine[1]!r}, adfgen {mine!r}"


@pytest.mark.dftf
@_SETTINGS
@given(value=json_values, ensure_ascii=st.booleans(), via_parameter=st.booleans())
def test_json_documents_round_trip_as_the_engine_writes_them(oracle, value, ensure_ascii, via_parameter):
    """string(json(text)) of random JSON documents: Newtonsoft's text of floats, big integers, escapes."""
    document = json.dumps(value, ensure_ascii=ensure_ascii)
    parameters = {"doc": document} if via_parameter else {}
    source = "pipeline().parameters.doc" if via_parameter else literal(document)
    scope = Scope(parameters=parameters)
    for text in (f"@string(json({source}))", f"@json({source})", f"x@{{json({source})}}"):
        engine = oracle.evaluate(text, scope)
        got = ours(text, scope)
        assert got[0] == engine[0], f"{text} with {parameters!r}: engine {engine}, adfgen {got}"
        if got[0] == "ok":
            mine = as_engine_writes(got[1])
            assert typed(mine) == typed(engine[1]), f"{text}: engine {engine[1]!r}, adfgen {mine!r}"
