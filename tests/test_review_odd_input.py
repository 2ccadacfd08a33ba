"""`adfgen diff` / `adfgen diagram` on what real repositories hold (issue 17 review): data flows and other Git folders,
factories below the folder given, folders holding none, adfgen's own URL parameters, tumbling windows, long values."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import given, settings, strategies as st

from adfgen.cli import main
from adfgen.core.resources import Resource
from adfgen.review import diff_factories
from adfgen.review.compare import FactoryDiff
from adfgen.review.report import diff_markdown, diff_text

REPO = Path(__file__).resolve().parent.parent
CASE = REPO / "tests" / "review_cases" / "activity_renamed"
SCRIPT = ["source(output(id as string)) ~> src", "src derive(a = 1) ~> d1", "d1 derive(b = 2) ~> d2",
          "d2 derive(c = 3) ~> d3"] + [f"d{i} derive(x{i} = {i}) ~> d{i + 1}" for i in range(3, 9)] + [
          "d9 sink() ~> snk"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def write(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")


def factory(root: Path, script: list[str], global_value: str) -> Path:
    """A factory folder as ADF Studio commits it: a pipeline, a data flow, the factory's own file (no properties)."""
    shutil.copytree(CASE / "before", root)
    write(root / "dataflow" / "df_orders.json", {"name": "df_orders", "properties": {
        "type": "MappingDataFlow", "typeProperties": {"sources": [], "sinks": [], "scriptLines": script}}})
    write(root / "factory" / "adf-x.json", {"name": "adf-x", "location": "westeurope",
                                            "globalParameters": {"Env": {"type": "string", "value": global_value}}})
    write(root / "factory" / "adf-x_ARMTemplateForFactory.json", {"$schema": "https://schema.management.azure.com/"
                                                                  "schemas/2015-01-01/deploymentTemplate.json#",
                                                                  "resources": []})
    return root


def test_a_data_flow_or_global_parameter_change_is_a_change_not_silence(tmp_path, capsys):
    before = factory(tmp_path / "a" / "adf-x", SCRIPT, "dev")
    changed = SCRIPT[:3] + ["d2 derive(c = 30) ~> d3"] + SCRIPT[4:]
    after = factory(tmp_path / "b" / "adf-x", changed, "dev")
    assert run(capsys, "diff", str(before), str(before))[0] == 0
    code, out, err = run(capsys, "diff", str(before), str(after))
    assert code == 3 and "dataflow df_orders" in out and not err
    # the long value is shown as a diff: the changed line, context around it, not the whole script twice
    assert "- d2 derive(c = 3) ~> d3" in out and "+ d2 derive(c = 30) ~> d3" in out
    assert "d5 sink() ~> snk" not in out and out.count("src derive(a = 1)") == 1
    write(after / "dataflow" / "df_orders.json", json.loads((before / "dataflow" / "df_orders.json").read_text()))
    write(after / "factory" / "adf-x.json", {"name": "adf-x", "location": "westeurope",
                                             "globalParameters": {"Env": {"type": "string", "value": "prod"}}})
    code, out, err = run(capsys, "diff", str(before), str(after), "--output", "json")
    (change,) = json.loads(out)["factories"][0]["changes"]
    assert code == 3 and (change["kind"], change["old"], change["new"]) == ("factory", "dev", "prod") and not err


def test_folders_holding_no_factory_are_an_error_and_factories_below_are_found(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "diff", str(tmp_path / "empty"), str(tmp_path / "empty"))
    assert code == 2 and "no ADF resources" in err
    # a repository whose factory sits in a subfolder (adf/), compared at the repository's root
    before = factory(tmp_path / "repo1" / "adf", SCRIPT, "dev")
    after = factory(tmp_path / "repo2" / "adf", SCRIPT, "dev")
    (after / "pipeline" / "pl_xero_invoices.json").unlink()
    code, out, _ = run(capsys, "diff", str(before.parent), str(after.parent))
    assert code == 3 and out.startswith("adf: 1 change") and "pipeline 'pl_xero_invoices' removed" in out
    code, _, err = run(capsys, "diagram", str(tmp_path / "repo1"))
    assert code == 0 and not err
    pipeline = before / "pipeline" / "pl_xero_invoices.json"
    code, _, err = run(capsys, "diff", str(pipeline), str(pipeline))
    assert code == 1 and "a file; adfgen diff compares folders" in err


