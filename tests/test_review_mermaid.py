"""Every diagram adfgen writes, read by Mermaid's own parser on node (issue 17).

Mermaid and jsdom are installed from the npm registry into tests/review_cases/mermaid/ (`npm ci`, pinned by its
package-lock.json) the first time; skipped, with the reason, where node or the registry is not reachable.
Drawing the SVG needs a browser's layout engine: the render test drives Mermaid's renderer with mermaid-cli's puppeteer
(tests/review_cases/mermaid-render/, `npm ci` without puppeteer's own browser download) on a system Chromium, and is
skipped with the reason where none is installed (e.g. `apt-get install chromium`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from adfgen.core.resources import load_git_folder
from adfgen.review import factory_diagram, pipeline_diagram
from tests.test_review_diagram import corpus_pipelines

REPO = Path(__file__).resolve().parent.parent
CHECKER = REPO / "tests" / "review_cases" / "mermaid"
RENDERER = REPO / "tests" / "review_cases" / "mermaid-render"
HOSTILE = ['a"b', "end", "o", "x", "A --> B", 'Run "x"]; click n1 call alert()', "#quot;", "#35;", "`md`",
           "<img src=x onerror=alert(1)>", "a|b", "{x}", "50% & more", "漢字 ✓", "semi;colon", "%% comment",
           "subgraph", "style n1 fill:#f00", "[brackets]", "(parens)", "tab\there", "back\\slash"]


def _mermaid() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed: cannot run Mermaid's parser")
    if not (CHECKER / "node_modules" / "mermaid").is_dir():
        result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=CHECKER, capture_output=True,
                                text=True, timeout=300)
        if result.returncode != 0:
            pytest.skip(f"could not install mermaid from npm: {result.stderr.strip()[-300:]}")
    return CHECKER / "parse.mjs"


def _parse(texts: list[str]) -> list[dict]:
    result = subprocess.run(["node", str(_mermaid())], input=json.dumps(texts), capture_output=True, text=True,
                            cwd=CHECKER, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def _lines(line: str) -> list[str]:
    return re.split(r"<br\s*/?>", line)


def test_mermaid_parses_every_diagram_and_shows_names_exactly(corpus_dir):
    documents: dict[str, str] = {}
    for factory in sorted((REPO / "out").iterdir()):
        if factory.is_dir():
            resources = load_git_folder(factory)
            documents[f"{factory.name} factory"] = "\n".join(factory_diagram(resources).lines)
            for r in resources:
                if r.kind == "pipeline":
                    documents[f"{factory.name}/{r.name}"] = "\n".join(pipeline_diagram(r.properties).lines)
    for path in corpus_pipelines(corpus_dir):
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        properties = doc.get("properties") if isinstance(doc, dict) else None
        documents[str(path.relative_to(corpus_dir))] = "\n".join(
            pipeline_diagram(properties if isinstance(properties, dict) else {}).lines)
    hostile = {"activities": [{"name": name, "type": "Wait", "dependsOn": [
        {"activity": HOSTILE[i - 1], "dependencyConditions": [name]}] if i else []} for i, name in enumerate(HOSTILE)]}
    hostile["activities"].append({"name": "If <b>", "type": "IfCondition", "typeProperties": {
        "ifTrueActivities": [{"name": 'in "loop"', "type": "Wait"}]}})
    documents["hostile names"] = "\n".join(pipeline_diagram(hostile).lines)

    results = dict(zip(documents, _parse(list(documents.values()))))
    failed = {name: r["error"] for name, r in results.items() if not r["ok"]}
    assert not failed, failed
    shown = results["hostile names"]
    names = [_lines(text)[0] for text in shown["vertices"].values()]
    expected = [" ".join(n.split("\t")) for n in HOSTILE] + ['in "loop"']
    assert sorted(names) == sorted(expected)
    assert [edge[2] for edge in shown["edges"]] == [" ".join(n.split("\t")) for n in HOSTILE[1:]]
    assert sorted(_lines(title)[0] for title in shown["subgraphs"].values()) == ["If <b>", "true"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium on this machine: mermaid-cli needs a browser to lay out the SVG "
                "(e.g. `apt-get install chromium`); the parser test above still reads every diagram")


def _renderer() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed: cannot run mermaid-cli")
    if not (RENDERER / "node_modules" / ".bin" / "mmdc").exists():
        result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=RENDERER, capture_output=True, text=True,
                                timeout=600, env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"})
        if result.returncode != 0:
            pytest.skip(f"could not install mermaid-cli from npm: {result.stderr.strip()[-300:]}")
    return RENDERER / "render.mjs"


# How mermaid-cli finds the diagrams of a Markdown file (mermaidChartsInMarkdown in its src/index.js)
MARKDOWN_DIAGRAM = re.compile(r"^[^\S\n]*[`:]{3}(?:mermaid)([^\S\n]*\r?\n([\s\S]*?))[`:]{3}[^\S\n]*$", re.M)


def test_mermaid_renders_the_committed_diagrams_to_svg():
    """The real renderer (Mermaid's, in Chromium, as mermaid-cli drives it) draws every diagram of a factory README
    (and the hostile names) to SVG, each activity's name among the drawn texts. One page renders them all in turn
    (tests/review_cases/mermaid-render/render.mjs), where mermaid-cli would load Mermaid into a page per diagram."""
    chromium, renderer = _chromium(), _renderer()
    readme = (REPO / "out" / "adf-xero-dev" / "README.md").read_text(encoding="utf-8")
    diagrams = [match.group(2) for match in MARKDOWN_DIAGRAM.finditer(readme)]
    assert len(diagrams) == readme.count("```mermaid") > 1  # every diagram of the README is drawn
    hostile = {"activities": [{"name": name, "type": "Wait"} for name in HOSTILE]}
    diagrams.append("\n".join(pipeline_diagram(hostile).lines) + "\n")
    result = subprocess.run(["node", str(renderer), chromium], input=json.dumps(diagrams), capture_output=True,
                            text=True, cwd=RENDERER, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rendered = json.loads(result.stdout)
    assert len(rendered) == len(diagrams)
    failed = {i: r["error"] for i, r in enumerate(rendered) if not r["ok"]}
    assert not failed, failed
    svgs = [r["svg"] for r in rendered]
    assert all(svg.startswith("<svg") for svg in svgs)
    for name in ("Run invoices", "Refresh Token"):
        assert any(name in svg for svg in svgs), name
    drawn = svgs[-1]
    assert "&lt;img src=x onerror=alert(1)&gt;" in drawn and "<img src=x" not in drawn  # text, never markup
