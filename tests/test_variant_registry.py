"""What the variant bases and the registry state once, so that each unit says only what differs: the registry names
a plain unit and takes its docstring as its README sentence; a pagination kind with constant rules needs no
`paging()`; an auth flow's form starts with its grant; a file sink's store names its keys and host."""

from __future__ import annotations

import pytest

from adfgen.spec import spec_json_schema
from adfgen.spec.variants.auth import FLOWS
from adfgen.spec.variants.pagination import KINDS, markdown_table, rules_cell
from adfgen.spec.variants.registry import Registry, summary
from adfgen.spec.variants.sinks import SINKS, FileStore

TOKEN_DANCE_FIELDS = ["client_auth", "refresh_margin", "token_header", "token_params"]


def registry() -> Registry:
    """An empty registry of plain units named by `name` (nothing to import)."""
    found: Registry = Registry("test unit", __name__, name_field="name")
    found._loaded = True
    return found


def test_register_names_a_plain_unit():
    class Unit:
        """A unit."""

    registry().register("alpha")(Unit)
    assert Unit.name == "alpha"


def test_register_refuses_a_plain_unit_that_names_itself_otherwise():
    class Unit:
        """A unit."""

        name = "beta"

    with pytest.raises(TypeError, match="its name must be 'alpha'"):
        registry().register("alpha")(Unit)


def test_register_refuses_a_unit_without_its_own_docstring():
    class Documented:
        """The base's text, which must not describe the unit below."""

    class Unit(Documented):
        pass

    with pytest.raises(TypeError, match="docstring is its README sentence"):
        registry().register("alpha")(Unit)


def test_a_units_summary_is_its_docstring_on_one_line():
    class Unit:
        """First line of the sentence,
        and its second line."""

    assert summary(Unit) == "First line of the sentence, and its second line."


def test_every_registered_flow_has_its_registered_name():
    assert [(name, flow.name) for name, flow in FLOWS] == [(name, name) for name in FLOWS.names()]


def test_a_flows_token_form_starts_with_its_grant():
    from adfgen.spec.model import Auth

    for name, flow in FLOWS:
        if flow.stores_token:  # with its fields' defaults: a flow's grant_fields may read them
            first = flow().token_form(Auth.model_construct(flow=name))[0]
            assert (first.name, first.value, first.secret_role) == ("grant_type", flow.grant, None), name
    password = FLOWS.get("password")().token_form(Auth.model_construct(flow="password"))
    assert [(f.name, f.value, f.secret_role) for f in password] == [
        ("grant_type", "password", None), ("username", None, "username"), ("password", None, "password")]


def test_an_unset_optional_constant_is_left_out_of_the_token_form():
    from adfgen.spec.variants.auth import AuthFlow, FormField

    class Audience(AuthFlow):  # not registered: the shared registry stays as shipped
        """Client credentials with an optional audience."""

        grant = "client_credentials"

        def grant_fields(self, auth):
            return [FormField("audience", auth), FormField("user", secret_role="username")]

    assert [f.name for f in Audience().token_form(None)] == ["grant_type", "user"]
    assert [f.name for f in Audience().token_form("https://api")] == ["grant_type", "audience", "user"]


def test_flows_that_fetch_their_token_share_the_token_fields():
    for name, flow in FLOWS:
        own = list(flow.fields())
        if flow.stores_token:
            assert own[-len(TOKEN_DANCE_FIELDS):] == TOKEN_DANCE_FIELDS, name
        else:
            assert not set(TOKEN_DANCE_FIELDS) & set(own), name


def test_every_flow_field_has_a_default():
    """Every flow's fields are merged into the one `Auth` model: a field without a default would be required of every
    spec, whatever its flow (a flow that needs its field reports it missing in `check()`)."""
    required = [f"{name}: {key}" for name, flow in FLOWS for key, (_, info) in flow.fields().items()
                if info.is_required()]
    assert required == []


