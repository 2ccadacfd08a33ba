"""Deterministic output: the Git-integration layout, the ARM template and parameters file, atomic writes."""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable

import orjson

from adfgen.build.arm_linked import exceeds_limits, linked_templates, parameter_problem
from adfgen.build.fragments import quote_literal
from adfgen.core.termination import sigterm_raises
from adfgen.core.errors import AdfgenError
from adfgen.core.jsonout import dump_bytes
from adfgen.build.contexts import ArmBinding
from adfgen.core.resources import KINDS, Resource, reference_in, sort_resources
from adfgen.review import README_NAME, factory_readme

ARM_DIR = "arm"
ARM_TEMPLATE = f"{ARM_DIR}/ARMTemplateForFactory.json"
ARM_PARAMETERS = f"{ARM_DIR}/ARMTemplateParametersForFactory.json"


def git_files(resources: Iterable[Resource]) -> dict[str, bytes]:
    """`<kind>/<name>.json` → bytes of `{"name", "properties"}`."""
    return {r.git_path: dump_bytes(r.to_git()) for r in resources}


def references_of(properties: Any) -> set[tuple[str, str]]:
    """Every `{"referenceName", "type": "<Kind>Reference"}` inside a resource, as (kind, name)."""
    found: set[tuple[str, str]] = set()
    stack = [properties]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            reference = reference_in(node)
            if reference:
                found.add(reference)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def dependency_order(resources: list[Resource],
                     references: dict[tuple[str, str], set[tuple[str, str]]] | None = None) -> list[Resource]:
    """Deploy order by kind, and within a kind referenced resources first (stable by name)."""
    if references is None:
        references = {(r.kind, r.name): references_of(r.properties) for r in resources}
    ordered: list[Resource] = []
    for kind in sorted(KINDS.values(), key=lambda k: k.deploy_order):
        pending = {r.name: r for r in sort_resources(resources) if r.kind == kind.name}
        while pending:
            ready = [r for r in pending.values()
                     if not ({n for k, n in references[(r.kind, r.name)] if k == kind.name and n != r.name}
                             & pending.keys())]
            for r in ready or [next(iter(pending.values()))]:  # a cycle: keep going by name
                ordered.append(r)
                del pending[r.name]
    return ordered


