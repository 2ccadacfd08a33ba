"""Where `check` findings point: the RFC 6901 pointer of the value at fault and its line and column, in every format.

The oracle for a position is the source text itself: decoding the JSON that starts at (line, column) must give
the value the pointer names in the parsed file, and the key written just before it must be the pointer's last key.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adfgen.check.engine import Locator, run_checks
from adfgen.check.formats import render_github, render_human, render_json, render_sarif, summary
from adfgen.check.model import Entry, Factory
from adfgen.check.paths import format_path, parse_path
from adfgen.check.positions import PositionMap, from_pointer, to_pointer
from adfgen.check.schema import load_schema_validator
from adfgen.check.sources import discover, load_git_factory
from adfgen.core.resources import Resource
from tests.check_support import CORPUS, SCHEMA_DIR, write_factory

# ---------------------------------------------------------------- oracles (independent of adfgen.check.positions)


def offset_of(text: str, line: int, column: int) -> int:
    """The string index of a 1-based line and column (lines end at \\n, columns count code points)."""
    lines = text.split("\n")
    assert 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1, (line, column)
    return sum(len(previous) + 1 for previous in lines[:line - 1]) + column - 1


def value_at(text: str, line: int, column: int) -> Any:
    """The JSON value whose text starts at (line, column)."""
    return json.JSONDecoder().raw_decode(text, offset_of(text, line, column))[0]


def resolve(doc: Any, pointer: str) -> Any:
    """RFC 6901 evaluation, written out here so the test does not trust the code under test."""
    node = doc
    for token in pointer.split("/")[1:] if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


_KEY_BEFORE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*$')


def key_before(text: str, offset: int) -> str | None:
    """The object key written just before the value at `offset`, if any."""
    match = _KEY_BEFORE.search(text[max(0, offset - 2000):offset])
    return json.loads(f'"{match.group(1)}"') if match else None


def same(a: Any, b: Any) -> bool:
    """Equal as JSON (NaN equal to NaN)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def assert_points_at_value(text: str, line: int, column: int, pointer: str) -> None:
    """(line, column) starts the text of the value `pointer` names, right after that value's key."""
    assert same(value_at(text, line, column), resolve(json.loads(text), pointer)), (pointer, line, column)
    last = from_pointer(pointer)[-1:] if pointer else []
    parent = resolve(json.loads(text), to_pointer(from_pointer(pointer)[:-1])) if last else None
    if isinstance(parent, dict):
        assert key_before(text, offset_of(text, line, column)) == last[0], (pointer, line, column)


def assert_spans_value(text: str, start: tuple[int, int], end: tuple[int, int], pointer: str) -> None:
    """The text from `start` up to `end` (exclusive, SARIF's endColumn) is exactly the value `pointer` names."""
    span = text[offset_of(text, *start):offset_of(text, *end)]
    assert span == span.strip() and same(json.loads(span), resolve(json.loads(text), pointer)), (pointer, start, end)


# ---------------------------------------------------------------- one factory with a finding in every resource kind

