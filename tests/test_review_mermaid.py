"""Every diagram adfgen writes, read by Mermaid's own parser on node (issue 17).

Mermaid and jsdom are installed from the npm registry into tests/review_cases/mermaid/ (`npm ci`, pinned by its
package-lock.json) the first time; skipped, with the reason, where node or the registry is not reachable.
Drawing the SVG needs a browser's layout engine: the render test drives mermaid-cli (tests/review_cases/mermaid-render/,
`npm ci` without puppeteer's own browser download) on a system Chromium, and is skipped with the reason where none is
installed (e.g. `apt-get install chromium`).
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


def _mmdc() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed: cannot run mermaid-cli")
    if not (RENDERER / "node_modules" / ".bin" / "mmdc").exists():
        result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=RENDERER, capture_output=True, text=True,
                                timeout=600, env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"})
        if result.returncode != 0:
            pytest.skip(f"could not install mermaid-cli from npm: {result.stderr.strip()[-300:]}")
    return RENDERER / "node_modules" / ".bin" / "mmdc"


def test_mermaid_renders_the_committed_diagrams_to_svg(tmp_path):
    """The real renderer draws every diagram of a factory README (and the hostile names) to SVG, each activity's
    name among the drawn texts."""
    chromium, mmdc = _chromium(), _mmdc()
    config = tmp_path / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": chromium, "args": ["--no-sandbox", "--disable-gpu"]}))
    readme = REPO / "out" / "adf-xero-dev" / "README.md"
    hostile = {"activities": [{"name": name, "type": "Wait"} for name in HOSTILE]}
    source = tmp_path / "diagrams.md"
    source.write_text(readme.read_text(encoding="utf-8") + "\n```mermaid\n"
                      + "\n".join(pipeline_diagram(hostile).lines) + "\n```\n", encoding="utf-8")
    result = subprocess.run([str(mmdc), "-i", str(source), "-o", str(tmp_path / "rendered.md"), "-p", str(config)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    svgs = sorted(tmp_path.glob("rendered-*.svg"), key=lambda svg: int(svg.stem.rsplit("-", 1)[1]))  # in order
    assert len(svgs) == source.read_text(encoding="utf-8").count("```mermaid")
    drawn = svgs[-1].read_text(encoding="utf-8")
    for name in ("Run invoices", "Refresh Token"):
        assert any(name in svg.read_text(encoding="utf-8") for svg in svgs), name
    assert "&lt;img src=x onerror=alert(1)&gt;" in drawn and "<img src=x" not in drawn  # text, never markup
