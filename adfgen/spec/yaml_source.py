"""Read YAML into plain data plus the line of every key and list item (the only module that knows YAML)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from adfgen.core.errors import Problem

PathKey = tuple[Any, ...]

# libyaml's parser when PyYAML was built with it (about 10x faster); the same nodes, marks and errors otherwise
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Limits checked before any data is built, so that a hostile document fails fast instead of exhausting memory:
# a spec of several hundred APIs is well under a megabyte and a few hundred thousand values once aliases expand.
MAX_DOCUMENT_CHARS = 8 * 1024 * 1024
MAX_EXPANDED_NODES = 500_000  # values after every alias and merge key is expanded ("billion laughs")
MAX_DEPTH = 64  # the spec format nests about 8 deep
TOP_LEVEL = "(top level)"  # the field path of problems with the document as a whole


@dataclass
class YamlDocument:
    """Parsed data and `path → line` for every mapping key and sequence item (1-based lines)."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int:
        """Line of the deepest known prefix of `path` (1 when nothing matches)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line:
                return line
        return 1


class _Builder:
    """Turns a composed node tree into data, recording lines and duplicate keys."""

    def __init__(self, doc: YamlDocument, loader: Any):
        self.doc = doc
        self.loader = loader
        self.problems: list[Problem] = []
        self.open_nodes: set[int] = set()

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.doc.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if id(node) in self.open_nodes:  # an alias inside its own anchor: infinitely deep data
                self.problems.append(Problem(self.doc.file, node.start_mark.line + 1, dotted_path(path),
                                             "an alias refers to the node that contains it"))
                return None
            self.open_nodes.add(id(node))
            try:
                return self._build_collection(node, path)
            finally:
                self.open_nodes.discard(id(node))
        return self._scalar(node, path)

    def _scalar(self, node: yaml.Node, path: PathKey) -> Any:
        """A scalar's value; a value its tag cannot hold (`!!int x`) is a problem, not a crash."""
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise
        except Exception:  # the tag's constructor refused the text (int(), float(), base64, dates...)
            self.problems.append(Problem(self.doc.file, node.start_mark.line + 1, dotted_path(path) or TOP_LEVEL,
                                         f"the value cannot be read as {node.tag.rsplit(':', 1)[-1]} "
                                         f"(tag {_short_tag(node.tag)})"))
            return None

    def _build_collection(self, node: yaml.Node, path: PathKey) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    self.problems.append(Problem(self.doc.file, key_node.start_mark.line + 1,
                                                 dotted_path(path), "mapping keys must be plain strings"))
                    continue
                if key in result:
                    self.problems.append(Problem(self.doc.file, key_node.start_mark.line + 1,
                                                 dotted_path(path + (key,)), "duplicate key"))
                self.doc.lines[path + (key,)] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, path + (key,))
            return result
        return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]


def dotted_path(path: PathKey) -> str:
    """`('apis', 0, 'auth')` → `apis[0].auth`."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(str(part)):
            out += f".{part}" if out else str(part)
        else:  # a key with spaces, dots, quotes or control characters: quoted, so the path stays one unambiguous word
            out += "[" + json.dumps(str(part)).replace(" ", "\\u0020") + "]"
    return out


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_$@-]+$")


def one_line(text: str) -> str:
    """`text` with control characters escaped, so that a problem stays on one line whatever the user wrote."""
    return "".join(json.dumps(c)[1:-1] if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 else c for c in text)



def _short_tag(tag: str) -> str:
    """`tag:yaml.org,2002:int` → `!!int`."""
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _too_big(root: yaml.Node, file: str) -> Problem | None:
    """A problem when the document, with aliases and merge keys expanded, exceeds the limits (linear in its nodes)."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if depth > MAX_DEPTH:
            raise _Refused(node, f"the document nests deeper than {MAX_DEPTH} levels")
        sizes[id(node)] = 0  # an alias inside its own anchor counts nothing here; the builder reports it
        total = 1
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_EXPANDED_NODES:
                raise _Refused(node, f"the document expands to more than {MAX_EXPANDED_NODES:,} values "
                                     "(aliases or merge keys repeated too often)")
        sizes[id(node)] = total
        return total

    try:
        size(root, 0)
    except _Refused as refused:
        return Problem(file, refused.node.start_mark.line + 1, TOP_LEVEL, refused.message)
    return None


class _Refused(Exception):
    """Raised inside the size walk: the document is over a limit."""

    def __init__(self, node: yaml.Node, message: str):
        super().__init__(message)
        self.node = node
        self.message = message


def _too_deep(text: str, file: str) -> Problem | None:
    """A problem when collections nest deeper than MAX_DEPTH, found from the event stream (which does not recurse)."""
    loader = _Loader(text)
    depth = 0
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return None
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return Problem(file, event.start_mark.line + 1, TOP_LEVEL,
                                   f"the document nests deeper than {MAX_DEPTH} levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()


def parse_yaml(text: str, file: str) -> tuple[YamlDocument, list[Problem]]:
    """Parse one YAML document; syntax errors, duplicate keys and documents over the limits come back as problems."""
    doc = YamlDocument(file=file, data=None)
    if len(text) > MAX_DOCUMENT_CHARS:
        return doc, [Problem(file, 1, TOP_LEVEL, f"the file has {len(text):,} characters; a spec may have at most "
                                          f"{MAX_DOCUMENT_CHARS:,}")]
    if "\x00" in text:  # libyaml stops reading at a NUL; PyYAML refuses it: say the same either way
        line = text.count("\n", 0, text.index("\x00")) + 1
        return doc, [Problem(file, line, TOP_LEVEL, "invalid YAML: the file contains a NUL character")]
    loader = _Loader(text)
    try:
        too_deep = _too_deep(text, file)  # before composing: PyYAML's composer recurses once per level
        if too_deep:
            return doc, [too_deep]
        node = loader.get_single_node()
        if node is None:
            return doc, [Problem(file, 1, TOP_LEVEL, "the file is empty; expected a mapping with 'factory' and 'apis'")]
        refused = _too_big(node, file)
        if refused:
            return doc, [refused]
        builder = _Builder(doc, loader)
        doc.data = builder.build(node, ())
        return doc, builder.problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        return doc, [Problem(file, line, TOP_LEVEL, f"invalid YAML: {what}")]
    except yaml.YAMLError as exc:
        return doc, [Problem(file, 1, TOP_LEVEL, f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