PIPELINE_NAME = "pl_same"
EXAMPLE = {
    f"pipeline/{PIPELINE_NAME}": {
        "parameters": {"limit": {"type": "Strng"}},  # SC002 at a pipeline parameter
        "activities": [
            {"name": PIPELINE_NAME, "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
            {"name": "Use", "type": "SetVariable", "dependsOn": [{"activity": PIPELINE_NAME,
                                                                  "dependencyConditions": ["Succeeded"]}],
             "description": "a few lines between the name and the value at fault",
             "typeProperties": {"variableName": "v",
                                "value": {"value": "@pipeline().parameters.nope", "type": "Expression"}}},
        ],
        "variables": {"v": {"type": "String"}},
    },
    "dataset/ds_rest": {"type": "RestResource",
                        "linkedServiceName": {"referenceName": "ls_absent", "type": "LinkedServiceReference"}},
    "linkedService/ls_rest": {"type": "RestService", "typeProperties": {
        "url": "@concat('https://api.example.com/', linkedService().path", "authenticationType": "Anonymous"},
        "parameters": {"path": {"type": "String"}}},
    "trigger/tr_daily": {"type": "ScheduleTrigger", "runtimeState": "Stopped",
                         "pipelines": [{"pipelineReference": {"referenceName": "pl_absent",
                                                              "type": "PipelineReference"}}],
                         "typeProperties": {"recurrence": {"frequency": "Day", "interval": 1}}},
}
# (resource, rule, pointer inside the resource's properties): the value each finding is about
EXPECTED = [
    (f"pipeline {PIPELINE_NAME}", "SC002", "/parameters/limit/type"),
    (f"pipeline {PIPELINE_NAME}", "RF003", "/activities/1/typeProperties/value"),
    ("dataset ds_rest", "RF007", "/linkedServiceName/referenceName"),
    ("linkedService ls_rest", "EX001", "/typeProperties/url"),
    ("trigger tr_daily", "RF007", "/pipelines/0/pipelineReference/referenceName"),
]


@pytest.fixture(scope="module")
def schema():
    return load_schema_validator(SCHEMA_DIR)


def arm_template(example: dict[str, Any]) -> dict[str, Any]:
    """The example as an ARM export: each resource's properties inside the template's resources array."""
    segments = {"pipeline": "pipelines", "dataset": "datasets", "linkedService": "linkedServices",
                "trigger": "triggers"}
    resources = []
    for key, properties in example.items():
        kind, name = key.split("/")
        resources.append({"name": f"[concat(parameters('factoryName'), '/{name}')]",
                          "type": f"Microsoft.DataFactory/factories/{segments[kind]}", "apiVersion": "2018-06-01",
                          "properties": properties, "dependsOn": []})
    return {"$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "parameters": {"factoryName": {"type": "string"}}, "resources": resources}


def build_factory(root: Path, example: dict[str, Any]) -> Factory:
    """The example as `adfgen check` sees an adfgen build: entries over the generated Git-layout files' text."""
    factory = Factory(name="build", root=str(root), complete=True)
    for key, properties in example.items():
        kind, name = key.split("/")
        text = json.dumps({"name": name, "properties": properties}, indent=4)
        factory.entries.append(Entry(Resource(kind, name, properties), str(root / kind / f"{name}.json"), 1, text,
                                     origin="build"))
    return factory


def factories_by_origin(tmp_path: Path) -> dict[str, tuple[list[Factory], dict[str, str]]]:
    """The same resources as a Git folder, an ARM template and a build, with each file's text."""
    git = load_git_factory(write_factory(tmp_path / "git", EXAMPLE), complete=True)
    arm_path = tmp_path / "arm" / "ARMTemplateForFactory.json"
    arm_path.parent.mkdir()
    arm_path.write_text(json.dumps(arm_template(EXAMPLE), indent=2, ensure_ascii=False), encoding="utf-8")
    arm = discover(arm_path)
    build = build_factory(tmp_path / "build", EXAMPLE)
    texts = {e.file: e.text for f in [git, *arm, build] for e in f.entries}
    return {"git": ([git], texts), "arm": (arm, texts), "build": ([build], texts)}


def base_pointer(origin: str, resource: str) -> str:
    """Where a resource's properties sit in its file."""
    if origin != "arm":
        return "/properties"
    kind, name = resource.split(" ")
    index = list(EXAMPLE).index(f"{kind}/{name}")
    return f"/resources/{index}/properties"


@pytest.mark.parametrize("origin", ["git", "arm", "build"])
def test_each_resource_kind_points_at_the_property_at_fault(tmp_path, schema, origin):
    factories, texts = factories_by_origin(tmp_path)[origin]
    findings = run_checks(factories, schema)
    for resource, code, inside in EXPECTED:
        pointer = base_pointer(origin, resource) + inside
        found = [f for f in findings if f.resource == resource and f.code == code and f.pointer == pointer]
        assert found, f"{origin}: no {code} at {pointer} in {[(f.code, f.pointer) for f in findings]}"
        for finding in found:
            assert finding.line > 1 and finding.column > 1 and finding.missing == ""
            assert_points_at_value(texts[finding.file], finding.line, finding.column, finding.pointer)
    for finding in findings:  # every finding, not only the expected ones
        assert finding.pointer is not None, finding
        assert_points_at_value(texts[finding.file], finding.line, finding.column, finding.pointer)


def test_an_activity_named_like_its_pipeline_is_not_reported_at_the_pipeline_name(tmp_path, schema):
    factories, texts = factories_by_origin(tmp_path)["git"]
    [finding] = [f for f in run_checks(factories, schema) if f.code == "RF003"]
    text = texts[finding.file]
    assert finding.line != offset_of(text, 1, 1) + 1 and '"name"' not in text.split("\n")[finding.line - 1]
    assert value_at(text, finding.line, finding.column) == {"value": "@pipeline().parameters.nope",
                                                           "type": "Expression"}


def test_a_real_build_points_into_its_generated_files(tmp_path, schema):
    """specs/xero.yaml built in memory; one generated pipeline's text given an undeclared parameter, as written."""
    from adfgen.check.project import load_project
    from tests.check_support import REPO

    [factory, *_] = [f for f in load_project(out_root=tmp_path, spec_paths=[REPO / "specs" / "xero.yaml"])
                     if f.entries]
    index, entry = next((i, e) for i, e in enumerate(factory.entries)
                        if e.kind == "pipeline" and '"@pipeline().parameters.' in (e.text or ""))
    text = entry.text.replace('"@pipeline().parameters.', '"@pipeline().parameters.nope_', 1)
    factory.entries[index] = Entry(Resource("pipeline", entry.name, json.loads(text)["properties"]), entry.file,
                                   entry.line, text, origin="build")
    findings = [f for f in run_checks([factory], schema) if f.pointer is not None]
    undeclared = [f for f in findings if f.code == "RF003" and f.file == entry.file]
    assert undeclared and "nope_" in json.dumps(value_at(text, undeclared[0].line, undeclared[0].column))
    texts = {e.file: e.text for e in factory.entries}
    for finding in findings:
        assert_points_at_value(texts[finding.file], finding.line, finding.column, finding.pointer)


# ---------------------------------------------------------------- every output format carries the same positions


def _records(fmt: str, findings: list, tmp_path: Path) -> list[tuple]:
    """(file, code, line, column, pointer) as each format writes them; SARIF adds (endLine, endColumn)."""
    counts = summary(findings, 1, 1)
    if fmt == "json":
        doc = json.loads(render_json(findings, counts, []))
        return [(f["file"], f["code"], f["line"], f["column"], f["pointer"]) for f in doc["findings"]]
    if fmt == "sarif":
        log = json.loads(render_sarif(findings))
        assert log["runs"][0]["columnKind"] == "unicodeCodePoints"
        out = []
        for result in log["runs"][0]["results"]:
            location = result["locations"][0]["physicalLocation"]
            region = location["region"]
            out.append((location["artifactLocation"]["uri"], result["ruleId"], region["startLine"],
                        region["startColumn"], result["properties"]["pointer"], region["endLine"], region["endColumn"]))
        return out
    if fmt == "github":
        out = []
        for line in render_github(findings).splitlines():
            props = dict(p.split("=", 1) for p in line.split(" ", 1)[1].split("::", 1)[0].split(","))
            out.append((props["file"].replace("%3A", ":").replace("%2C", ",").replace("%25", "%"), props["title"],
                        int(props["line"]), int(props["col"]), None))
        return out
    out, file = [], None
    for line in render_human(findings, counts, color=False).splitlines():
        match = re.match(r"^\s+(\d+):(\d+)\s+(?:error|warning)\s+(\S+)\s", line)
        if match:
            out.append((file, match.group(3), int(match.group(1)), int(match.group(2)), None))
        elif line and not line.startswith(" "):
            file = line
    return out


@pytest.mark.parametrize("fmt", ["human", "json", "github", "sarif"])
@pytest.mark.parametrize("origin", ["git", "arm"])
def test_every_output_format_carries_the_line_and_column_of_the_value(tmp_path, schema, monkeypatch, fmt, origin):
    monkeypatch.chdir(tmp_path)  # relative file names, as the CLI shows them
    factories, texts = factories_by_origin(tmp_path)[origin]
    findings = run_checks(factories, schema)
    records = _records(fmt, findings, tmp_path)
    assert len(records) == len(findings) >= len(EXPECTED)
    by_file = {str(Path(k).resolve()): v for k, v in texts.items()}
    pointers = {(f.code, f.line, f.column): f.pointer for f in findings}
    for file, code, line, column, pointer, *end in records:
        text = by_file[str((tmp_path / file).resolve())]
        pointer = pointer if pointer is not None else pointers[(code, line, column)]
        assert_points_at_value(text, line, column, pointer)
        if end:  # SARIF: the region ends just past the value (a string's closing quote)
            assert_spans_value(text, (line, column), tuple(end), pointer)


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
def test_every_corpus_finding_points_at_its_value():
    """Real files (BOMs, CRLF, ARM templates, odd names): each finding's position starts its pointer's value."""
    from tests.check_corpus import corpus_findings

    _, findings = corpus_findings()
    texts: dict[str, str] = {}
    for finding in findings:
        if finding.pointer is None:
            continue
        text = texts.get(finding.file)
        if text is None:
            text = texts[finding.file] = Path(finding.file).read_bytes().decode("utf-8-sig")
        assert_points_at_value(text, finding.line, finding.column, finding.pointer)
        assert_spans_value(text, (finding.line, finding.column), (finding.end_line, finding.end_column),
                           finding.pointer)
    assert all(f.pointer is not None for f in findings if f.code not in ("SC001", "SP001", "SP002", "SP003"))


# ---------------------------------------------------------------- missing values, the resource's name, load findings


def _entry(tmp_path: Path, properties: dict, origin: str = "git") -> Entry:
    text = json.dumps({"name": "pl_x", "properties": properties}, indent=2)
    return Entry(Resource("pipeline", "pl_x", properties), str(tmp_path / "pl_x.json"), 1, text, origin=origin)


def test_a_missing_value_points_at_its_nearest_parent_and_says_what_is_missing(tmp_path):
    entry = _entry(tmp_path, {"activities": [{"name": "Get Token", "type": "WebActivity", "typeProperties": {}}]})
    pointer, missing, line, column, *end = Locator().locate(
        entry, 'activities[0] (WebActivity "Get Token").policy.secureOutput')
    assert (pointer, missing) == ("/properties/activities/0", "/policy/secureOutput")
    assert_points_at_value(entry.text, line, column, pointer)
    assert_spans_value(entry.text, (line, column), tuple(end), pointer)  # the whole parent object
    pointer, missing, *_ = Locator().locate(entry, "activities[3] (Wait \"w\").typeProperties")
    assert (pointer, missing) == ("/properties/activities", "/3/typeProperties")


def test_name_is_the_resource_name_and_none_the_resource_itself(tmp_path):
    entry = _entry(tmp_path, {"activities": []})
    pointer, missing, line, column, *end = Locator().locate(entry, "name")
    assert (pointer, missing) == ("/name", "") and value_at(entry.text, line, column) == "pl_x"
    assert_spans_value(entry.text, (line, column), tuple(end), pointer)
    lines = entry.text.split("\n")
    assert Locator().locate(entry, None)[1:] == ("", 1, 1, len(lines), len(lines[-1]) + 1)


def test_load_findings_carry_positions(tmp_path, schema):
    root = write_factory(tmp_path / "adf", {
        "pipeline/pl_old": json.dumps({"name": "pl_new", "properties": {"activities": []}}, indent=2),
        "pipeline/pl_bad": '{\n  "name": "pl_bad",\n  "properties": {"activities": [}\n}',
        "dataset/ds_noprops": json.dumps({"name": "ds_noprops"}, indent=2)})
    findings = {f.code + f.file[-10:]: f for f in load_git_factory(root).load_findings}
    mismatch = next(f for k, f in findings.items() if k.startswith("SC004"))
    text = (root / "pipeline" / "pl_old.json").read_text()
    assert mismatch.pointer == "/name" and value_at(text, mismatch.line, mismatch.column) == "pl_new"
    assert_spans_value(text, (mismatch.line, mismatch.column), (mismatch.end_line, mismatch.end_column), "/name")
    invalid = next(f for f in findings.values() if "invalid JSON" in f.message)
    assert invalid.pointer is None and (invalid.line, invalid.column) == (3, 33)  # json.loads's own position
    absent = next(f for f in findings.values() if "'properties' is missing" in f.message)
    assert (absent.pointer, absent.missing, absent.line, absent.column) == ("", "/properties", 1, 1)


# ---------------------------------------------------------------- the position map against any JSON document

_WHITESPACE = st.sampled_from(["", " ", "\n", "\t", "\r\n", "\n    ", "  "])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                     st.text(max_size=12))
_KEYS = st.one_of(st.text(max_size=6), st.sampled_from(["a", "0", "~", "/", "a/b~1", "", "\"", "\\", "é", "💥"]))
_MEMBER_KEYS = st.one_of(st.sampled_from(["a", "b"]), _KEYS)  # often repeated within one object


def _trees():
    """JSON values as trees whose objects are member lists, so a key may repeat."""
    return st.recursive(_SCALARS, lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda items: ("array", items)),
        st.lists(st.tuples(_MEMBER_KEYS, inner), max_size=4).map(lambda members: ("object", members))), max_leaves=25)


