"""The import direction the README's architecture section promises, enforced by walking every module's imports.

Layers, lowest first: a module may import its own package and any package of a lower layer, and from another package
only public names (no `_private` module or name)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "adfgen"

# One entry per layer; packages in one layer may not import each other.
LAYERS: list[set[str]] = [
    {"core"},  # errors and problems, resource kinds, JSON output, naming rules
    {"expressions"},  # the ADF expression language: parser, references, evaluator
    {"review"},  # diagrams and the semantic diff of built output (build writes the diagrams)
    {"spec"},  # YAML → validated model; the variants (auth flows, pagination kinds, sinks) live beside it
    {"build"},  # contexts → fragments → render → write, ARM linked templates
    {"check", "azure"},  # lint any ADF folder; deploy, plan and grants against ARM
    {"local"},  # `adfgen run`: reads factory folders with check's loader
    {"oauth"},  # `adfgen auth`: uses the vault, ARM and local runs
    {"cli"},  # the only package that knows click
]
LAYER_OF = {package: index for index, layer in enumerate(LAYERS) for package in layer}
TOP_LEVEL_MODULES = {"__init__"}  # adfgen/__init__.py holds only the version


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, imported names) for each absolute import in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module, [alias.name for alias in node.names]))
    return found


def _package_of(path: Path) -> str:
    """`adfgen/build/render.py` → `build`."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0] if len(parts) > 1 else parts[0]


def _violations() -> list[str]:
    """Every import that breaks the layering, as `file:line: why`."""
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _package_of(path)
        if source in TOP_LEVEL_MODULES:
            continue
        where = f"{path.relative_to(PACKAGE.parent)}"
        assert source in LAYER_OF, f"{where}: package adfgen.{source} is in no layer; add it to LAYERS"
        for line, module, names in _imports(path):
            if module.split(".")[0] == "click" and source != "cli":
                problems.append(f"{where}:{line}: imports click outside adfgen.cli")
            parts = module.split(".")
            if parts[0] != "adfgen":
                continue
            target = parts[1] if len(parts) > 1 else None
            if target is None:  # `from adfgen import X`: X is a package or __version__
                targets = [(name, []) for name in names if name != "__version__"]
            else:
                targets = [(target, parts[2:] + names)]
            for package, rest in targets:
                if package == source:
                    continue
                if package not in LAYER_OF:
                    problems.append(f"{where}:{line}: imports adfgen.{package}, which is in no layer")
                elif LAYER_OF[package] >= LAYER_OF[source]:
                    problems.append(f"{where}:{line}: adfgen.{source} may not import adfgen.{package} (same or higher layer)")
                elif any(part.startswith("_") and not part.startswith("__") for part in rest):
                    problems.append(f"{where}:{line}: imports a private name of adfgen.{package}: {module} {names}")
    return problems


def test_imports_follow_the_layers():
    """No module imports upward, sideways, or another package's private names; only the CLI imports click."""
    assert _violations() == []


@pytest.mark.parametrize("snippet, expected", [
    ("from adfgen.cli import main\n", "may not import adfgen.cli"),
    ("from adfgen.build.render import _private\n", "private name"),
    ("import click\n", "imports click outside adfgen.cli"),
])
def test_the_walk_sees_each_kind_of_violation(tmp_path, monkeypatch, snippet, expected):
    """A check-layer module with a bad import is reported (the check above can fail)."""
    fake = tmp_path / "adfgen"
    (fake / "check").mkdir(parents=True)
    (fake / "check" / "bad.py").write_text(snippet)
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    assert any(expected in problem for problem in _violations())


def test_the_readme_names_every_layer_folder():
    """The README's architecture table lists each package of LAYERS by folder, so the two cannot drift apart."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Architecture", 1)[1].split("\n## ", 1)[0]
    for package in LAYER_OF:
        assert f"`adfgen/{package}/`" in section, f"README's architecture section does not name adfgen/{package}/"