def _arm_value(node: Any, bindings: dict[str, list[ArmBinding]], resource: str, key: str | None = None) -> Any:
    """Copy `node`, turning bound values into `[parameters('x')]` and escaping literal `[...]` strings."""
    if isinstance(node, dict):
        return {k: _arm_value(v, bindings, resource, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_arm_value(v, bindings, resource, key) for v in node]
    if isinstance(node, str):
        for binding in bindings.get(node, ()):
            if key in binding.keys and (
                    binding.resources is None or resource in binding.resources):
                return binding.reference
        return "[" + node if node.startswith("[") else node  # ARM reads "[...]" as an expression
    return node


def _replacements(bindings: list[ArmBinding]) -> list[tuple[ArmBinding, bytes, list[tuple[bytes, bytes]]]]:
    """Per binding: its value and the compact-JSON `"key":"value"` pairs to rewrite as parameter references."""
    prepared = []
    for binding in bindings:
        value = orjson.dumps(binding.value)
        reference = orjson.dumps(binding.reference)
        pairs = [(orjson.dumps(key) + b":" + value, orjson.dumps(key) + b":" + reference)
                 for key in sorted(binding.keys)]
        prepared.append((binding, value, pairs))
    return prepared


def _arm_properties(properties: dict[str, Any], replacements: list, by_value: dict[str, list[ArmBinding]],
                    resource: str) -> dict[str, Any]:
    """`_arm_value` of a resource's properties; as a text replacement on compact JSON when that is exact."""
    text = orjson.dumps(properties)
    if b'"[' in text:
        return _arm_value(properties, by_value, resource)  # literal "[..." strings to escape: walk it
    for binding, value, pairs in replacements:
        if value in text and (binding.resources is None or resource in binding.resources):
            for old, new in pairs:  # compact JSON writes every pair as "key":"value"
                text = text.replace(old, new)
    return orjson.loads(text)


def arm_template(factory_name: str, resources: list[Resource], bindings: list[ArmBinding]) -> dict[str, Any]:
    """The ARM template in the layout ADF's own export uses, env-specific values as parameters."""
    by_value: dict[str, list[ArmBinding]] = {}
    for binding in bindings:
        by_value.setdefault(binding.value, []).append(binding)
    parameters: dict[str, Any] = {"factoryName": {"type": "string", "metadata": "Data Factory name",
                                                  "defaultValue": factory_name}}
    for binding in bindings:
        if binding.member is None:
            parameters.setdefault(binding.parameter, {"type": "string", "defaultValue": binding.value})
        else:  # one object per API: its URLs as properties
            parameters.setdefault(binding.parameter, {"type": "object", "defaultValue": {}})
            parameters[binding.parameter]["defaultValue"].setdefault(binding.member, binding.value)
    references = {(r.kind, r.name): references_of(r.properties) for r in resources}
    replacements = _replacements(bindings)
    arm_resources = []
    for resource in dependency_order(resources, references):
        kind = resource.kind_info
        properties = _arm_properties(resource.properties, replacements, by_value, resource.name)
        if resource.kind == "trigger":
            # read-only in ARM; Microsoft's pre/post-deployment script starts only a literal "Started"
            properties = {**properties, "runtimeState": properties.get("runtimeState") or "Stopped"}
        # names inside ARM string literals: quotes doubled by construction (the naming rules refuse them as well)
        depends = sorted(f"[concat(variables('factoryId'), {quote_literal(f'/{KINDS[k].arm_segment}/{n}')})]"
                         for k, n in references[(resource.kind, resource.name)] if (k, n) != (resource.kind, resource.name))
        arm_resources.append({"name": f"[concat(parameters('factoryName'), {quote_literal('/' + resource.name)})]",
                              "type": kind.arm_type, "apiVersion": "2018-06-01",
                              "properties": properties, "dependsOn": depends})
    return {"$schema": "http://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "parameters": parameters,
            "variables": {"factoryId": "[concat('Microsoft.DataFactory/factories/', parameters('factoryName'))]"},
            "resources": arm_resources}


def arm_parameters(template: dict[str, Any]) -> dict[str, Any]:
    """The parameters file holding this environment's values."""
    return {"$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentParameters.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {name: {"value": p["defaultValue"]} for name, p in template["parameters"].items()}}


def factory_files(factory_name: str, resources: list[Resource], bindings: list[ArmBinding]) -> dict[str, bytes]:
    """Every file of `out/<factory>/`, path → bytes, sorted by path."""
    files = git_files(resources)
    template = arm_template(factory_name, resources, bindings)
    problem = parameter_problem(template)
    if problem:
        raise AdfgenError(f"factory {factory_name}: {problem}")
    files[ARM_TEMPLATE] = dump_bytes(template)
    files[ARM_PARAMETERS] = dump_bytes(arm_parameters(template))
    # diagrams for reviewers, beside the kind folders: ADF, check and deploy read only those folders
    files[README_NAME] = factory_readme(factory_name, resources).encode("utf-8")
    if exceeds_limits(template, len(files[ARM_TEMPLATE])):
        for rel, doc in linked_templates(template).items():
            files[f"{ARM_DIR}/{rel}"] = dump_bytes(doc)
    return dict(sorted(files.items()))


def write_tree(target: Path, files: dict[str, bytes]) -> bool:
    """Replace `target` with exactly `files`, atomically; returns False when it already matched."""
    target = Path(target)
    if _tree_matches(target, files):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    with sigterm_raises():  # a cancelled CI job (SIGTERM) still removes the staging folder
        _replace_tree(target, files)
    return True


def _replace_tree(target: Path, files: dict[str, bytes]) -> None:
    """Write `files` into a staging folder beside `target`, then swap it in (two renames)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-{os.getpid()}-", dir=target.parent))
    try:
        for folder in {(staging / rel).parent for rel in files}:
            folder.mkdir(parents=True, exist_ok=True)
        # file creation dominates on slow disks and releases the GIL: a few threads overlap it
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(_write_new_file, [staging / rel for rel in files], files.values()))
        retired = target.parent / f".{target.name}.old-{os.getpid()}"
        if target.exists():
            os.replace(target, retired)
        os.replace(staging, target)
        shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _remove_leftovers(target: Path) -> None:
    """Staging and retired folders of builds that were killed outright (SIGKILL, power loss): their process is gone."""
    for folder in target.parent.glob(f".{target.name}.*-*"):
        kind, _, rest = folder.name[len(target.name) + 2:].partition("-")
        pid = rest.split("-", 1)[0]
        if kind in ("new", "old") and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 checks without sending anything)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_new_file(path: Path, data: bytes) -> None:
    """Create `path` (it must not exist) holding exactly `data`."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


def stale_files(files: dict[str, bytes], target: Path) -> list[tuple[str, str]]:
    """How `target` differs from exactly `files`: (relative path, "missing" | "differs" | "extra"), sorted."""
    target = Path(target)
    on_disk = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()} if target.is_dir() else set()
    stale = [(rel, "missing") if rel not in on_disk else (rel, "differs")
             for rel, data in sorted(files.items())
             if rel not in on_disk or (target / rel).read_bytes() != data]
    return stale + [(rel, "extra") for rel in sorted(on_disk - set(files))]


def _tree_matches(target: Path, files: dict[str, bytes]) -> bool:
    return Path(target).is_dir() and not stale_files(files, target)


def read_tree(target: Path) -> dict[str, bytes]:
    """Every file under `target`, relative path → bytes (empty when it does not exist)."""
    target = Path(target)
    if not target.is_dir():
        return {}
    return {p.relative_to(target).as_posix(): p.read_bytes() for p in sorted(target.rglob("*")) if p.is_file()}
