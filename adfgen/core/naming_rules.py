"""ADF's naming rules per resource kind, as one function shared by the spec, the build and `adfgen check`.

Documented (https://learn.microsoft.com/azure/data-factory/naming-rules, "Linked services/Datasets/Pipelines/Data
Flows"): names start with a letter; none of . + ? / < > * % & : \\ ; no dashes in linked service, dataset and data
flow names. Integration runtimes: letters, digits and single dashes between them. Documented for every Azure
resource (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules): no '#'.
Triggers are not in the table: the pipeline rules are applied to them (assumed).
adfgen's own rules: no quote (a name is written inside '...' literals in ARM and ADF expressions, where an undoubled
quote ends the literal) and no control characters (names are file names in the Git layout).
"""

from __future__ import annotations

import re

MAX_NAME = 260  # the longest resource name ADF accepted (documented for Data Factory v1 tables; assumed for v2)
FORBIDDEN = set(".+?/<>*%&:\\")
NO_DASHES = {"linkedService", "dataset", "dataflow"}
START_WITH_LETTER = "must start with a letter"
# Factories in the check corpus hold pipelines, triggers and datasets named `01-Copy`, `_Trigger`, `1_110`
# (observed): ADF has accepted a digit or '_' first, against the documented rule (which an older version of the page
# allowed), so `check` only warns about those first characters; `build` refuses them.
FIRST_CHARACTER_TOLERATED = set("0123456789_")
_INTEGRATION_RUNTIME = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")


def name_problems(kind: str, name: str) -> list[str]:
    """Why `name` is not a valid name for a resource of `kind` (empty when it is valid)."""
    if not name:
        return ["a name must not be empty"]
    if kind == "integrationRuntime":
        return [] if _INTEGRATION_RUNTIME.match(name) else [
            "an integration runtime name has only letters, digits and single dashes between them"]
    problems = []
    if not name[0].isascii() or not name[0].isalpha():
        problems.append(START_WITH_LETTER)
    bad = sorted({c for c in name if c in FORBIDDEN or c == "#"})
    if bad:
        problems.append("must not contain " + " ".join(bad))
    if kind in NO_DASHES and "-" in name:
        problems.append(f"dashes are not allowed in {kind} names")
    if "'" in name:
        problems.append("must not contain a quote (')")
    if any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in name):
        problems.append("must not contain control characters")
    if len(name) > MAX_NAME:
        problems.append(f"is {len(name)} characters long; at most {MAX_NAME}")
    return problems