def test_diff_against_a_ref_with_a_wrong_out_folder_is_an_error(tmp_path, capsys, monkeypatch):
    import subprocess

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "x.md").write_text("x")
    for args in (["init", "-q", "-b", "main"], ["add", "docs"], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=tmp_path,
                       check=True, capture_output=True)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "diff", "main", "--out", "docs")
    assert code == 1 and "no ADF resources" in err


def test_a_file_that_is_not_a_pipeline_is_refused_by_diagram(capsys):
    trigger = REPO / "out" / "adf-xero-dev" / "trigger" / "tr_xero_schedule.json"
    code, out, err = run(capsys, "diagram", str(trigger))
    assert code == 1 and "not a pipeline document" in err and not out


def _pipeline(relative_url: str, key_vault: str) -> Resource:
    return Resource("pipeline", "p", {
        "parameters": {"KeyVaultUrl": {"type": "String", "defaultValue": key_vault}},
        "activities": [{"name": "Copy", "type": "Copy", "typeProperties": {}, "inputs": [
            {"referenceName": "ds_rest", "type": "DatasetReference", "parameters": {"RelativeUrl": relative_url}}]}]})


def test_adfgens_url_parameters_are_url_changes():
    changes = diff_factories([_pipeline("Invoices?page={page}", "https://kv-a.vault.azure.net/")],
                             [_pipeline("Invoices?page={page}&x=1", "https://kv-b.vault.azure.net/")])
    by_where = {c.where: c.category for c in changes if not c.security}
    assert by_where == {"Copy: inputs[0].parameters.RelativeUrl": "url", "parameters.KeyVaultUrl.defaultValue": "url"}


def test_a_tumbling_window_change_is_a_schedule_change():
    def trigger(interval: int) -> Resource:
        return Resource("trigger", "tw", {"type": "TumblingWindowTrigger", "typeProperties": {
            "frequency": "Hour", "interval": interval, "startTime": "2024-01-01T00:00:00Z", "maxConcurrency": 1}})

    (change,) = diff_factories([trigger(1)], [trigger(6)])
    assert (change.category, change.old, change.new) == ("schedule", 1, 6)


def test_a_comment_names_unchanged_factories_once_and_shows_the_changed_ones():
    change = diff_factories([_pipeline("a", "https://kv.vault.azure.net/")],
                            [_pipeline("b", "https://kv.vault.azure.net/")])
    diffs = [FactoryDiff("adf-dev", []), FactoryDiff("adf-prod", change), FactoryDiff("adf-test", [])]
    text = diff_markdown(diffs)
    assert "No changes in `adf-dev`, `adf-test`." in text and "### adf-dev" not in text
    assert "### adf-prod: 1 change" in text
    assert "adf-dev: no changes" in diff_text(diffs)  # the terminal keeps one line per factory


def test_a_diagrams_diff_shows_only_what_changed():
    """Ids depend on the activity, not its position: adding or removing one activity moves no other line."""
    import difflib

    from adfgen.core.resources import load_git_folder
    from adfgen.review import pipeline_diagram
    from adfgen.review.mermaid import Ids

    invoices = next(r for r in load_git_folder(REPO / "out" / "adf-xero-dev") if r.name == "pl_xero_invoices")
    before = pipeline_diagram(invoices.properties).lines
    activities = invoices.properties["activities"]
    removed = activities[0]["name"]
    after = pipeline_diagram({**invoices.properties, "activities": activities[1:]}).lines
    changed = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
               if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    # the removed node's line, its edges, and the one line listing the secure nodes at most
    assert len(changed) <= 1 + len(before) - len(after) + 2, changed
    assert any(removed in line for line in changed)
    ids = Ids()
    assert len({ids.of("n", "same"), ids.of("n", "same"), ids.of("n", "same")}) == 3  # a clash still gets its own id


