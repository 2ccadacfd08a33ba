"""Mermaid flowchart text made safe by construction: generated ids, entity-coded quoted labels, two fences.

Mermaid's rules (https://mermaid.js.org/syntax/flowchart.html, "Special characters that break syntax" and
"Entity codes to escape characters"): text in double quotes may hold most characters, a `"` inside must be
written as an entity code such as `#quot;`, and `#<decimal>;` stands for any character ("Numbers given are base 10,
so # can be encoded as #35;"). A label starting with a backtick is a Markdown string, `<...>` is HTML, and the word
`end` or a leading `o`/`x` breaks node ids; a `:` next to a coded `#...;` can lose its `;` (see _SAFE).
So user text only ever appears inside quotes with every character
outside a small safe set entity-coded, and ids are ours (`n1`, `s1`, ...), never user text.
"""

from __future__ import annotations

import re

# Characters that pass through as they are; everything else becomes #<decimal>;. Letters of any script are kept
# (Mermaid documents Unicode text in quotes), so names stay readable in the Markdown source.
# ':' is coded too: Mermaid's encodeEntities (src/utils.ts) drops the last ';' of any line matching
# `style.*:\S*#.*;` or `classDef.*:\S*#.*;` before reading entity codes, which would break "style x:#35;..." in a label.
_SAFE = re.compile(r"[\w .,/()\-+=@'*?!]", re.UNICODE)

GITHUB, AZURE_DEVOPS = "github", "azure-devops"
FLAVORS = (GITHUB, AZURE_DEVOPS)


def escape(text: str) -> str:
    """`text` with every character outside the safe set written as Mermaid's `#<decimal>;` entity code."""
    out = []
    for char in str(text):
        if char in "\r\n\t":
            out.append(" ")  # a label is one line; a line break in a name is not worth a <br>
        elif _SAFE.fullmatch(char):
            out.append(char)
        else:
            out.append(f"#{ord(char)};")
    return "".join(out)


def quoted(text: str, markup: str = "") -> str:
    """A double-quoted label: escaped `text`, then our own trusted `markup` (e.g. `<br/>` lines)."""
    return f'"{escape(text)}{markup}"'


class Ids:
    """Generated node and subgraph ids (`n1`, `n2`, ... / `s1`, ...): never user text, never `end`."""

    def __init__(self) -> None:
        self.count = 0

    def next(self, prefix: str = "n") -> str:
        """The next id with this one-letter prefix."""
        self.count += 1
        return f"{prefix}{self.count}"


def fenced(lines: list[str], flavor: str) -> str:
    """The diagram as Markdown: a ```mermaid fence (GitHub) or a `::: mermaid` block (Azure DevOps wikis)."""
    body = "\n".join(lines)
    if flavor == AZURE_DEVOPS:
        return f"::: mermaid\n{body}\n:::"
    return f"```mermaid\n{body}\n```"
