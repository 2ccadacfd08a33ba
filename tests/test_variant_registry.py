"""What the variant bases and the registry state once, so that each unit says only what differs: the registry names
a plain unit and takes its docstring as its README sentence; an auth flow's form starts with its grant."""

from __future__ import annotations

import pytest

from adfgen.spec.variants.auth import FLOWS
from adfgen.spec.variants.registry import Registry, summary

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
    for name, flow in FLOWS:
        if flow.stores_token:
            first = flow().token_form(None)[0]
            assert (first.name, first.value, first.secret_role) == ("grant_type", flow.grant, None), name
    password = FLOWS.get("password")().token_form(None)
    assert [(f.name, f.value, f.secret_role) for f in password] == [
        ("grant_type", "password", None), ("username", None, "username"), ("password", None, "password")]


def test_flows_that_fetch_their_token_share_the_token_fields():
    for name, flow in FLOWS:
        own = list(flow.fields())
        if flow.stores_token:
            assert own[-len(TOKEN_DANCE_FIELDS):] == TOKEN_DANCE_FIELDS, name
        else:
            assert not set(TOKEN_DANCE_FIELDS) & set(own), name
