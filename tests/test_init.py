"""`adfgen init`: the catalog list, a catalog copy with the user's names marked TODO, a blank skeleton of every field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from adfgen.cli import main
from adfgen.core.wording import plural
from adfgen.spec import load_spec_text, spec_json_schema
from adfgen.spec.catalog import catalog_dir, user_fields

REPO = Path(__file__).resolve().parent.parent
CATALOG = sorted(p.stem for p in (REPO / "specs" / "catalog").glob("*.yaml"))


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_catalog_is_the_shipped_folder():
    assert catalog_dir().resolve() == (REPO / "specs" / "catalog").resolve()
    assert CATALOG == ["graph", "hubspot", "quickbooks", "servicenow"]


def test_list_names_every_catalog_spec_with_its_summary(project, capsys):
    assert main(["init", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == CATALOG
    for line, name in zip(lines, CATALOG):
        first = next(t for t in (REPO / "specs" / "catalog" / f"{name}.yaml").read_text().splitlines()
                     if t.startswith("#"))
        assert line.split(None, 1)[1] == first.lstrip("# ").strip()


@pytest.mark.parametrize("name", CATALOG)
def test_a_catalog_copy_marks_the_users_names_and_keeps_the_spec(project, capsys, name):
    assert main(["init", name]) == 0
    copy = project / "specs" / f"{name}.yaml"
    said = capsys.readouterr().out
    assert f"wrote {Path('specs') / (name + '.yaml')}" in said
    todos = sum(1 for line in copy.read_text().splitlines() if "# TODO" in line)
    assert f"replace the {plural(todos, 'value')} marked TODO" in said and "(s)" not in said
    # the facts' sources are public pages, not a path inside adfgen's own repository
    assert "shared/reference" not in copy.read_text() and "#   https://" in copy.read_text()
    original = (REPO / "specs" / "catalog" / f"{name}.yaml").read_text()
    assert yaml.safe_load(copy.read_text()) == yaml.safe_load(original)  # only comments were added
    lines = copy.read_text().splitlines()
    header = 2  # the two lines the copy starts with
    for number, field in user_fields(original).items():
        assert "TODO" in lines[number - 1 + header], field
    # the user's names: factory, vault, storage, secret names
    marked = "\n".join(user_fields(original).values())
    for expected in ("factory.name", "factory.key_vault_url", "account_url", ".secrets."):
        assert expected in marked, expected
    # as copied it builds (placeholder names are valid), so a user can try the whole flow before editing
    assert main(["build"]) == 0, capsys.readouterr().err


def test_init_refuses_to_overwrite_and_names_unknown_entries(project, capsys):
    assert main(["init", "servicenow"]) == 0
    assert main(["init", "servicenow"]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["init", "servicenow", "--force"]) == 0
    assert main(["init", "salesforce"]) == 2  # a usage error, as `adfgen build <unknown sample>` is
    err = capsys.readouterr().err
    assert "no catalog entry 'salesforce'" in err and all(n in err for n in CATALOG)
    assert main(["init"]) == 2
    assert main(["init", "--list", "x"]) == 2
    assert main(["init", "--blank", "My-Api"]) == 2


def schema_fields(schema: dict) -> set[str]:
    """Every property name anywhere in the schema."""
    names: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(schema)
    return names


# what a user would write for each required field (the skeleton's TODOs); a new required field fails here by name
FILL = {"name": "myapi", "key_vault_url": "https://kv-myapi.vault.azure.net/", "type": "adls_gen2",
        "account_url": "https://stmyapi.dfs.core.windows.net/", "container": "raw",
        "base_url": "https://api.example.com/v1", "flow": "client_credentials",
        "token_url": "https://login.example.com/oauth/token", "client_id": "myapi-client-id",
        "access_token": "myapi-access-token", "requests_per_minute": 60, "path": "items",
        "client_secret": "myapi-client-secret", "refresh_token": None, "username": None, "password": None}


def fill(node, key=None):
    if isinstance(node, dict):
        filled = {k: fill(v, k) for k, v in node.items()}
        return {k: v for k, v in filled.items() if not (v is None and node[k] == "TODO")}  # None: not needed
    if isinstance(node, list):
        return [fill(v, key) for v in node]
    if node == "TODO":
        assert key in FILL, f"the skeleton has a required field {key!r} this test cannot fill"
        return FILL[key]
    return node


def test_blank_skeleton_shows_every_field_and_validates_once_filled(project, capsys):
    assert main(["init", "--blank", "myapi"]) == 0
    text = (project / "specs" / "myapi.yaml").read_text()
    shown = set(re.findall(r"^[\s#-]*([A-Za-z_][A-Za-z0-9_]*):", text, re.MULTILINE))
    missing = schema_fields(spec_json_schema()) - shown
    assert not missing, f"fields the skeleton does not show: {sorted(missing)}"
    data = fill(yaml.safe_load(text))
    assert data["apis"][0]["name"] == "myapi"
    spec, problems = load_spec_text(yaml.safe_dump(data), "myapi.yaml")
    assert not problems and spec is not None, [p.render() if hasattr(p, "render") else p for p in problems]
    (project / "specs" / "myapi.yaml").write_text(yaml.safe_dump(data))
    assert main(["build"]) == 0, capsys.readouterr().err


def test_blank_skeleton_as_written_fails_only_at_its_todos(project, capsys):
    assert main(["init", "--blank", "myapi"]) == 0
    text = (project / "specs" / "myapi.yaml").read_text()
    _, problems = load_spec_text(text, "myapi.yaml")
    todo_lines = {n for n, line in enumerate(text.splitlines(), 1) if "TODO" in line and not line.lstrip().startswith("#")}
    assert problems and {p.line for p in problems} <= todo_lines


def test_build_without_specs_points_to_init_and_builds_after_it(project, capsys):
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert "no spec found" in err and "adfgen init --list" in err
    assert main(["init", "hubspot"]) == 0
    assert main(["build"]) == 0
    assert (project / "out" / "adf-hubspot-dev" / "pipeline" / "pl_hubspot_controller.json").is_file()


def test_a_multi_line_description_stays_inside_its_comment():
    from adfgen.spec.skeleton import skeleton

    def broken(node):
        """The schema with a line break in every description."""
        if isinstance(node, dict):
            return {k: (v.replace(" ", "\n", 1) if k == "description" and isinstance(v, str) else broken(v))
                    for k, v in node.items()}
        return [broken(v) for v in node] if isinstance(node, list) else node

    schema = spec_json_schema()
    plain, multi = skeleton(schema, "x"), skeleton(broken(schema), "x")
    assert multi.count("\n") == plain.count("\n") and yaml.safe_load(multi) == yaml.safe_load(plain)
