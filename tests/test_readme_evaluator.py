"""The README's "Evaluating expressions in Python" example runs as written."""

from __future__ import annotations

import re

from tests.conftest import REPO


def _example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Evaluating expressions in Python", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1, "the section should hold one Python example"
    return blocks[0]


def test_readme_evaluator_example_runs():
    """Every test function of the example passes."""
    namespace: dict = {"__name__": "readme_example"}
    exec(compile(_example(), "README.md#evaluating-expressions-in-python", "exec"), namespace)  # noqa: S102
    tests = [value for name, value in namespace.items() if name.startswith("test_") and callable(value)]
    assert tests, "the example should define a test function"
    for test in tests:
        test()