def test_credential_headers_in_any_spelling_are_hidden():
    def web(value: str) -> Resource:
        return Resource("pipeline", "p", {"activities": [{"name": "W", "type": "WebActivity", "typeProperties": {
            "url": "https://api.example.com/", "method": "GET", "authentication": {"type": "Basic"}, "headers": {
                "x-api-key": value, "Ocp-Apim-Subscription-Key": value, "x-functions-key": value,
                "X-Auth-Token": value, "Cookie": value, "Accept": f"json-{value}"}}}]})

    changes = diff_factories([web("old-7731")], [web("new-9924")])
    shown = {c.where.split("headers", 1)[1]: (c.old, c.new) for c in changes}
    assert shown.pop('["x-api-key"]') == shown.pop('["Ocp-Apim-Subscription-Key"]') == \
        shown.pop('["x-functions-key"]') == shown.pop('["X-Auth-Token"]') == shown.pop(".Cookie") == \
        ("(secret value hidden)", "(secret value hidden)")
    assert shown == {".Accept": ("json-old-7731", "json-new-9924")}  # a header that is no credential stays readable
    auth = diff_factories([web("a")], [Resource("pipeline", "p", {"activities": [{"name": "W", "type": "WebActivity",
                          "typeProperties": {"url": "https://api.example.com/", "method": "GET",
                                             "authentication": {"type": "MSI"}, "headers": {}}}]})])
    assert ("Basic", "MSI") in [(c.old, c.new) for c in auth]  # authentication's type is shown, not hidden


def test_credentials_in_query_strings_and_form_bodies_are_masked():
    def web(url: str, body: str) -> Resource:
        return Resource("pipeline", "p", {"activities": [{"name": "W", "type": "WebActivity", "typeProperties": {
            "url": url, "method": "POST", "body": body}}]})

    changes = diff_factories(
        [web("https://f.azurewebsites.net/api/run?code=k-old-1", "grant_type=refresh_token&refresh_token=r-old-2")],
        [web("https://f.azurewebsites.net/api/run?code=k-new-3&x=1", "client_secret=s-new-4&grant_type=x")])
    text = json.dumps([c.to_json() for c in changes])
    assert not any(value in text for value in ("k-old-1", "r-old-2", "k-new-3", "s-new-4")), text
    assert "?code=(secret value hidden)&x=1" in text and "grant_type=refresh_token&" in text


def test_with_several_factories_changed_every_security_change_comes_first():
    def web(secure: bool) -> Resource:
        policy = {"retry": 1 if secure else 2, "secureOutput": secure}
        return Resource("pipeline", "p", {"activities": [{"name": "W", "type": "WebActivity", "policy": policy,
                                                          "typeProperties": {"url": "https://a.example.com/"}}]})

    changes = diff_factories([web(True)], [web(False)])
    text = diff_markdown([FactoryDiff("adf-dev", changes), FactoryDiff("adf-prod", changes)])
    lines = text.splitlines()
    security = [i for i, line in enumerate(lines) if "secureOutput turned off" in line]
    others = [i for i, line in enumerate(lines) if "policy retry changed" in line]
    assert len(security) == 2 and len(others) == 2 and max(security) < min(others)
    assert lines[security[0]].startswith("- `adf-dev`: ⚠️")
    assert lines[security[1]].startswith("- `adf-prod`: ⚠️")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(["dependsOn", "typeProperties", "policy", "name", "type"]), value=JSON,
       trigger_pipelines=JSON)
def test_malformed_activities_and_triggers_never_raise(field, value, trigger_pipelines):
    """Real factories hold surprises; a hand edit in a pull request can hold any JSON where a list belongs."""
    from adfgen.review import factory_diagram, factory_readme, pipeline_diagram

    good = {"name": "A", "type": "Wait", "dependsOn": [], "policy": {"secureOutput": True}}
    odd = {**good, "name": "B", field: value}
    pipeline = {"activities": [good, odd, {"name": "C", "type": "Wait", "dependsOn": [
        {"activity": "B", "dependencyConditions": ["Succeeded"]}]}]}
    trigger = Resource("trigger", "t", {"type": "ScheduleTrigger", "pipelines": trigger_pipelines})
    before = [Resource("pipeline", "p", {"activities": [good]}), trigger]
    after = [Resource("pipeline", "p", pipeline), trigger]
    for changes in (diff_factories(before, after), diff_factories(after, before)):
        diff_markdown([FactoryDiff("f", changes)])
        diff_text([FactoryDiff("f", changes)])
    pipeline_diagram(pipeline)
    factory_diagram(after)
    factory_readme("f", after)


