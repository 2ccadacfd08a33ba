"""Linked ARM templates, as ADF's export writes them, for factories beyond one template's limits."""

from __future__ import annotations

from typing import Any

from adfgen.core.jsonout import dump_bytes

# Azure Resource Manager's limits for one template (documented: https://learn.microsoft.com/azure/
# azure-resource-manager/templates/best-practices#template-limits)
MAX_RESOURCES = 800
MAX_BYTES = 4 * 1024 * 1024
MAX_PARAMETERS = 256
MASTER_PARAMETERS = ("containerUri", "containerSasToken")  # what the linked templates' master adds
FOLDER = "linkedTemplates"
DEPLOYMENT_API_VERSION = "2018-02-01"


def exceeds_limits(template: dict[str, Any], size: int) -> bool:
    """True when one template cannot hold the factory (too many resources or too many bytes)."""
    return len(template["resources"]) > MAX_RESOURCES or size > MAX_BYTES


def parameter_problem(template: dict[str, Any]) -> str | None:
    """Why the template has too many parameters for ARM (counting the linked master's own two), or None."""
    count = len(template["parameters"]) + len(MASTER_PARAMETERS)
    if count <= MAX_PARAMETERS:
        return None
    return (f"the ARM template needs {count} parameters (with the linked templates' {len(MASTER_PARAMETERS)}), more "
            f"than ARM's {MAX_PARAMETERS}: split the APIs over several factories (each API adds one object "
            "parameter of its URLs, each sink two)")


def _chunks(resources: list[dict[str, Any]], max_resources: int, max_bytes: int) -> list[list[dict[str, Any]]]:
    """Consecutive runs of resources (already in dependency order), each within both limits."""
    budget = max_bytes - 64 * 1024  # room for the template's own parameters and envelope
    chunks: list[list[dict[str, Any]]] = [[]]
    size = 0
    for resource in resources:
        text = dump_bytes(resource)
        resource_size = len(text) + 4 * text.count(b"\n")  # it sits two levels deeper in the file
        if chunks[-1] and (len(chunks[-1]) >= max_resources or size + resource_size > budget):
            chunks.append([])
            size = 0
        chunks[-1].append(resource)
        size += resource_size
    return chunks


def _resource_id(resource: dict[str, Any]) -> str:
    """The dependsOn id other resources use for this one."""
    name = resource["name"].split("/", 1)[1][:-3]  # "[concat(parameters('factoryName'), '/x')]" -> x
    segment = resource["type"].rsplit("/", 1)[1]
    return f"[concat(variables('factoryId'), '/{segment}/{name}')]"


def linked_templates(template: dict[str, Any], max_resources: int = MAX_RESOURCES,
                     max_bytes: int = MAX_BYTES) -> dict[str, dict[str, Any]]:
    """`linkedTemplates/` files: ArmTemplate_N.json chunks and a master deploying them one after another."""
    files: dict[str, dict[str, Any]] = {}
    names = list(template["parameters"])
    master_resources = []
    for index, chunk in enumerate(_chunks(template["resources"], max_resources, max_bytes)):
        inside = {_resource_id(r) for r in chunk}
        # a dependency in an earlier chunk is met by deploying the chunks in order
        resources = [{**r, "dependsOn": [d for d in r["dependsOn"] if d in inside]} for r in chunk]
        files[f"{FOLDER}/ArmTemplate_{index}.json"] = {**template, "resources": resources}
        deployment = f"[concat(parameters('factoryName'), '_ArmTemplate_{index}')]"
        previous = ([f"[resourceId('Microsoft.Resources/deployments', concat(parameters('factoryName'), "
                     f"'_ArmTemplate_{index - 1}'))]"] if index else [])
        master_resources.append({
            "name": deployment, "type": "Microsoft.Resources/deployments", "apiVersion": DEPLOYMENT_API_VERSION,
            "properties": {
                "mode": "incremental",
                "templateLink": {"uri": f"[concat(parameters('containerUri'), '/ArmTemplate_{index}.json', "
                                        "parameters('containerSasToken'))]",
                                 "contentVersion": "1.0.0.0"},
                "parameters": {name: {"value": f"[parameters('{name}')]"} for name in names}},
            "dependsOn": previous})
    master_parameters = {**template["parameters"],
                         "containerUri": {"type": "string", "metadata": "URI of the storage folder holding these files"},
                         "containerSasToken": {"type": "secureString", "metadata": "SAS token for that folder"}}
    files[f"{FOLDER}/ArmTemplate_master.json"] = {
        "$schema": template["$schema"], "contentVersion": "1.0.0.0", "parameters": master_parameters,
        "variables": template["variables"], "resources": master_resources}
    files[f"{FOLDER}/ArmTemplateParameters_master.json"] = {
        "$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {**{name: {"value": p["defaultValue"]} for name, p in template["parameters"].items()},
                       "containerUri": {"value": ""}}}  # the SAS token is a secret: supplied at deployment
    return files
