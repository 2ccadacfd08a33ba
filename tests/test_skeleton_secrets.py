"""`adfgen init --blank` (review of issue 13): each secret of the skeleton says which flows need it, so a new user
knows which of the six TODO secrets to delete; the note must agree with what validation refuses."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from adfgen.spec import load_spec_text
from adfgen.spec import spec_json_schema
from adfgen.spec.skeleton import skeleton
from adfgen.spec.variants.auth import FLOWS
from tests.test_spec_errors import minimal_spec

ROLES = ("client_id", "client_secret", "refresh_token", "access_token", "username", "password")
FLOW_AUTH = {"authorization_code": {"authorize_url": "https://login.example.com/a"},
             "client_credentials_native": {"client_id": "11111111-1111-1111-1111-111111111111"}}


def skeleton_notes() -> dict[str, str]:
    """role -> the trailing comment of its line in the blank skeleton."""
    text = skeleton(spec_json_schema(), "myapi")
    return {m.group(1): m.group(2) for m in re.finditer(r"^ {6}(\w+): TODO  # (.*)$", text, re.M) if m.group(1) in ROLES}


def refused_secrets(flow: str) -> set[str]:
    """The secrets validation refuses for `flow` when a spec names all six."""
    data = copy.deepcopy(minimal_spec())
    api = data["apis"][0]
    api["auth"] = {"flow": flow, "token_url": "https://login.example.com/t", **FLOW_AUTH.get(flow, {})}
    api["secrets"] = {role: f"s-{role.replace('_', '-')}" for role in ROLES}
    _, problems = load_spec_text(yaml.safe_dump(data, sort_keys=False), "s.yaml")
    return {m.group(1) for p in problems for m in [re.search(r"never uses secrets\.(\w+)", p.message)] if m}


@pytest.mark.parametrize("flow", FLOWS.names())
def test_each_secret_note_names_exactly_the_flows_that_accept_it(flow):
    notes = skeleton_notes()
    assert set(notes) == set(ROLES)
    accepted = {role for role, note in notes.items() if re.search(rf"\b{flow}\b(?!_)", note.split("; remove")[0])}
    assert accepted == set(ROLES) - refused_secrets(flow)