def test_a_kind_with_constant_rules_pages_by_them_and_shows_them():
    constant = {name: unit for name, unit in KINDS if unit.constant_rules is not None}
    assert sorted(constant) == ["link_header", "none"]
    for name, unit in constant.items():
        assert "paging" not in vars(unit), name  # the base's paging() serves it
        paging = unit.model_validate({"kind": name}).paging("$.items")
        assert paging.rules == unit.constant_rules and paging.query == () and paging.range is None
        paging.rules.clear()  # each call gets its own copy
        assert unit.constant_rules
        (key, value), = unit.constant_rules.items()
        assert rules_cell(unit).startswith(f"`{key}: {value}`")


def test_a_kind_with_neither_constant_rules_nor_paging_says_so():
    from typing import Literal

    from adfgen.spec.variants.pagination import PaginationUnit

    class Silent(PaginationUnit):
        """Says nothing of its rules."""

        kind: Literal["silent"]

    with pytest.raises(NotImplementedError, match="silent pagination states neither"):
        Silent(kind="silent").paging(None)


def test_only_kinds_that_page_in_one_copy_carry_the_one_copy_limit():
    limited = sorted(name for name, unit in KINDS if "one Copy" in rules_cell(unit))
    assert limited == ["cursor", "link_header", "next_url"]
    assert all(f"| `{name}` |" in markdown_table() for name in limited)


def test_a_file_sinks_account_url_is_described_by_its_host():
    defs = spec_json_schema()["$defs"]
    for name, unit in SINKS:
        if unit.holds_files:
            described = defs[unit.__name__]["properties"]["account_url"]["description"]
            assert described == f"https://<account>.{unit.store.host}.core.windows.net/", name
    assert SINKS.get("adls_gen2").store.host == "dfs" and SINKS.get("blob").store.host == "blob"


@pytest.mark.parametrize("facts, said", [
    # Azure Files: the share is the linked service's fileShare and the File REST API is not the Blob one
    ({"url_key": "serviceEndpoint", "container_key": "", "host": "blob"}, "container_key is required"),
    ({"url_key": "serviceEndpoint", "container_key": "container", "host": "file"}, "must answer the Blob API")])
def test_a_file_store_the_build_cannot_write_through_is_refused(facts, said):
    """Datasets name the container in their location, and watermarks are written with the Blob API."""
    with pytest.raises(ValueError, match=said):
        FileStore(**facts)


def test_contributings_worked_example_is_position_py():
    """CONTRIBUTING.md shows `position.py`'s unit as it is (its method docstrings left out)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    guide = (root / "CONTRIBUTING.md").read_text(encoding="utf-8").split("## Worked example", 1)[1]
    shown = [line for line in guide.split("```python\n", 1)[1].split("```", 1)[0].splitlines() if line.strip()]
    source = (root / "adfgen/spec/variants/pagination/position.py").read_text(encoding="utf-8").splitlines()
    rest = iter(source)
    assert all(line in rest for line in shown), "CONTRIBUTING.md's worked example differs from position.py"


def test_a_units_schema_description_is_its_readme_sentence():
    """One line, as `adfgen init` writes it into a YAML comment (a docstring's line breaks would end the comment)."""
    defs = spec_json_schema()["$defs"]
    for registry in (KINDS, SINKS):
        for name, unit in registry:
            assert defs[unit.__name__]["description"] == summary(unit), name


def test_every_field_a_unit_adds_is_described():
    """`adfgen init --blank` comments each field with its schema description: a unit's own fields say what they are."""
    defs = spec_json_schema()["$defs"]
    bare = []
    for registry in (KINDS, SINKS):
        for name, unit in registry:
            for key, prop in defs[unit.__name__]["properties"].items():
                if key != registry.name_field and not prop.get("description"):
                    bare.append(f"{registry.what} {name}: {key}")
    bare += [f"EndCondition: {key}" for key, prop in defs["EndCondition"]["properties"].items()
             if not prop.get("description")]
    bare += [f"auth flow {name}: {key}" for name, flow in FLOWS for key, (_, info) in flow.fields().items()
             if not info.description]
    assert bare == []
