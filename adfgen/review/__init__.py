"""Code review aids: Mermaid diagrams of pipelines and factories, and a semantic diff between two builds.

Works on plain resource dicts / `adfgen.core.resources.Resource`; imports only core and expressions.

    pipeline_diagram(resource)            -> Diagram   one pipeline's activities as a Mermaid flowchart
    factory_diagram(resources)            -> Diagram   triggers → pipelines → the pipelines they call
    factory_readme(name, resources)       -> str       out/<factory>/README.md
    diff_factories(before, after)         -> [Change]  what changed, security-relevant first
"""

from __future__ import annotations

from .diagram import Diagram, factory_diagram, pipeline_diagram
from .diff import Change, diff_factories
from .readme import README_NAME, factory_readme

__all__ = ["Change", "Diagram", "README_NAME", "diff_factories", "factory_diagram", "factory_readme",
           "pipeline_diagram"]