def test_diagram_of_an_arm_template_draws_the_same_factory(tmp_path, capsys):
    """adfgen's arm/ copy is the same factory as its Git folder: an oracle for reading ARM templates."""
    folder = REPO / "out" / "adf-xero-dev"
    template = folder / "arm" / "ARMTemplateForFactory.json"
    code, out, err = run(capsys, "diagram", str(template))
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert code == 0 and not err
    assert out.split("\n", 1)[1] == readme.split("\n", 1)[1] and out.startswith("# ARMTemplateForFactory\n")
    (tmp_path / "publish").mkdir()
    shutil.copy(template, tmp_path / "publish" / template.name)  # an adf_publish folder: ARM only, no Git layout
    code, out, _ = run(capsys, "diagram", str(tmp_path / "publish"), "--flavor", "azure-devops")
    assert code == 0 and out.split("\n", 1)[1] == readme.split("\n", 1)[1].replace("```mermaid", "::: mermaid") \
        .replace("```", ":::")
    write(tmp_path / "synapse.json", {"resources": [{"type": "Microsoft.Synapse/workspaces/pipelines", "name": "x"}]})
    code, _, err = run(capsys, "diagram", str(tmp_path / "synapse.json"))
    assert code == 2 and "without Data Factory resources" in err


def test_a_key_vault_read_is_a_secret_source_however_its_url_is_built():
    def pipeline(url: str, resource: str, stored: bool) -> Resource:
        read = {"name": "Get Secret", "type": "WebActivity", "typeProperties": {
            "url": url, "method": "GET", "authentication": {"type": "MSI", "resource": resource}}}
        keep = {"name": "Keep", "type": "SetVariable", "typeProperties": {
            "variableName": "S", "value": "@activity('Get Secret').output.value"}}
        return Resource("pipeline", "p", {"activities": [read, keep] if stored else [read]})

    for url, resource in (("@{pipeline().globalParameters.kv}secrets/api-key?api-version=7.4", "https://x"),
                          ("@concat(pipeline().parameters.Base, 'secrets/api-key')", "https://x"),
                          ("@pipeline().parameters.SecretUri", "https://vault.azure.net")):
        changes = diff_factories([pipeline(url, resource, False)], [pipeline(url, resource, True)])
        assert [c.summary for c in changes if c.security] == [
            "secret output of 'Get Secret' now passes through variable 'S'"], url


def test_a_deactivated_activity_is_said_in_the_diff_and_drawn_inactive():
    from adfgen.review import pipeline_diagram
    from adfgen.review.mermaid import escape

    def pipeline(**state) -> Resource:
        return Resource("pipeline", "p", {"activities": [{"name": "Load", "type": "Copy", **state}]})

    off = pipeline(state="Inactive", onInactiveMarkAs="Succeeded")
    changes = diff_factories([pipeline()], [off])
    assert [(c.category, c.summary, c.where, c.new) for c in changes if c.where == "Load"] == [
        ("activity", "activity deactivated", "Load", "Inactive")]
    assert escape("inactive, marked Succeeded") in "\n".join(pipeline_diagram(off.properties).lines)
    assert "inactive" not in "\n".join(pipeline_diagram(pipeline().properties).lines)


def test_an_execute_pipeline_that_runs_another_pipeline_says_so():
    def caller(target: str) -> Resource:
        return Resource("pipeline", "p", {"activities": [{"name": "Run", "type": "ExecutePipeline", "typeProperties": {
            "pipeline": {"referenceName": target, "type": "PipelineReference"}, "waitOnCompletion": True}}]})

    (change,) = diff_factories([caller("pl_a")], [caller("pl_slot")])
    assert (change.category, change.summary, change.where, change.old, change.new) == (
        "activity", "runs another pipeline", "Run", "pl_a", "pl_slot")


def test_security_changes_say_which_activity():
    call = {"name": "Call", "type": "WebActivity", "typeProperties": {"url": "https://new.example.org/x"}}
    keep = {"name": "Keep", "type": "SetVariable", "policy": {"secureOutput": False}, "typeProperties": {
        "variableName": "S", "value": "@activity('Read').output.value"}}
    read = {"name": "Read", "type": "WebActivity", "policy": {"secureOutput": True},
            "typeProperties": {"url": "https://old.example.org/"}}
    before = Resource("pipeline", "p", {"activities": [read]})
    after = Resource("pipeline", "p", {"activities": [read, {"name": "Loop", "type": "ForEach", "typeProperties": {
        "items": "@createArray(1)", "activities": [call, keep]}}]})
    security = {c.summary: c.where for c in diff_factories([before], [after]) if c.security}
    assert security == {"new outbound host new.example.org": "Loop / Call",
                        "secret output of 'Read' now passes through variable 'S'": "Loop / Keep"}
