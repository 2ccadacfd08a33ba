"""Mermaid diagrams (issue 17): escaping by construction, structure, every real pipeline, the committed READMEs."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from adfgen.core.resources import Resource, load_git_folder
from adfgen.review import factory_diagram, factory_readme, pipeline_diagram
from adfgen.review.folders import discover
from adfgen.review.mermaid import AZURE_DEVOPS, GITHUB, escape

REPO = Path(__file__).resolve().parent.parent
ENTITY = re.compile(r"#(\d+);")
# Mermaid's rules (https://mermaid.js.org/syntax/flowchart.html): a quoted label ends at the next '"', so a quote must
# be an entity code; '#<decimal>;' is an entity code, so a '#' must be one too; '`' starts a Markdown string; '<' '>'
# '&' are HTML; brackets, braces and '|' delimit shapes and edge labels outside quotes. ':' because Mermaid's
# encodeEntities (src/utils.ts) drops the last ';' of a line matching `style.*:\S*#.*;` before reading entity codes.
BREAKING = set('"#;`<>&[]{}|:\n\r\t')
NODE_ID = r"n[0-9a-f]{6,12}(?:_\d+)?"  # generated: 'n' and a hash (hex digits never spell `end`)


def _decode(label: str) -> str:
    return ENTITY.sub(lambda m: chr(int(m.group(1))), label)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_a_label_holds_no_breaking_character_and_decodes_to_the_name(name):
    label = escape(name)
    stripped = ENTITY.sub("", label)
    assert not (set(stripped) & BREAKING), label
    assert _decode(label) == re.sub(r"[\r\n\t]", " ", name)


@pytest.mark.parametrize("name", ['a"b', "end", "o", "x", "A --> B", "n1", 'Run "x"]; click n1 call alert()',
                                  "#quot;", "`md`", "<img src=x>", "a|b", "{}", "50% & more", "漢字 ✓"])
def test_ids_are_generated_and_names_only_appear_quoted(name):
    pipeline = {"activities": [
        {"name": name, "type": "Wait", "dependsOn": []},
        {"name": "next", "type": "Wait", "dependsOn": [{"activity": name, "dependencyConditions": ["Succeeded"]}]}]}
    lines = pipeline_diagram(pipeline).lines
    node = re.compile(rf'^\s*({NODE_ID})\["[^"]*"\]$')
    edge = re.compile(rf'^\s*({NODE_ID}) -->\|"[^"]*"\| ({NODE_ID})$')
    assert lines[0] == "flowchart TB"
    assert all(node.match(line) or edge.match(line) for line in lines[1:]), lines
    assert _decode(lines[1].split('"')[1]).split("<br/>")[0] == name


def _activity(name, kind="Wait", depends=(), **type_properties):
    return {"name": name, "type": kind, "typeProperties": type_properties,
            "dependsOn": [{"activity": a, "dependencyConditions": list(c)} for a, c in depends]}


def test_containers_are_subgraphs_and_edges_carry_their_conditions():
    inner = _activity("Inner", "WebActivity")
    inner["policy"] = {"secureOutput": True}
    pipeline = {"activities": [
        _activity("Start"),
        _activity("Loop", "ForEach", [("Start", ["Succeeded", "Failed"])], activities=[inner]),
        _activity("Decide", "IfCondition", [("Loop", ["Completed"])],
                  ifTrueActivities=[_activity("Yes")], ifFalseActivities=[]),
        _activity("Route", "Switch", [("Decide", ["Skipped"])],
                  cases=[{"value": "a", "activities": [_activity("Call", "ExecutePipeline",
                                                                 pipeline={"referenceName": "pl_child",
                                                                           "type": "PipelineReference"})]}],
                  defaultActivities=[_activity("Other")])]}
    diagram = pipeline_diagram(pipeline)
    text = "\n".join(diagram.lines)
    assert diagram.calls == ["pl_child"]
    titles = re.findall(r'subgraph (s[0-9a-f_]+)\["([^"]*)"\]', text)
    assert [t.split("<br/>")[0] for _, t in titles] == ["Loop", "Decide", "true", "Route", "case a", "default"]
    ids = {label.split("<br/>")[0]: node for node, label in re.findall(r'(\w+)\["([^"]*)"\]', text)}
    assert f'{ids["Start"]} -->|"Succeeded / Failed"| {ids["Loop"]}' in text
    assert f'{ids["Loop"]} -->|"Completed"| {ids["Decide"]}' in text
    assert f'{ids["Decide"]} -->|"Skipped"| {ids["Route"]}' in text
    assert f"class {ids['Inner']} secure" in text and "runs pl_child" in text


def test_factory_diagram_links_triggers_controllers_workers_and_refresh():
    resources = load_git_folder(REPO / "out" / "adf-xero-dev")
    text = "\n".join(factory_diagram(resources).lines)
    ids = {label.split("<br/>")[0]: node for node, label in re.findall(rf'({NODE_ID})\(?\[\(?"([^"]*)"', text)}
    assert f'{ids["tr_xero_schedule"]} -->|"starts"| {ids["pl_xero_controller"]}' in text
    assert f'{ids["pl_xero_controller"]} -->|"runs"| {ids["pl_xero_slot"]}' in text
    assert f'{ids["pl_xero_slot"]} -->|"runs"| {ids["pl_xero_invoices"]}' in text
    assert f'{ids["pl_xero_invoices"]} -->|"runs"| {ids["pl_xero_refresh"]}' in text


def test_flavors_fence_the_same_diagram():
    diagram = pipeline_diagram({"activities": [_activity("A")]})
    body = "\n".join(diagram.lines)
    assert diagram.markdown(GITHUB) == f"```mermaid\n{body}\n```"
    assert diagram.markdown(AZURE_DEVOPS) == f"::: mermaid\n{body}\n:::"


def corpus_pipelines(corpus: Path) -> list[Path]:
    """Every file the corpus manifest lists as a pipeline."""
    with open(corpus / "MANIFEST.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    column = next(k for k in rows[0] if "local" in k.lower())
    return [corpus / row[column] for row in rows if row.get("kind") == "pipeline"]


def test_every_pipeline_in_out_and_in_the_corpus_has_a_diagram(corpus_dir):
    pipelines = corpus_pipelines(corpus_dir)
    assert len(pipelines) > 400
    drawn = 0
    for path in pipelines + sorted((REPO / "out").glob("*/pipeline/*.json")):
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        properties = doc.get("properties") if isinstance(doc, dict) else None
        diagram = pipeline_diagram(properties if isinstance(properties, dict) else {})
        assert diagram.lines[0] == "flowchart TB" and len(diagram.lines) > 1, path
        drawn += 1
    factories = discover(corpus_dir)
    assert len(factories) > 20
    for factory in factories:  # the README of every factory folder, as `adfgen diagram` prints it
        assert factory_readme(factory.name, factory.resources).startswith("# ")
    assert drawn == len(pipelines) + len(list((REPO / "out").glob("*/pipeline/*.json")))


@pytest.mark.parametrize("factory", sorted(p.name for p in (REPO / "out").iterdir() if p.is_dir()))
def test_the_committed_readme_is_the_diagram_of_the_committed_json(factory):
    folder = REPO / "out" / factory
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert readme == factory_readme(factory, load_git_folder(folder)), "run scripts/regenerate-out"
    pipelines = sorted(p.stem for p in (folder / "pipeline").glob("*.json"))
    assert readme.count("```mermaid") == len(pipelines) + 1


def test_readme_is_deterministic_whatever_the_resource_order():
    resources = load_git_folder(REPO / "out" / "adf-xero-dev")
    assert factory_readme("f", resources) == factory_readme("f", list(reversed(resources)))


def test_a_resource_with_no_activities_still_draws():
    assert "(no activities)" in "\n".join(pipeline_diagram({}).lines)
    assert "(no pipelines or triggers)" in "\n".join(factory_diagram([Resource("dataset", "d", {})]).lines)


def test_a_factory_beyond_mermaids_limits_is_drawn_by_folder(big_synthetic_build):
    from adfgen.review.diagram import MAX_EDGES, MAX_TEXT

    build = big_synthetic_build
    lines = factory_diagram(build.resources).lines
    assert len("\n".join(lines)) <= MAX_TEXT and sum("-->" in line for line in lines) <= MAX_EDGES
    pipelines = sum(r.kind == "pipeline" for r in build.resources)
    counts = [int(n) for n in re.findall(r"#58; (\d+) pipelines", "\n".join(lines))]
    assert sum(counts) == pipelines  # every pipeline counted in exactly one folder node