@st.composite
def json_texts(draw) -> str:
    """Any JSON text: random whitespace, escaped or raw non-ASCII, repeated keys."""
    ascii_only = draw(st.booleans())

    def write(tree: Any) -> str:
        space = draw(_WHITESPACE)
        if isinstance(tree, tuple) and tree[0] == "array":
            return "[" + space + ("," + draw(_WHITESPACE)).join(write(i) for i in tree[1]) + draw(_WHITESPACE) + "]"
        if isinstance(tree, tuple):
            parts = [json.dumps(k, ensure_ascii=ascii_only) + draw(_WHITESPACE) + ":" + draw(_WHITESPACE) + write(v)
                     for k, v in tree[1]]
            return "{" + space + ("," + draw(_WHITESPACE)).join(parts) + draw(_WHITESPACE) + "}"
        return json.dumps(tree, ensure_ascii=ascii_only)

    return draw(_WHITESPACE) + write(draw(_trees())) + draw(_WHITESPACE)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=json_texts(), data=st.data())
def test_the_position_map_points_at_the_start_of_any_value(text, data):
    doc = json.loads(text)  # the oracle: what json.loads decodes, duplicate keys included (last wins)
    elements, node = [], doc
    while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
        element = data.draw(st.sampled_from(list(node)) if isinstance(node, dict)
                            else st.integers(0, len(node) - 1))
        elements.append(element)
        node = node[element]
    positions = PositionMap(text)
    lookups = [elements, [str(e) for e in elements]]  # array indexes as ints or as pointer tokens
    for path in lookups:
        offset, depth = positions.find(path)
        assert depth == len(elements)
        assert same(json.JSONDecoder().raw_decode(text, offset)[0], node)
        assert same(json.loads(text[offset:positions.end(offset)]), node)
        line, column = positions.position(offset)
        assert offset_of(text, line, column) == offset
    assert same(resolve(doc, to_pointer(elements)), node)
    assert from_pointer(to_pointer(elements)) == [str(e) for e in elements]
    if isinstance(node, dict):
        absent = next(k for k in ("absent", "absent2", "absent3", "absent4", "absent5") if k not in node)
        assert positions.find([*elements, absent, "below"]) == (positions.find(elements)[0], len(elements))


