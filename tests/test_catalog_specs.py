"""The catalog specs as shipped: schema-valid, every environment builds, `adfgen check` is clean on each build, the
README's field table is the one the specs give, and each spec names its facts' source."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from adfgen.build import build_factories, write_outputs
from adfgen.cli import main
from adfgen.spec import load_spec_text, spec_json_schema
from adfgen.spec.catalog import entries, fields_table

REPO = Path(__file__).resolve().parent.parent
CATALOG = sorted((REPO / "specs" / "catalog").glob("*.yaml"))


@pytest.mark.parametrize("path", CATALOG, ids=lambda p: p.stem)
def test_schema_valid_and_every_environment_builds(path):
    data = yaml.safe_load(path.read_text())
    jsonschema.validate(data, spec_json_schema())  # what an editor's YAML language server checks
    _, problems = load_spec_text(path.read_text(), str(path))
    assert not problems, [str(p) for p in problems]
    for env in [None, *data["factory"].get("environments", {})]:
        (build,) = build_factories([path], env=env)
        assert build.name == (data["factory"]["environments"][env]["name"] if env else data["factory"]["name"])
    header = path.read_text().split("version:")[0]
    # the facts carry their sources, as public pages a user of `adfgen init` can open (not a path of this repository)
    assert "# Sources:\n#   https://" in header and "shared/reference" not in header


@pytest.mark.parametrize("path", CATALOG, ids=lambda p: p.stem)
def test_check_is_clean_on_the_build(path, tmp_path, capsys, schema_dir):
    write_outputs(build_factories([path]), tmp_path)
    (folder,) = tmp_path.iterdir()
    code = main(["check", str(folder), "--schema-dir", str(schema_dir), "-o", "json"])
    report = json.loads(capsys.readouterr().out)
    findings = [f for f in report.get("findings", report if isinstance(report, list) else [])
                if f.get("severity") in ("error", "warning")]
    assert code == 0 and not findings, findings


def test_readme_table_is_generated_from_the_specs():
    readme = (REPO / "README.md").read_text()
    start, end = "<!-- generated:catalog-fields -->\n", "\n<!-- /generated:catalog-fields -->"
    assert start in readme and end in readme
    assert readme.split(start, 1)[1].split(end, 1)[0] == fields_table()


def test_readme_names_every_entry():
    readme = (REPO / "README.md").read_text()
    catalog = readme.split("## The catalog", 1)[1].split("\n## ", 1)[0]
    for item in entries():
        assert f"| `{item.name}` |" in catalog, item.name


def test_quickbooks_environments_choose_the_sandbox_or_the_production_host():
    path = REPO / "specs" / "catalog" / "quickbooks.yaml"
    api = yaml.safe_load(path.read_text())["apis"][0]
    hosts = {}
    for env in (None, "test", "prod"):
        (build,) = build_factories([path], env=env)
        params = json.loads(build.files["arm/ARMTemplateParametersForFactory.json"])["parameters"]
        hosts[env] = params[f"{api['name']}_urls"]["value"]["baseUrl"]
    assert hosts == {None: api["base_url"], "test": api["base_url"],
                     "prod": api["environments"]["prod"]["base_url"]}
    assert hosts["prod"] == "https://quickbooks.api.intuit.com/v3"  # source-apis.md §2.3


def _variant(name: str, change) -> list:
    """The problems of a catalog spec after `change(data)` edits its parsed data."""
    data = yaml.safe_load((REPO / "specs" / "catalog" / f"{name}.yaml").read_text())
    change(data)
    _, problems = load_spec_text(yaml.safe_dump(data, sort_keys=False), f"{name}.yaml")
    return problems


def test_graph_delta_queries_are_refused_with_the_alternative():
    def delta(data):
        data["apis"][0]["endpoints"].append({"name": "users_delta", "path": "users/delta", "records_path": "$.value",
                                             "incremental": {"delta_link": "$['@odata.deltaLink']"}})
    problems = _variant("graph", delta)
    assert problems and any("delta" in str(p) and "{watermark}" in str(p) for p in problems), problems


def test_hubspot_search_with_its_cursor_in_the_body_is_refused():
    def search(data):
        data["apis"][0]["endpoints"].append({
            "name": "contacts_changed", "path": "contacts/search", "method": "POST", "records_path": "$.results",
            "body": '{"filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", '
                    '"value": "{watermark}"}]}], "limit": 200}',
            "incremental": {"format": "unix_ms"},
            "pagination": {"kind": "cursor", "param": "after", "cursor_path": "$.paging.next.after", "send_in": "body",
                           "max_requests": 50}})
    problems = _variant("hubspot", search)
    assert problems and any("body" in str(p) for p in problems), problems


def test_quickbooks_can_declare_its_registered_public_redirect_uri():
    """Production QuickBooks keys accept only a public https redirect URI: the spec declares the registered one."""
    def redirect(data):
        data["apis"][0]["auth"]["redirect_uri"] = "https://app.example.com/quickbooks/callback"
    assert not _variant("quickbooks", redirect)


def test_a_plain_http_redirect_uri_off_loopback_is_refused_with_the_choices():
    """http:// only on a loopback address (the login's own listener); anything else must be https."""
    def redirect(data):
        data["apis"][0]["auth"]["redirect_uri"] = "http://app.example.com/callback"
    (problem,) = _variant("quickbooks", redirect)
    assert "apis[0].auth.redirect_uri" in str(problem) and "https://" in str(problem) and "127.0.0.1" in str(problem)
