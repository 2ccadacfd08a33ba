"""Independent judges of a build's output: the documented naming rules and ARM string literals, written apart
from adfgen's own implementation so that the two can disagree."""

from __future__ import annotations

import json
import re
from pathlib import Path

# https://learn.microsoft.com/azure/data-factory/naming-rules: start with a letter, none of . + ? / < > * % & : \ ;
# no dashes for linked services and datasets; plus '#' (ARM resource-name rules), quotes and control characters
_DOCUMENTED = re.compile(r"^[A-Za-z][^.+?/<>*%&:\\#'\x00-\x1f\x7f]{0,259}$")
_ARM_NAME = re.compile(r"^\[concat\(parameters\('factoryName'\), '((?:[^']|'')*)'\)\]$")


def output_faults(folder: Path) -> list[str]:
    """Names breaking the documented rules, unparsable JSON, ARM names that are not one well-quoted literal."""
    faults = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(ord(c) < 0x20 for c in str(rel)):
            faults.append(f"control character in file name {str(rel)!r}")
        if not path.is_file() or path.suffix != ".json":
            continue  # e.g. the reviewers' README.md beside the kind folders
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            faults.append(f"{rel}: not JSON ({exc})")
            continue
        if rel.parts[0] in ("linkedService", "dataset", "pipeline", "trigger"):
            name = doc.get("name", "")
            if not _DOCUMENTED.match(name) or (rel.parts[0] in ("linkedService", "dataset") and "-" in name):
                faults.append(f"{rel}: name {name!r} breaks the naming rules")
        for resource in doc.get("resources", []) if rel.parts[0] == "arm" else []:
            if isinstance(resource, dict) and "name" in resource and not str(resource["type"]).endswith(
                    "deployments") and resource["type"].count("/") > 1 and not _ARM_NAME.match(resource["name"]):
                faults.append(f"{rel}: ARM name {resource['name']!r} is not one quoted literal")
    return faults
