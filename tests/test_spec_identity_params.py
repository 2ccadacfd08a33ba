"""A `params` constant and an identity value may not share a `{name}`: the constant would be sent and the value read
at login ignored, so the spec is refused at load with the file, line and field, naming both."""

from __future__ import annotations

import yaml

from adfgen.spec import load_spec_text
from tests.test_spec_errors import minimal_spec
from tests.test_spec_requests import problems_of, spec

SECRETS = minimal_spec()["apis"][0]["secrets"]
CLASH = ("{tenant} is both an identity value (apis[0].secrets.identity[0]) and a params constant "
         "(apis[0].params.tenant); a placeholder stands for one value and the constant would be sent in place of the "
         "value read at login: rename one of them")


def _with_identity(identity: dict, params: dict, **endpoint) -> dict:
    return spec(api={"params": params, "secrets": {**SECRETS, "identity": [identity]}},
                endpoint={"path": "t/{tenant}/things", **endpoint})


def test_a_named_identity_value_clashing_with_a_constant_is_refused_at_its_name():
    data = _with_identity({"name": "tenant", "secret": "tenant-id", "from": "token_reply"}, {"tenant": "acme"})
    assert problems_of(data) == [f"apis[0].secrets.identity[0].name: {CLASH}"]


def test_a_name_taken_from_the_secret_is_refused_at_the_secret():
    # no name: the placeholder is the secret name with "_" for "-"
    data = _with_identity({"secret": "tenant-id", "from": "token_reply"}, {"tenant_id": "acme"},
                          path="t/{tenant_id}/things")
    assert problems_of(data) == [f"apis[0].secrets.identity[0].secret: {CLASH.replace('tenant', 'tenant_id')}"]


def test_the_refusal_gives_the_file_and_line_of_the_identity_field():
    text = yaml.safe_dump(_with_identity({"name": "tenant", "secret": "tenant-id", "from": "token_reply"},
                                         {"tenant": "acme"}), sort_keys=False)
    loaded, problems = load_spec_text(text, "s.yaml")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.strip() == "- name: tenant")
    assert loaded is None
    assert [(p.file, p.line, p.where) for p in problems] == [("s.yaml", line, "apis[0].secrets.identity[0].name")]


def test_a_constant_added_by_an_environment_is_refused_for_that_environment():
    data = _with_identity({"name": "tenant", "secret": "tenant-id", "from": "token_reply"}, {"region": "eu"})
    data["factory"]["environments"] = {"prod": {"name": "adf-min-prod"}}
    data["apis"][0]["environments"] = {"prod": {"params": {"tenant": "acme"}}}
    assert problems_of(data) == [f"apis[0].secrets.identity[0].name (environment prod): {CLASH}"]


def test_distinct_names_still_load():
    data = _with_identity({"name": "tenant", "secret": "tenant-id", "from": "token_reply"}, {"region": "eu"})
    assert problems_of(data) == []
