"""Read YAML into plain data plus the line of every key and list item (the only module that knows YAML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from adfgen.errors import Problem

PathKey = tuple[Any, ...]

# libyaml's parser when PyYAML was built with it (about 10x faster); the same nodes, marks and errors otherwise
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        return self.loader.construct_object(node, deep=True)

    def _build_collection(self, node: yaml.Node, path: PathKey) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
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
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out



def parse_yaml(text: str, file: str) -> tuple[YamlDocument, list[Problem]]:
    """Parse one YAML document; syntax errors and duplicate keys come back as problems."""
    doc = YamlDocument(file=file, data=None)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return doc, [Problem(file, 1, "", "the file is empty; expected a mapping with 'factory' and 'apis'")]
        builder = _Builder(doc, loader)
        doc.data = builder.build(node, ())
        return doc, builder.problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        return doc, [Problem(file, line, "", f"invalid YAML: {what}")]
    except yaml.YAMLError as exc:
        return doc, [Problem(file, 1, "", f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
