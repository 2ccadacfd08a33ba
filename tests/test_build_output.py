"""The shipped build: committed golden output, byte-identical rebuilds, atomic writes, ARM layout, envs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adfgen.build import build_factories, default_spec_paths, write_outputs
from adfgen.cli import main
from adfgen.build.writer import read_tree

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "specs" / "xero.yaml"
# what `adfgen build` (scripts/regenerate-out) builds in this repository: xero.yaml and the catalog (specs/catalog/)
SHIPPED = [(spec, env) for spec in default_spec_paths(REPO / "specs") for env in (None, "test", "prod")]


@pytest.mark.parametrize(("spec", "env"), SHIPPED,
                         ids=[f"{spec.stem}-{env or 'base'}" for spec, env in SHIPPED])
def test_committed_out_matches_a_fresh_build(spec, env):
    (build,) = build_factories([spec], env=env)
    committed = read_tree(REPO / "out" / build.name)
    changed = sorted(set(committed) ^ set(build.files)) + sorted(
        p for p in set(committed) & set(build.files) if committed[p] != build.files[p])
    assert not changed, f"out/{build.name} is stale; run scripts/regenerate-out (then review the diff): {changed}"


def test_out_holds_only_the_shipped_factories():
    expected = sorted(build.name for spec, env in SHIPPED for build in build_factories([spec], env=env))
    assert "adf-xero-dev" in expected and "adf-quickbooks-prod" in expected
    assert sorted(p.name for p in (REPO / "out").iterdir()) == expected


def test_two_builds_are_byte_identical(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    write_outputs(build_factories([SPEC]), first)
    write_outputs(build_factories([SPEC]), second)
    assert read_tree(first) == read_tree(second)
    assert all(data.endswith(b"}\n" if path.endswith(".json") else b"\n") and b"\r" not in data
               for path, data in read_tree(first).items())


def test_rebuild_reports_unchanged_and_replaces_stale_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", str(SPEC), "--out", str(out)]) == 0
    stale = out / "adf-xero-dev" / "pipeline" / "pl_removed.json"
    stale.write_text("{}")
    assert main(["build", str(SPEC), "--out", str(out)]) == 0
    assert not stale.exists()
    assert main(["build", str(SPEC), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("(unchanged)")


def test_a_failing_template_leaves_out_untouched(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", str(SPEC), "--out", str(out)]) == 0
    before = read_tree(out)
    broken = tmp_path / "templates" / "pipeline"
    broken.mkdir(parents=True)
    (broken / "controller.json.jinja").write_text('{"name": {{ name | tojson }}, "properties": {{ missing }}}')
    code = main(["build", str(SPEC), "--out", str(out), "--templates", str(tmp_path / "templates")])
    err = capsys.readouterr().err
    assert code == 1 and "controller.json.jinja" in err and "'missing' is undefined" in err
    assert read_tree(out) == before


def test_user_templates_override_built_in_ones_by_file_name(tmp_path):
    custom = tmp_path / "templates" / "trigger"
    custom.mkdir(parents=True)
    builtin = (REPO / "templates" / "trigger" / "schedule.json.jinja").read_text()
    (custom / "schedule.json.jinja").write_text(builtin.replace('"ScheduleTrigger",', '"ScheduleTrigger", "x": 1,'))
    (build,) = build_factories([SPEC], template_dir=tmp_path / "templates")
    triggers = [r for r in build.resources if r.kind == "trigger"]
    assert triggers and all(t.properties["x"] == 1 for t in triggers)


def test_arm_template_has_the_export_layout_and_dependency_order(xero_build):
    arm = json.loads(xero_build.files["arm/ARMTemplateForFactory.json"])
    assert arm["parameters"]["factoryName"] == {"type": "string", "metadata": "Data Factory name",
                                                "defaultValue": "adf-xero-dev"}
    names = [r["name"] for r in arm["resources"]]
    assert all(n.startswith("[concat(parameters('factoryName'), '/") for n in names)
    assert {r["apiVersion"] for r in arm["resources"]} == {"2018-06-01"}
    position = {r["name"].split("/")[-1][:-2]: i for i, r in enumerate(arm["resources"])}
    for resource in arm["resources"]:
        for dep in resource["dependsOn"]:
            assert position[dep.split("/")[-1][:-2]] < position[resource["name"].split("/")[-1][:-2]]
    controller = next(r for r in arm["resources"] if "pl_xero_controller" in r["name"])
    assert "[concat(variables('factoryId'), '/pipelines/pl_xero_slot')]" in controller["dependsOn"]
    slot = next(r for r in arm["resources"] if "pl_xero_slot" in r["name"])  # runs the workers (issue 9)
    assert "[concat(variables('factoryId'), '/pipelines/pl_xero_invoices')]" in slot["dependsOn"]
    assert "[concat(variables('factoryId'), '/pipelines/pl_xero_refresh')]" in controller["dependsOn"]
    trigger = next(r for r in arm["resources"] if "tr_xero_schedule" in r["name"])
    assert trigger["properties"]["runtimeState"] == "Stopped"


def test_environment_values_are_arm_parameters(xero_build):
    arm = json.loads(xero_build.files["arm/ARMTemplateForFactory.json"])
    text = json.dumps(arm["resources"])
    for literal in ("kv-xero-dev", "stxerodev", "https://api.xero.com/api.xro/2.0", '"raw"'):
        assert literal not in text, literal
    params = json.loads(xero_build.files["arm/ARMTemplateParametersForFactory.json"])["parameters"]
    assert params["keyVaultUrl"] == {"value": "https://kv-xero-dev.vault.azure.net/"}
    urls = params["xero_urls"]["value"]  # one object parameter per API (issue 12)
    assert urls["baseUrl"] == "https://api.xero.com/api.xro/2.0"
    assert urls["projects_baseUrl"] == "https://api.xero.com/projects.xro/2.0"
    assert urls["tokenUrl"] == "https://identity.xero.com/connect/token"
    assert params["lake_container"] == {"value": "raw"}
    assert params["ls_lake_properties_typeProperties_url"] == {"value": "https://stxerodev.dfs.core.windows.net/"}
    worker = next(r for r in arm["resources"] if "pl_xero_invoices" in r["name"])
    assert worker["properties"]["parameters"]["KeyVaultUrl"]["defaultValue"] == "[parameters('keyVaultUrl')]"


def test_prod_environment_differs_only_in_environment_values(tmp_path):
    (dev,) = build_factories([SPEC])
    (prod,) = build_factories([SPEC], env="prod")
    assert prod.name == "adf-xero-prod" and prod.config.azure.resource_group == "rg-xero-prod"
    dev_arm = json.loads(dev.files["arm/ARMTemplateForFactory.json"])
    prod_arm = json.loads(prod.files["arm/ARMTemplateForFactory.json"])
    assert dev_arm["resources"] == prod_arm["resources"]  # one template, per-environment parameter values
    prod_params = json.loads(prod.files["arm/ARMTemplateParametersForFactory.json"])["parameters"]
    assert prod_params["keyVaultUrl"]["value"] == "https://kv-xero-prod.vault.azure.net/"
    assert prod_params["factoryName"]["value"] == "adf-xero-prod"


def test_literal_strings_starting_with_a_bracket_are_escaped_in_arm():
    from adfgen.build.writer import arm_template
    from adfgen.core.resources import Resource

    arm = arm_template("f", [Resource("pipeline", "p", {"description": "[draft] x", "activities": []})], [])
    assert arm["resources"][0]["properties"]["description"] == "[[draft] x"


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["schema", "--help"]])
def test_help_has_an_example(args, capsys):
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Usage" in out and ("Example" in out or args == ["--help"])


def test_schema_command_prints_a_json_schema_that_accepts_the_shipped_spec(capsys):
    import jsonschema
    import yaml

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(SPEC.read_text()), schema)
    assert set(schema["$defs"]["Api"]["properties"]) >= {"auth", "secrets", "endpoints", "rate_limit"}


def test_arm_parameters_stay_distinct_when_names_or_values_coincide(tmp_path):
    """Parameter names that would collide get suffixes; a value two sinks share stays per sink."""
    spec = SPEC.read_text().replace(
        "      folder: \"{api}/{endpoint}\"\n",
        "      folder: \"{api}/{endpoint}\"\n"
        "    archive: {type: blob, account_url: \"https://starchive.blob.core.windows.net/\", container: raw}\n")
    spec = spec.replace("    location: westeurope\n", "    location: westeurope\n") + """
  - name: xero_projects
    base_url: https://other.example.com/v1
    sink: archive
    auth: {flow: client_credentials, token_url: "https://login.example.com/token"}
    secrets: {client_id: o-id, client_secret: o-secret, access_token: o-access}
    rate_limit: {requests_per_minute: 60}
    endpoints:
      - {name: things, path: things, records_path: $.items}
