"""Mermaid flowcharts: one per pipeline (activities, conditioned edges, containers as subgraphs) and the factory's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adfgen.review import activities as acts
from adfgen.review.mermaid import Ids, fenced, quoted

SECURE_CLASS = "classDef secure stroke-width:3px,stroke-dasharray:5 3"
# Mermaid refuses larger diagrams by default (config maxTextSize 50,000 characters and maxEdges 500; observed in
# mermaid 11.17.2's shipped defaults): a factory beyond them is drawn folder by folder instead.
MAX_TEXT, MAX_EDGES = 50_000, 500


@dataclass
class Diagram:
    """Mermaid flowchart lines plus the pipelines it links to (Execute Pipeline targets, trigger targets)."""

    lines: list[str]
    calls: list[str] = field(default_factory=list)

    def markdown(self, flavor: str) -> str:
        """The diagram fenced for GitHub or an Azure DevOps wiki."""
        return fenced(self.lines, flavor)


def _activity_label(activity: dict[str, Any]) -> str:
    """`name`, then `(Type)`, then the secure flags and the called pipeline, one per line."""
    kind = activity.get("type") if isinstance(activity.get("type"), str) else "?"
    label = quoted(acts.activity_name(activity), "<br/>")
    extra = [f"({kind})"]
    secure = acts.secure_flags(activity)
    if secure:
        extra.append("secure " + ", ".join(f.removeprefix("secure").lower() for f in secure))
    called = acts.called_pipeline(activity)
    if called:
        extra.append(f"runs {called}")
    if activity.get("state") == "Inactive":  # never runs, reports onInactiveMarkAs ("Deactivate an activity" doc)
        mark = activity.get("onInactiveMarkAs")
        extra.append(f"inactive, marked {mark}" if isinstance(mark, str) else "inactive")
    # each piece escaped on its own; only our <br/> joins them
    return label[:-1] + "<br/>".join(quoted(e)[1:-1] for e in extra) + '"'


class _PipelineWriter:
    """Writes one pipeline's activity lists as nodes, subgraphs and edges."""

    def __init__(self) -> None:
        self.ids = Ids()
        self.lines: list[str] = []
        self.edges: list[str] = []
        self.secure: list[str] = []
        self.calls: list[str] = []

    def scope(self, activities: list[dict[str, Any]], indent: str, path: tuple[str, ...] = ()) -> None:
        """One activity list (top level or a branch, at `path`): its nodes, then edges between them by `dependsOn`."""
        ids: dict[str, str] = {}
        for activity in activities:
            ids.setdefault(acts.activity_name(activity), self.node(activity, indent, path))
        for activity in activities:
            for upstream, conditions in acts.dependencies(activity):
                if upstream in ids:  # a dangling reference (real factories have them) draws no edge
                    label = quoted(" / ".join(conditions) or "(no condition)")
                    self.edges.append(f"{ids[upstream]} -->|{label}| {ids[acts.activity_name(activity)]}")

    def node(self, activity: dict[str, Any], indent: str, path: tuple[str, ...]) -> str:
        """A node, or a subgraph for a container with inner activities; returns its id."""
        called = acts.called_pipeline(activity)
        if called and called not in self.calls:
            self.calls.append(called)
        branches = [b for b in acts.branches(activity) if b.activities]
        here = (*path, acts.activity_name(activity))
        if not branches:
            node_id = self.ids.of("n", *here)
            self.lines.append(f"{indent}{node_id}[{_activity_label(activity)}]")
            if acts.secure_flags(activity):
                self.secure.append(node_id)
            return node_id
        graph_id = self.ids.of("s", *here)
        self.lines.append(f"{indent}subgraph {graph_id}[{_activity_label(activity)}]")
        for branch in branches:
            if branch.label:
                branch_id = self.ids.of("s", *here, "(branch)", branch.label)
                self.lines.append(f"{indent}  subgraph {branch_id}[{quoted(branch.label)}]")
                self.scope(branch.activities, indent + "    ", (*here, branch.label))
                self.lines.append(f"{indent}  end")
            else:
                self.scope(branch.activities, indent + "  ", here)
        self.lines.append(f"{indent}end")
        return graph_id


def pipeline_diagram(properties: dict[str, Any]) -> Diagram:
    """A pipeline's activities (from its `properties`) as a top-to-bottom Mermaid flowchart."""
    writer = _PipelineWriter()
    writer.scope(acts.pipeline_activities(properties), "  ")
    lines = ["flowchart TB"] + writer.lines + ["  " + e for e in writer.edges]
    if not writer.lines:
        lines.append(f"  {writer.ids.of('n', '(no activities)')}[{quoted('(no activities)')}]")
    if writer.secure:
        lines += ["  " + SECURE_CLASS, f"  class {','.join(writer.secure)} secure"]
    return Diagram(lines, sorted(writer.calls))


def _calls_anywhere(properties: dict[str, Any]) -> list[str]:
    """Every pipeline an Execute Pipeline activity at any depth runs."""
    found = {acts.called_pipeline(a) for _, a in acts.walk(acts.pipeline_activities(properties))}
    return sorted(name for name in found if name)


