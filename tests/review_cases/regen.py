"""Regenerate the golden outputs of tests/review_cases (never edit them by hand): python tests/review_cases/regen.py

Each case folder holds before/ and after/ (hand-made edits of real pipelines); the goldens are what
`adfgen diff before after` prints as human text, Markdown and JSON, and a Markdown diagram of each after/ side.
Review the `git diff` of the goldens before committing them.
"""

from __future__ import annotations

import sys
from pathlib import Path

CASES = Path(__file__).resolve().parent
sys.path.insert(0, str(CASES.parent.parent))

GOLDENS = {"expected.txt": ["--output", "human"], "expected.md": ["--output", "markdown"],
           "expected.json": ["--output", "json"]}


def outputs(case: Path) -> dict[str, str]:
    """Golden file name → what adfgen prints for this case now (run from the case folder: stable paths)."""
    import os
    from contextlib import redirect_stdout
    from io import StringIO

    from adfgen.cli import main

    found = {}
    here = os.getcwd()
    os.chdir(case)
    try:
        for name, args in {**GOLDENS, "diagram.md": None}.items():
            buffer = StringIO()
            with redirect_stdout(buffer):
                code = main(["diagram", "after"] if args is None else ["diff", "before", "after", *args])
            assert code == (0 if args is None else 3), f"{case.name}: {name}: exit {code}"
            found[name] = buffer.getvalue()
    finally:
        os.chdir(here)
    return found


def cases() -> list[Path]:
    """Every case folder."""
    return sorted(p for p in CASES.iterdir() if (p / "before").is_dir() and (p / "after").is_dir())


if __name__ == "__main__":
    for case in cases():
        for name, text in outputs(case).items():
            (case / name).write_text(text, encoding="utf-8")
        print(f"{case.name}: {', '.join(outputs(case))}")
