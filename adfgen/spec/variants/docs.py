"""README sections generated from the variant registries, each between `<!-- generated:NAME -->` markers."""

from __future__ import annotations

import re
from typing import Callable

from adfgen.spec.variants.auth import auth_table
from adfgen.spec.variants.pagination import markdown_table as pagination_table
from adfgen.spec.variants.sinks import sink_table

# section name → the function writing its body (a Markdown table); add one entry per generated section
SECTIONS: dict[str, Callable[[], str]] = {"sinks": sink_table, "pagination-kinds": pagination_table,
                                           "auth-flows": auth_table}


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- generated:{re.escape(name)} -->\n)(.*?)(<!-- /generated:{re.escape(name)} -->)",
                      re.DOTALL)


def regenerate(text: str) -> str:
    """`text` with every generated section's body rewritten; a section without its markers is a ValueError."""
    for name, body in SECTIONS.items():
        pattern = _pattern(name)
        if not pattern.search(text):
            raise ValueError(f"no <!-- generated:{name} --> ... <!-- /generated:{name} --> markers")
        # the closing marker on a line of its own, whether or not the table ends with a newline
        text = pattern.sub(lambda match: match.group(1) + body().rstrip("\n") + "\n" + match.group(3), text, count=1)
    return text
