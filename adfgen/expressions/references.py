"""Structured references (activities, parameters, variables, ...) found in an expression."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from .nodes import Access, Call, Index, Literal, Node, Template, children

PathStep = str | int | Node  # '.name' or ['name'] -> str, [0] -> int, [expr] -> the index node


class Reference(NamedTuple):
    """kind, name (None for item()), position of the name (or of the call), and the accessor path after it."""

    kind: str
    name: str | None
    position: int
    path_after: tuple[PathStep, ...]


def unchain(node: Node) -> tuple[Node, list[Access | Index]]:
    """Split `base.a[b]?.c` into its base node and its accessors, innermost first."""
    chain: list[Access | Index] = []
    while isinstance(node, (Access, Index)):
        chain.append(node)
        node = node.target
    chain.reverse()
    return node, chain


def path_step(accessor: Access | Index) -> PathStep:
    """One accessor as a path step: a property name, a literal index or key, or the index node itself."""
    if isinstance(accessor, Access):
        return accessor.name
    index = accessor.index
    if isinstance(index, Literal) and isinstance(index.value, (str, int)) and not isinstance(index.value, bool):
        return index.value
    return index


def _named_step(accessor: Access | Index) -> tuple[str, int] | None:
    """The literal name an accessor selects and where it is written, or None for a dynamic or numeric index."""
    if isinstance(accessor, Access):
        return accessor.name, accessor.position
    if isinstance(accessor.index, Literal) and isinstance(accessor.index.value, str):
        return accessor.index.value, accessor.index.position
    return None


def _literal_name(call: Call) -> tuple[str, int] | None:
    if len(call.args) == 1 and isinstance(call.args[0], Literal) and isinstance(call.args[0].value, str):
        return call.args[0].value, call.args[0].position
    return None


_PIPELINE_GROUPS = {"parameters": "parameter", "globalparameters": "global_parameter"}


def _from_call(call: Call, chain: list[Access | Index]) -> Iterator[Reference]:
    key = call.name.lower()
    path = tuple(path_step(a) for a in chain)
    if key in ("activity", "variables"):
        named = _literal_name(call)
        if named is not None:
            yield Reference("activity" if key == "activity" else "variable", named[0], named[1], path)
    elif key == "item" and not call.args:
        yield Reference("item", None, call.position, path)
    elif key in ("dataset", "linkedservice") and not call.args and chain:
        named = _named_step(chain[0])
        if named is not None:
            kind = "dataset_parameter" if key == "dataset" else "linked_service_parameter"
            yield Reference(kind, named[0], named[1], path[1:])
    elif key == "pipeline" and not call.args and chain:
        first = _named_step(chain[0])
        if first is None:
            return
        group = _PIPELINE_GROUPS.get(first[0].lower())
        if group is None:
            # pipeline().RunId, pipeline().TriggerTime, ...: a system variable
            yield Reference("pipeline_property", first[0], first[1], path[1:])
        elif len(chain) > 1:
            named = _named_step(chain[1])
            if named is not None:
                yield Reference(group, named[0], named[1], path[2:])


def references(node: Node | Template) -> Iterator[Reference]:
    """Yield every reference in node, in source order of the referencing call.

    Kinds: activity, variable, parameter (pipeline().parameters.X or ['X']), global_parameter
    (pipeline().globalParameters.X), pipeline_property (pipeline().RunId ...), dataset_parameter (dataset().X),
    linked_service_parameter (linkedService().X), item (name None). Names only when written as literals.
    """
    stack: list[Node] = list(reversed(node.nodes)) if isinstance(node, Template) else [node]
    found: list[Reference] = []
    while stack:
        current = stack.pop()
        base, chain = unchain(current)
        if isinstance(base, Call):
            found.extend(_from_call(base, chain))
        # Visit what is nested: the base's arguments and every dynamic index, each as a chain of its own.
        nested: list[Node] = list(children(base))
        nested.extend(a.index for a in chain if isinstance(a, Index))
        stack.extend(reversed(nested))
    found.sort(key=lambda r: r.position)
    yield from found
