"""ARM parameters for URLs: one object parameter per API keeps a factory of many APIs within ARM's 256 parameters,
and the template, once ARM resolves its parameters, is exactly the built factory (deployed to the local ARM peer)."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml

from adfgen.azure.deploy import deploy
from adfgen.build import build_factories
from adfgen.build.arm_linked import MASTER_PARAMETERS, MAX_PARAMETERS, parameter_problem
from adfgen.build.writer import ARM_PARAMETERS, ARM_TEMPLATE
from adfgen.core.resources import Resource
from tests.peers.arm_server import ArmServer
from tests.peers.fixtures import FACTORY, RG, SUB, make_clients, target

APIS, ENDPOINTS = 60, 5
REFERENCE = re.compile(r"^\[parameters\('([^']+)'\)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\]$")


def many_apis_spec(apis: int = APIS, endpoints: int = ENDPOINTS) -> dict:
    """`apis` APIs of `endpoints` endpoints, each endpoint on its own host: the most URLs a spec can have."""
    return {
        "factory": {"name": "adf-many", "key_vault_url": "https://kv-many.vault.azure.net/",
                    "sinks": {"lake": {"type": "adls_gen2", "account_url": "https://stmany.dfs.core.windows.net/",
                                       "container": "raw"}}},
        "apis": [{
            "name": f"api{a}", "base_url": f"https://api{a}.example.com/v1",
            "auth": {"flow": "authorization_code", "authorize_url": f"https://login{a}.example.com/authorize",
                     "token_url": f"https://login{a}.example.com/token"},
            "secrets": {"client_id": f"a{a}-id", "client_secret": f"a{a}-secret", "refresh_token": f"a{a}-refresh",
                        "access_token": f"a{a}-access"},
            "rate_limit": {"requests_per_minute": 60},
            "endpoints": [{"name": f"e{e}", "path": f"things{e}", "records_path": "$.items",
                           **({"base_url": f"https://data{e}.api{a}.example.com/v2"} if e else {})}
                          for e in range(endpoints)],
        } for a in range(apis)],
    }


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    path = tmp_path_factory.mktemp("many") / "spec.yaml"
    path.write_text(yaml.safe_dump(many_apis_spec()), encoding="utf-8")
    (factory,) = build_factories([path])
    return factory


def resolve(node, values: dict):
    """What ARM deploys: `[parameters('p')]` and `[parameters('p').m]` replaced by their values, `[[` unescaped;
    any other expression in a resource's properties is a failure (the build writes no other)."""
    if isinstance(node, dict):
        return {k: resolve(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, values) for v in node]
    if isinstance(node, str) and node.startswith("[["):
        return node[1:]
    if isinstance(node, str) and node.startswith("["):
        match = REFERENCE.match(node)
        assert match, f"unexpected ARM expression {node!r}"
        value = values[match.group(1)]
        return value[match.group(2)] if match.group(2) else value
    return node


def deployed_resources(factory, values: dict | None = None) -> list[Resource]:
    """The resources ARM would create from the template with `values` (default: the parameters file's)."""
    template = json.loads(factory.files[ARM_TEMPLATE])
    if values is None:
        values = {k: v["value"] for k, v in json.loads(factory.files[ARM_PARAMETERS])["parameters"].items()}
    kinds = {"linkedservices": "linkedService", "datasets": "dataset", "pipelines": "pipeline", "triggers": "trigger"}
    resources = []
    for resource in template["resources"]:
        name = resource["name"].split("'/", 1)[1][:-3]  # "[concat(parameters('factoryName'), '/x')]" -> x
        kind = kinds[resource["type"].rsplit("/", 1)[1].lower()]
        resources.append(Resource(kind, name, resolve(resource["properties"], values)))
    return resources


def test_sixty_apis_of_five_hosts_each_stay_within_arms_parameter_limit(many):
    template = json.loads(many.files[ARM_TEMPLATE])
    parameters = template["parameters"]
    assert len(parameters) + len(MASTER_PARAMETERS) <= MAX_PARAMETERS
    objects = {name: p["defaultValue"] for name, p in parameters.items() if p["type"] == "object"}
    assert sorted(objects) == sorted(f"api{a}_urls" for a in range(APIS))
    assert objects["api7_urls"] == {"baseUrl": "https://api7.example.com/v1",
                                    **{f"e{e}_baseUrl": f"https://data{e}.api7.example.com/v2"
                                       for e in range(1, ENDPOINTS)},
                                    "tokenUrl": "https://login7.example.com/token"}
    # every URL is a parameter reference, none a literal left for one environment
    text = json.dumps(template["resources"])
    assert "example.com" not in text.replace("https://login7.example.com/authorize", "")
    assert "[parameters('api7_urls').tokenUrl]" in text


def test_the_template_resolves_to_exactly_the_built_factory(many):
    by_key = {(r.kind, r.name): r.properties for r in many.resources}
    resolved = deployed_resources(many)
    assert len(resolved) == len(by_key)
    for resource in resolved:
        built = by_key[(resource.kind, resource.name)]
        if resource.kind == "trigger":  # ARM writes runtimeState Stopped where the build leaves it unset
            built = {**built, "runtimeState": built.get("runtimeState") or "Stopped"}
        assert resource.properties == built, resource.name


def test_another_environments_values_move_only_their_api(many):
    values = {k: v["value"] for k, v in json.loads(many.files[ARM_PARAMETERS])["parameters"].items()}
    changed = copy.deepcopy(values)
    changed["api3_urls"]["tokenUrl"] = "https://sandbox-login3.example.com/token"
    changed["api3_urls"]["e2_baseUrl"] = "https://sandbox-data.example.com/v2"
    before = {(r.kind, r.name): r.properties for r in deployed_resources(many, values)}
    after = {(r.kind, r.name): r.properties for r in deployed_resources(many, changed)}
    moved = sorted(name for key, name in before if before[(key, name)] != after[(key, name)])
    assert moved == ["pl_api3_e2", "pl_api3_refresh"]
    assert "https://sandbox-login3.example.com/token" in json.dumps(after[("pipeline", "pl_api3_refresh")])


def test_the_resolved_template_deploys_to_the_arm_peer(many):
    resources = deployed_resources(many)
    with ArmServer(page_size=50) as arm:
        arm.add_factory(SUB, RG, FACTORY)
        report = deploy(make_clients(arm), target(), resources)
    assert report.ok, [s.to_json() for s in report.steps if s.status != "done"]


def test_too_many_parameters_is_refused_with_advice():
    template = {"parameters": {f"p{i}": {} for i in range(MAX_PARAMETERS - len(MASTER_PARAMETERS))}}
    assert parameter_problem(template) is None
    template["parameters"]["one_more"] = {}
    problem = parameter_problem(template)
    assert f"needs {MAX_PARAMETERS + 1} parameters" in problem and "split the APIs" in problem


def test_two_apis_sharing_a_host_keep_their_own_parameters(tmp_path):
    data = many_apis_spec(apis=2, endpoints=1)
    data["apis"][1]["base_url"] = data["apis"][0]["base_url"]
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    (factory,) = build_factories([path])
    template = json.loads(factory.files[ARM_TEMPLATE])
    text = {r["name"]: json.dumps(r["properties"]) for r in template["resources"]}
    worker = lambda a: next(t for n, t in text.items() if f"/pl_api{a}_e0'" in n)  # noqa: E731
    assert "parameters('api0_urls').baseUrl" in worker(0) and "parameters('api1_urls').baseUrl" in worker(1)
