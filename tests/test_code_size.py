"""Issue 16's size rule, held: no module of adfgen over 400 lines, no function over 50 (data lives in JSON files)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "adfgen"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50


def oversized(source: str) -> tuple[int, list[tuple[str, int]]]:
    """The module's line count and its functions (qualified name, lines) longer than the limit."""
    long: list[tuple[str, int]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = getattr(child, "name", "")
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = child.end_lineno - child.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append((prefix + name, lines))
            walk(child, prefix + name + "." if name else prefix)

    walk(ast.parse(source), "")
    return source.count("\n"), long


def test_the_walk_finds_a_long_nested_function():
    body = "\n".join(f"        x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    lines, long = oversized(f"class A:\n    def f(self):\n{body}\n")
    assert long == [("A.f", MAX_FUNCTION_LINES + 1)] and lines == MAX_FUNCTION_LINES + 2


def test_no_module_or_function_is_over_the_limit():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines, long = oversized(path.read_text(encoding="utf-8"))
        where = path.relative_to(PACKAGE.parent)
        if lines > MAX_MODULE_LINES:
            found.append(f"{where}: {lines} lines (split it along its seams)")
        found += [f"{where}: {name} is {n} lines" for name, n in long]
    assert not found, "\n".join(found)
