"""deploy refuses, before its first PUT, a source whose references would dangle (found by README QA: a folder with a
dangling dataset reference published 42 resources, then failed on the pipeline with HTTP 400)."""

from __future__ import annotations

from adfgen.core.resources import Resource
from tests.peers.fixtures import FACTORY, RG, SUB, managed, sample_resources
from tests.test_deploy_cli import arm, run, source_args, write_source  # noqa: F401 (arm is a fixture)


def renamed_reference(resources: list[Resource], old: str, new: str) -> list[Resource]:
    """`resources` with every reference to `old` naming `new` instead."""
    def swap(node):
        if isinstance(node, dict):
            return {k: (new if k == "referenceName" and v == old else swap(v)) for k, v in node.items()}
        return [swap(item) for item in node] if isinstance(node, list) else node
    return [Resource(r.kind, r.name, swap(r.properties)) for r in resources]


def test_dangling_references_are_refused_by_name_before_any_put(arm, tmp_path, capsys):
    arm.add_factory(SUB, RG, FACTORY)
    resources = renamed_reference(renamed_reference(sample_resources(), "ds_rest", "ds_missing"),
                                  "pl_refresh", "pl_nowhere")
    folder = write_source(tmp_path / "src", resources)

    code, _, err = run(capsys, "deploy", *source_args(arm, folder))

    assert code == 1 and "2 references would dangle" in err and "Nothing was deployed" in err
    assert ('pipeline pl_worker: activities[0] (Lookup "Lookup").typeProperties.dataset names dataset ds_missing'
            in err)
    assert ('pipeline pl_controller: activities[0] (ExecutePipeline "Refresh").typeProperties.pipeline names '
            'pipeline pl_nowhere' in err)
    assert arm.count("PUT") == 0


def test_a_reference_to_a_live_resource_not_in_the_folder_is_fine(arm, tmp_path, capsys):
    arm.add_factory(SUB, RG, FACTORY)
    (dataset,) = [r for r in sample_resources() if r.name == "ds_rest"]
    arm.put_resource(FACTORY, "datasets", "ds_rest", dataset.properties)
    # ADF names are case-insensitive: DS_REST is the live ds_rest
    resources = renamed_reference([r for r in sample_resources() if r.name != "ds_rest"], "ds_rest", "DS_REST")
    folder = write_source(tmp_path / "src", resources)

    code, out, err = run(capsys, "deploy", *source_args(arm, folder))

    assert code == 0, out + err
    assert arm.resource(FACTORY, "pipelines", "pl_worker") is not None


def test_a_reference_to_a_live_resource_prune_would_delete_is_refused(arm, tmp_path, capsys):
    arm.add_factory(SUB, RG, FACTORY)
    (dataset,) = [r for r in sample_resources() if r.name == "ds_rest"]
    arm.put_resource(FACTORY, "datasets", "ds_rest", managed(dataset.properties))  # adfgen's: --prune deletes it
    folder = write_source(tmp_path / "src", [r for r in sample_resources() if r.name != "ds_rest"])

    code, _, err = run(capsys, "deploy", *source_args(arm, folder, "--prune"))

    assert code == 1 and "1 reference would dangle" in err
    assert "names dataset ds_rest (live, but --prune deletes it)" in err
    assert arm.count("PUT") == 0 and arm.count("DELETE") == 0
    assert run(capsys, "deploy", *source_args(arm, folder))[0] == 0  # without --prune it stays and resolves


def test_plan_warns_that_deploy_would_refuse(arm, tmp_path, capsys):
    arm.add_factory(SUB, RG, FACTORY)
    folder = write_source(tmp_path / "src", renamed_reference(sample_resources(), "ds_rest", "ds_missing"))

    code, _, err = run(capsys, "plan", *source_args(arm, folder)[:-1])

    assert code == 3 and "warning: deploy would refuse this plan: 1 reference would dangle" in err
    assert "names dataset ds_missing" in err and "Nothing was deployed" not in err


def test_create_factory_refuses_before_creating_the_factory(arm, tmp_path, capsys):
    folder = write_source(tmp_path / "src", renamed_reference(sample_resources(), "ds_rest", "ds_missing"))

    code, _, err = run(capsys, "deploy", *source_args(arm, folder, "--create-factory", "--location", "westeurope"))

    assert code == 1 and "names dataset ds_missing" in err and "Nothing was deployed" in err
    assert arm.count("PUT") == 0  # not even the factory
