"""Mermaid flowchart text made safe by construction: generated ids, entity-coded quoted labels, two fences.

Mermaid's rules (https://mermaid.js.org/syntax/flowchart.html, "Special characters that break syntax" and
"Entity codes to escape characters"): text in double quotes may hold most characters, a `"` inside must be
written as an entity code such as `#quot;`, and `#<decimal>;` stands for any character ("Numbers given are base 10,
so # can be encoded as #35;"). A label starting with a backtick is a Markdown string, `<...>` is HTML, and the word
`end` or a leading `o`/`x` breaks node ids; a `:` next to a coded `#...;` can lose its `;` (see _SAFE).
So user text only ever appears inside quotes with every character
outside a small safe set entity-coded, and ids are ours (`n` or `s` and a hash), never user text.
"""

from __future__ import annotations

import hashlib
import json
import re

# Characters that pass through as they are; everything else becomes #<decimal>;. Letters of any script are kept
# (Mermaid documents Unicode text in quotes), so names stay readable in the Markdown source.
# ':' is coded too: Mermaid's encodeEntities (src/utils.ts) drops the last ';' of any line matching
# `style.*:\S*#.*;` or `classDef.*:\S*#.*;` before reading entity codes, which would break "style x:#35;..." in a label.
_SAFE = re.compile(r"[\w .,/()\-+=@'*?!]", re.UNICODE)

GITHUB, AZURE_DEVOPS = "github", "azure-devops"


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
    """Node and subgraph ids: a one-letter prefix and a short hash of what the node stands for, never user text.

    Hashed rather than counted so that an id depends only on its own activity or pipeline: adding one activity
    changes its own lines in the diagram's diff, not the id of every node after it.
    """

    def __init__(self) -> None:
        self.used: set[str] = set()

    def of(self, prefix: str, *key: str) -> str:
        """The id of `key` (e.g. the activity's containers and name); a longer hash, then a count, on a clash."""
        digest = hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()
        candidates = [prefix + digest[:6], prefix + digest[:12]]  # hex digits: never the keyword `end`
        candidates += [f"{prefix}{digest[:12]}_{count}" for count in range(2, len(self.used) + 3)]
        found = next(c for c in candidates if c not in self.used)
        self.used.add(found)
        return found


def fenced(lines: list[str], flavor: str) -> str:
    """The diagram as Markdown: a ```mermaid fence (GitHub) or a `::: mermaid` block (Azure DevOps wikis)."""
    body = "\n".join(lines)
    if flavor == AZURE_DEVOPS:
        return f"::: mermaid\n{body}\n:::"
    return f"```mermaid\n{body}\n```"