"""
    spec = spec.replace("  sinks:\n", "  default_sink: lake\n  sinks:\n", 1)
    path = tmp_path / "spec.yaml"
    path.write_text(spec)
    (build,) = build_factories([path])
    arm = json.loads(build.files["arm/ARMTemplateForFactory.json"])
    params = json.loads(build.files["arm/ARMTemplateParametersForFactory.json"])["parameters"]
    by_name = {r["name"].split("/")[-1][:-3]: r for r in arm["resources"]}

    def base_url_param(pipeline: str) -> str:
        loop = next(a for a in by_name[pipeline]["properties"]["activities"] if a["type"] == "Until")
        copy = next(a for a in loop["typeProperties"]["activities"] if a["type"] == "Copy")
        return copy["inputs"][0]["parameters"]["BaseUrl"]

    # 'xero' + endpoint 'projects' and API 'xero_projects': each API's URLs are its own object parameter
    assert params["xero_urls"]["value"]["projects_baseUrl"] == "https://api.xero.com/projects.xro/2.0"
    assert base_url_param("pl_xero_projects") == "[parameters('xero_urls').projects_baseUrl]"
    assert base_url_param("pl_xero_projects_things") == "[parameters('xero_projects_urls').baseUrl]"
    assert params["xero_projects_urls"]["value"]["baseUrl"] == "https://other.example.com/v1"
    # both sinks use container 'raw' today; each dataset is bound to its own sink's parameter
    assert by_name["ds_lake_json"]["properties"]["typeProperties"]["location"]["fileSystem"] == \
        "[parameters('lake_container')]"
    assert by_name["ds_archive_json"]["properties"]["typeProperties"]["location"]["container"] == \
        "[parameters('archive_container')]"


def test_build_warns_that_chunked_copies_rely_on_expressions_in_pagination_rules(tmp_path, capsys):
    assert main(["build", str(SPEC), "--out", str(tmp_path)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1
    assert "apis[0]: invoices, contacts, payments, bank_transactions, credit_notes, projects, project_tasks, " \
           "project_time copy in chunks" in warnings[0]
    assert "rest.rule_expressions" in warnings[0] and "assumed" in warnings[0]
    assert "accounts" not in warnings[0].split("copy in chunks")[0]  # unpaged: one request
    import yaml

    unpaged = yaml.safe_load(SPEC.read_text())
    unpaged["apis"][0]["pagination"] = {"kind": "none"}
    for endpoint in unpaged["apis"][0]["endpoints"]:
        endpoint["pagination"] = {"kind": "none"}
    (tmp_path / "unpaged.yaml").write_text(yaml.safe_dump(unpaged))
    assert main(["build", str(tmp_path / "unpaged.yaml"), "--out", str(tmp_path / "q")]) == 0
    assert "warning" not in capsys.readouterr().err


def test_linked_templates_split_a_factory_beyond_arm_limits(xero_build):
    from adfgen.build.arm_linked import linked_templates

    template = json.loads(xero_build.files["arm/ARMTemplateForFactory.json"])
    files = linked_templates(template, max_resources=5, max_bytes=10**7)
    chunks = [files[f"linkedTemplates/ArmTemplate_{i}.json"] for i in range(len(files) - 2)]
    assert len(chunks) == -(-len(template["resources"]) // 5) and all(len(c["resources"]) <= 5 for c in chunks)
    assert [r["name"] for c in chunks for r in c["resources"]] == [r["name"] for r in template["resources"]]
    ids = set()
    for chunk in chunks:  # dependencies inside a chunk stay; earlier chunks are deployed first
        own = {f"[concat(variables('factoryId'), '/{r['type'].rsplit('/', 1)[1]}/{r['name'].split('/', 1)[1][:-3]}')]"
               for r in chunk["resources"]}
        assert all(d in own for r in chunk["resources"] for d in r["dependsOn"])
        ids |= own
    master = files["linkedTemplates/ArmTemplate_master.json"]
    deployments = master["resources"]
    assert [d["dependsOn"] for d in deployments][1] == [
        "[resourceId('Microsoft.Resources/deployments', concat(parameters('factoryName'), '_ArmTemplate_0'))]"]
    assert deployments[2]["properties"]["templateLink"]["uri"] == (
        "[concat(parameters('containerUri'), '/ArmTemplate_2.json', parameters('containerSasToken'))]")
    assert master["parameters"]["containerSasToken"]["type"] == "secureString"
    assert "containerSasToken" not in files["linkedTemplates/ArmTemplateParameters_master.json"]["parameters"]


def test_a_factory_beyond_arm_limits_gets_linked_templates(big_synthetic_build):
    build = big_synthetic_build
    assert len(build.resources) > 800
    linked = sorted(p for p in build.files if p.startswith("arm/linkedTemplates/"))
    assert "arm/linkedTemplates/ArmTemplate_master.json" in linked and "arm/linkedTemplates/ArmTemplate_1.json" in linked
    for path in linked:
        if "ArmTemplate_" in path and "master" not in path:
            assert len(json.loads(build.files[path])["resources"]) <= 800 and len(build.files[path]) <= 4 * 1024 * 1024
    assert not any(p.startswith("arm/linkedTemplates/") for p in build_factories([SPEC])[0].files)