def _trigger_targets(properties: dict[str, Any]) -> list[str]:
    """The pipelines a trigger starts."""
    found = []
    entries = properties.get("pipelines") if isinstance(properties, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        reference = entry.get("pipelineReference") if isinstance(entry, dict) else None
        if isinstance(reference, dict) and isinstance(reference.get("referenceName"), str):
            found.append(reference["referenceName"])
    pipeline = properties.get("pipeline") if isinstance(properties, dict) else None  # tumbling window triggers
    if isinstance(pipeline, dict) and isinstance(pipeline.get("pipelineReference"), dict):
        name = pipeline["pipelineReference"].get("referenceName")
        if isinstance(name, str):
            found.append(name)
    return sorted(set(found))


def _folder(properties: dict[str, Any]) -> str:
    folder = properties.get("folder") if isinstance(properties, dict) else None
    name = folder.get("name") if isinstance(folder, dict) else None
    return name if isinstance(name, str) and name else "(no folder)"


def _edges(triggers: list[Any], pipelines: list[Any]) -> list[tuple[str, str, str]]:
    """(source, target, verb) for each trigger start and each Execute Pipeline call, as `kind:name` keys."""
    edges = [("trigger:" + t.name, "pipeline:" + target, "starts")
             for t in triggers for target in _trigger_targets(t.properties)]
    return edges + [("pipeline:" + p.name, "pipeline:" + target, "runs")
                    for p in pipelines for target in _calls_anywhere(p.properties)]


def factory_diagram(resources: list[Any]) -> Diagram:
    """Triggers → pipelines they start → pipelines they run (controllers → workers → refresh), left to right.

    `resources` are `Resource`s (or anything with kind, name, properties); pipelines are grouped by their ADF folder.
    A factory too large for Mermaid to draw is drawn with one node per folder, edges counting the calls.
    """
    detailed = _detailed_factory(resources)
    if len("\n".join(detailed.lines)) <= MAX_TEXT and sum("-->" in line for line in detailed.lines) <= MAX_EDGES:
        return detailed
    return _folder_factory(resources)


def _folder_factory(resources: list[Any]) -> Diagram:
    """One node for the triggers and one per pipeline folder; edges counting the starts/calls they stand for."""
    ids = Ids()
    pipelines = sorted((r for r in resources if r.kind == "pipeline"), key=lambda r: r.name)
    triggers = sorted((r for r in resources if r.kind == "trigger"), key=lambda r: r.name)
    group = {"pipeline:" + p.name: _folder(p.properties) for p in pipelines}
    group.update({"trigger:" + t.name: "(triggers)" for t in triggers})
    sizes: dict[str, int] = {}
    for name in group.values():
        sizes[name] = sizes.get(name, 0) + 1
    node = {name: ids.of("n", "folder", name) for name in sorted(sizes)}
    lines = ["flowchart LR"]
    for name in sorted(sizes):
        noun = "triggers" if name == "(triggers)" else "pipelines"
        label = f"{sizes[name]} {noun}" if name == "(triggers)" else f"{name}: {sizes[name]} {noun}"
        lines.append(f"  {node[name]}[{quoted(label)}]")
    counts: dict[tuple[str, str, str], int] = {}
    for source, target, verb in _edges(triggers, pipelines):
        key = (group[source], group.get(target, "(not in this folder)"), verb)
        counts[key] = counts.get(key, 0) + 1
    for (source, target, verb), count in sorted(counts.items()):
        if target not in node:
            node[target] = ids.of("n", "folder", target)
            lines.append(f"  {node[target]}[{quoted(target)}]")
        lines.append(f"  {node[source]} -->|{quoted(f'{verb} {count}')}| {node[target]}")
    return Diagram(lines, [p.name for p in pipelines])


def _detailed_factory(resources: list[Any]) -> Diagram:
    """Every trigger and pipeline as its own node."""
    ids = Ids()
    pipelines = sorted((r for r in resources if r.kind == "pipeline"), key=lambda r: r.name)
    triggers = sorted((r for r in resources if r.kind == "trigger"), key=lambda r: r.name)
    node_of: dict[str, str] = {}
    lines = ["flowchart LR"]
    if triggers:
        lines.append(f"  subgraph {ids.of('s', '(triggers)')}[{quoted('triggers')}]")
        for trigger in triggers:
            node_of["trigger:" + trigger.name] = ids.of("n", "trigger", trigger.name)
            kind = trigger.properties.get("type") if isinstance(trigger.properties.get("type"), str) else "trigger"
            lines.append(f"    {node_of['trigger:' + trigger.name]}([{quoted(trigger.name, '<br/>')[:-1]}"
                         f"{quoted(f'({kind})')[1:]}])")
        lines.append("  end")
    by_folder: dict[str, list[Any]] = {}
    for pipeline in pipelines:
        by_folder.setdefault(_folder(pipeline.properties), []).append(pipeline)
    for folder in sorted(by_folder):
        lines.append(f"  subgraph {ids.of('s', 'folder', folder)}[{quoted(folder)}]")
        for pipeline in by_folder[folder]:
            node_of["pipeline:" + pipeline.name] = ids.of("n", "pipeline", pipeline.name)
            lines.append(f"    {node_of['pipeline:' + pipeline.name]}[{quoted(pipeline.name)}]")
        lines.append("  end")
    for source, target, verb in _edges(triggers, pipelines):
        if target not in node_of:  # a pipeline that is not in this folder: drawn once, dashed
            node_of[target] = ids.of("n", "missing", target)
            lines.append(f"  {node_of[target]}[{quoted(target.split(':', 1)[1] + ' (not in this folder)')}]")
        lines.append(f"  {node_of[source]} -->|{quoted(verb)}| {node_of[target]}")
    if len(lines) == 1:
        lines.append(f"  {ids.of('n', '(empty)')}[{quoted('(no pipelines or triggers)')}]")
    return Diagram(lines, [p.name for p in pipelines])