def test_the_position_map_needs_no_recursion_for_deep_nesting():
    depth = 100_000  # far beyond json.loads (and Python's recursion limit)
    text = "[" * depth + '"x"' + "]" * depth
    offset, found = PositionMap(text).find([0] * depth)
    assert (offset, found) == (depth, depth)


# ---------------------------------------------------------------- readable paths back to keys and indexes

_NAMES = st.text(max_size=8) | st.sampled_from(['a")', '")."x', "[0]", "a.b", "(Wait \"x\")", "'", ""])
_ACTIVITIES = st.fixed_dictionaries({"name": _NAMES, "type": st.sampled_from(["Wait", "ForEach"])},
                                    optional={"typeProperties": st.dictionaries(_KEYS, st.integers(), max_size=3)})
_DOCS = st.recursive(st.integers() | _ACTIVITIES,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
                     max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(doc=st.dictionaries(_KEYS, _DOCS, min_size=1, max_size=4), data=st.data())
def test_readable_paths_read_back_to_the_same_keys(doc, data):
    elements, node = [], doc
    while isinstance(node, (dict, list)) and node and (not elements or data.draw(st.booleans())):
        element = data.draw(st.sampled_from(list(node)) if isinstance(node, dict) else st.integers(0, len(node) - 1))
        elements.append(element)
        node = node[element]
    assert parse_path(doc, format_path(doc, elements)) == (elements, "")
