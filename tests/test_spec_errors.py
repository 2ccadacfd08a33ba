"""Bad specs: every problem at once as `file:line: field.path: message`, exit 1, no traceback, nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adfgen.cli import main
from adfgen.spec.variants.pagination import KINDS as PAGINATION_KINDS
from adfgen.spec.variants.auth import FLOWS
from adfgen.spec.variants.sinks import SINKS

REPO = Path(__file__).resolve().parent.parent
XERO = (REPO / "specs" / "xero.yaml").read_text(encoding="utf-8")


def run(args, capsys):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def xero_with(old: str, new: str, count: int = 1) -> str:
    """The shipped spec with one textual edit (which must apply)."""
    assert old in XERO, old
    return XERO.replace(old, new, count)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `needle`."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return hits[occurrence - 1]


BAD_SPECS = {
    "unknown key": (
        lambda: xero_with("    description: Xero", "    descripton: typo\n    description: Xero"),
        ["{f}:{L:descripton}: apis[0].descripton: unknown key 'descripton' (did you mean 'description'?); "
         "expected one of: auth, base_url, description, endpoints, environments, headers, keep_alive, name, "
         "pagination, "
         "params, rate_limit, request_timeout, retry, schedule, secrets, sink"]),
    "wrong type": (
        lambda: xero_with("requests_per_minute: 60", "requests_per_minute: lots"),
        ["{f}:{L:requests_per_minute}: apis[0].rate_limit.requests_per_minute: input should be a valid integer, "
         "unable to parse string as an integer"]),
    "unknown pagination kind": (
        lambda: xero_with("      kind: page_number", "      kind: pages"),
        ["{f}:{L:kind: pages}: apis[0].pagination.kind: unknown pagination kind 'pages'; expected one of: "
         + ", ".join(PAGINATION_KINDS.names())]),
    "pagination without a kind": (
        lambda: xero_with("      kind: page_number\n", ""),
        ["{f}:{L:    pagination:}: apis[0].pagination: required field 'kind' is missing; expected one of: "
         + ", ".join(PAGINATION_KINDS.names())]),
    "a sink without a type": (
        lambda: xero_with("      type: adls_gen2\n", ""),
        ["{f}:{L:    lake:}: factory.sinks.lake: required field 'type' is missing; expected one of: "
         + ", ".join(SINKS.names())]),
    "an auth without a flow": (
        lambda: xero_with("      flow: authorization_code\n", ""),
        ["{f}:{L:    auth:}: apis[0].auth.flow: required field is missing; expected one of: " + ", ".join(FLOWS.names())]),
    "a flow that is not a string": (
        lambda: xero_with("flow: authorization_code", "flow: 3"),
        ["{f}:{L:flow: 3}: apis[0].auth.flow: unknown auth flow 3 (not a string); expected one of: "
         + ", ".join(FLOWS.names())]),
    "a pagination kind that is not a string": (
        lambda: xero_with("      kind: page_number", "      kind: 3"),
        ["{f}:{L:kind: 3}: apis[0].pagination.kind: unknown pagination kind 3 (not a string); expected one of: "
         + ", ".join(PAGINATION_KINDS.names())]),
    "a sink type that is null": (
        lambda: xero_with("      type: adls_gen2", "      type: null"),
        ["{f}:{L:type: null}: factory.sinks.lake.type: unknown sink type null (not a string); expected one of: "
         + ", ".join(SINKS.names())]),
    "missing secret names": (
        lambda: xero_with("      refresh_token: xero-refresh-token\n", ""),
        ["{f}:{L:secrets:}: apis[0].secrets: missing secret name 'refresh_token': the authorization_code flow "
         "needs it"]),
    "child endpoint whose parent does not exist": (
        lambda: xero_with("parent: {endpoint: projects, key: projectId}",
                          "parent: {endpoint: project, key: projectId}"),
        ["{f}:{L:endpoint: project,}: apis[0].endpoints[7].parent.endpoint: unknown parent endpoint 'project'; "
         "expected one of: accounts, bank_transactions, contacts, credit_notes, invoices, payments, project_time, "
         "projects"]),
    "duplicate endpoint names": (
        lambda: xero_with("      - name: contacts", "      - name: invoices"),
        ["{f}:{L:name: invoices#2}: apis[0].endpoints[1].name: duplicate endpoint name 'invoices' "
         "(first at endpoints[0])"]),
    "invalid YAML": (
        lambda: xero_with("    headers:\n      Accept: application/json", "    headers:\n      Accept: [json"),
        # libyaml and PyYAML word the rest differently
        ["{f}:{L:rate_limit:}: (top level): invalid YAML: while parsing a flow sequence ..."]),
    "empty file": (lambda: "", ["{f}:1: (top level): the file is empty; expected a mapping with 'factory' and 'apis'"]),
    "not a mapping": (lambda: "- a\n- b\n", ["{f}:1: (top level): expected a mapping with 'factory' and 'apis' at the top level"]),
    "recursive alias": (lambda: "factory: &x\n  name: [*x]\n", ["{f}:1: factory.name[0]: an alias refers to the "
                                                                 "node that contains it"]),
    "python tag": (lambda: "factory: !!python/object:os.system x\n",
                   ["{f}:1: (top level): invalid YAML: could not determine a constructor for the tag "
                    "'tag:yaml.org,2002:python/object:os.system'"]),
    "implicit flow refused": (
        lambda: xero_with("flow: authorization_code", "flow: implicit"),
        ["{f}:{L:flow: implicit}: apis[0].auth.flow: the implicit flow cannot run unattended: it needs a browser "
         "for every access token and issues no refresh token; use authorization_code (with pkce: true for public "
         "clients)"]),
    "bad secret name and bad environment override, at once": (
        lambda: xero_with("client_id: xero-client-id", "client_id: xero_client_id").replace(
            "name: adf-xero-prod", "name: adf_xero_prod"),
        ["{f}:{L:name: adf_xero_prod}: factory.name (environment prod): a resource name: letters, digits and '-', "
         "3 to 63 characters, not starting or ending with '-' (got 'adf_xero_prod')",
         "{f}:{L:client_id: xero_client_id}: apis[0].secrets.client_id: a Key Vault secret name: letters, digits "
         "and '-' only, at most 127 characters (got '<value dce08aef839b>')"]),  # secrets: never shown
}


def expand(template: str, text: str, file: str) -> str:
    def line(match: re.Match) -> str:
        needle, _, nth = match.group(1).partition("#")
        return str(line_of(text, needle, int(nth or 1)))
    return re.sub(r"\{L:([^}]+)\}", line, template.replace("{f}", file))


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_spec_reports_every_problem_and_writes_nothing(case, tmp_path, capsys, monkeypatch):
    make_text, expected = BAD_SPECS[case]
    text = make_text()
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text(text, encoding="utf-8")
    out_dir = tmp_path / "out"
    (out_dir / "adf-xero-dev").mkdir(parents=True)
    (out_dir / "adf-xero-dev" / "keep.json").write_text("{}")
    code, stdout, stderr = run(["build", "bad.yaml", "--out", str(out_dir)], capsys)
    assert code == 1
    assert "Traceback" not in stderr + stdout
    problems = [line for line in stderr.splitlines() if line.startswith("bad.yaml")]
    wanted = [expand(e, text, "bad.yaml") for e in expected]
    assert len(problems) == len(wanted)
    for got, want in zip(problems, wanted):
        assert got.startswith(want[:-3]) if want.endswith("...") else got == want
    assert [p.name for p in out_dir.rglob("*") if p.is_file()] == ["keep.json"]  # out/ untouched


def test_unknown_environment_names_the_defined_ones(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("x.yaml").write_text(XERO, encoding="utf-8")
    code, _, stderr = run(["build", "x.yaml", "--env", "staging"], capsys)
    assert code == 2  # a usage error, as for any unknown option value (issue 15)
    assert "--env staging: no spec defines this environment under factory.environments; expected one of: prod, test" \
        in stderr


def test_missing_spec_file_is_a_clean_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, stderr = run(["build", "nope.yaml"], capsys)
    assert code == 1 and "nope.yaml:1: (top level): cannot read spec" in stderr and "Traceback" not in stderr


def test_two_files_disagreeing_on_one_factory(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.yaml").write_text(XERO, encoding="utf-8")
    Path("b.yaml").write_text(XERO.replace("container: raw", "container: landing").replace(
        "  - name: xero\n", "  - name: xero2\n"), encoding="utf-8")
    code, _, stderr = run(["build", "a.yaml", "b.yaml"], capsys)
    assert code == 1
    assert "b.yaml:1: factory: factory 'adf-xero-dev' is also defined in a.yaml with a different config" in stderr


def minimal_spec() -> dict:
    """A small valid spec as data, for semantic-rule cases."""
    return {
        "factory": {"name": "adf-min", "key_vault_url": "https://kv-min.vault.azure.net/",
                    "sinks": {"lake": {"type": "adls_gen2", "account_url": "https://st.dfs.core.windows.net/",
                                       "container": "raw"}}},
        "apis": [{"name": "api", "base_url": "https://api.example.com",
                  "auth": {"flow": "authorization_code", "authorize_url": "https://login.example.com/a",
                           "token_url": "https://login.example.com/t"},
                  "secrets": {"client_id": "c-id", "client_secret": "c-secret", "refresh_token": "rt",
                              "access_token": "at"},
                  "rate_limit": {"requests_per_minute": 60},
                  "endpoints": [{"name": "things", "path": "things", "records_path": "$.items"}]}],
    }


def _set(data, dotted, value):
    keys = [int(k) if k.isdigit() else k for k in dotted.split(".")]
    for key in keys[:-1]:
        data = data[key]
    if value is _DELETE:
        del data[keys[-1]]
    else:
        data[keys[-1]] = value


_DELETE = object()
SQL = {"type": "azure_sql", "server": "sql.database.windows.net", "database": "db"}

SEMANTIC_CASES = {
    "several sinks and no default": (
        [("factory.sinks.staging", SQL)],
        "apis[0].endpoints[0]: no sink: set factory.default_sink, apis[].sink or endpoints[].sink; expected one "
        "of: lake, staging"),
    "unknown endpoint sink": (
        [("apis.0.endpoints.0.sink", "lak")], "apis[0].endpoints[0].sink: unknown sink 'lak'; expected one of: lake"),
    "folder on a SQL sink": (
        [("factory.sinks.lake", SQL), ("apis.0.endpoints.0.folder", "x")],
        "apis[0].endpoints[0].folder: folder applies to file sinks only "
        f"({', '.join(name for name, unit in SINKS if unit.holds_files)}); this endpoint's sink is azure_sql, which "
        "holds tables"),
    "page numbers without an end": (
        [("apis.0.pagination", {"kind": "page_number"}), ("apis.0.endpoints.0.records_path", _DELETE)],
        "apis[0].endpoints[0]: page_number pagination needs an end: set records_path (stops on an empty page) or "
        "pagination.stop_when"),
    "stop_when with both is and equals": (
        [("apis.0.pagination", {"kind": "offset_limit", "stop_when": {"path": "$.x", "is": "empty", "equals": "1"}})],
        "apis[0].pagination.stop_when: set exactly one of 'is' (empty, missing, present) or 'equals'"),
    "incremental placement fields are gone": (
        [("apis.0.endpoints.0.incremental", {"header": "If-Modified-Since"})],
        "apis[0].endpoints[0].incremental: incremental.header is gone: write the {watermark} placeholder where the "
        "API reads it, e.g. headers: {If-Modified-Since: '{watermark}'} on the endpoint"),
    "placeholder without a parent": (
        [("apis.0.endpoints.0.path", "things/{id}/items")],
        "apis[0].endpoints[0].path: unknown placeholder {id}; valid here: (none) (a parent record's key needs "
        "parent: {endpoint: ..., key: ...})"),
    "placeholder not matching the parent key": (
        [("apis.0.endpoints.1", {"name": "items", "path": "things/{id}/items", "records_path": "$.items",
                                 "query": {"thing": "{thing}"}, "parent": {"endpoint": "things", "key": "id"}})],
        "apis[0].endpoints[1].query.thing: unknown placeholder {thing}; valid here: {id}"),
    "grandchild": (
        [("apis.0.endpoints.1", {"name": "items", "path": "things/{id}/items", "records_path": "$.items",
                                 "parent": {"endpoint": "things", "key": "id"}}),
         ("apis.0.endpoints.2", {"name": "parts", "path": "items/{id}/parts",
                                 "parent": {"endpoint": "items", "key": "id"}})],
        "apis[0].endpoints[2].parent.endpoint: parent 'items' is itself a child endpoint; fan-out is one level deep"),
    "parent landing in SQL": (
        [("factory.sinks.lake", SQL),
         ("apis.0.endpoints.1", {"name": "items", "path": "things/{id}/items", "parent": {"endpoint": "things",
                                                                                         "key": "id"}})],
        "apis[0].endpoints[1].parent.endpoint: parent 'things' must land in a file sink: the child reads the "
        "parent's keys back from its file"),
    "password flow without username": (
        [("apis.0.auth", {"flow": "password", "token_url": "https://login.example.com/t"}),
         ("apis.0.secrets.password", "pw"), ("apis.0.secrets.refresh_token", _DELETE)],
        "apis[0].secrets: missing secret name 'username': the password flow needs it"),
    "one secret in two roles": (
        [("apis.0.secrets.access_token", "rt")],
        "apis[0].secrets.access_token: secret 'rt' is also used as refresh_token; each role needs its own secret"),
    "public client without pkce": (
        [("apis.0.secrets.client_secret", _DELETE)],
        "apis[0].secrets: missing secret name 'client_secret' (or set auth.pkce: true for a public client)"),
    "http token url": (
        [("apis.0.auth.token_url", "http://login.example.com/t")], "apis[0].auth.token_url: must be an https:// URL"),
    "UTC start time with a local time zone": (
        [("apis.0.schedule", {"start_time": "2024-01-01T06:00:00Z", "time_zone": "W. Europe Standard Time"})],
        "apis[0].schedule.start_time: with time_zone W. Europe Standard Time write the local time without Z (ADF "
        "reads Z as UTC)"),
    "bad duration": (
        [("apis.0.auth.access_token_lifetime", "30 minutes")],
        "apis[0].auth.access_token_lifetime: expected a duration such as 300, '30m', '1h' or '60d'"),
}


@pytest.mark.parametrize("case", sorted(SEMANTIC_CASES))
def test_semantic_rules(case):
    import copy

    import yaml

    from adfgen.spec import load_spec_text

    edits, expected = SEMANTIC_CASES[case]
    data = copy.deepcopy(minimal_spec())
    for dotted, value in edits:
        if dotted.endswith(".1") or dotted.endswith(".2"):
            data["apis"][0]["endpoints"].append(value)
            continue
        _set(data, dotted, value)
    spec, problems = load_spec_text(yaml.safe_dump(data, sort_keys=False), "s.yaml")
    assert spec is None
    assert [p.where + ": " + p.message for p in problems] == [expected]
    assert all(p.line >= 1 for p in problems)


def test_the_minimal_spec_itself_is_valid():
    import yaml

    from adfgen.spec import load_spec_text

    spec, problems = load_spec_text(yaml.safe_dump(minimal_spec()), "s.yaml")
    assert problems == [] and spec.spec.apis[0].endpoints[0].name == "things"


FACTORY_WIDE_CASES = {
    "endpoint named like the refresh pipeline": (
        [("apis.0.endpoints.1", {"name": "refresh", "path": "x", "records_path": "$.x"})],
        ["apis[0].endpoints[1].name: the generated pipeline name for 'api_refresh' is also the one for "
         "apis[0].name; rename one of them"]),
    "sink named rest": (
        [("factory.sinks", {"rest": {"type": "adls_gen2", "account_url": "https://st.dfs.core.windows.net/",
                                     "container": "raw"}})],
        ["factory.sinks.rest: the generated linkedService name for 'rest' is also the one for the generic REST "
         "linked service; rename one of them"]),
    "api and endpoint names that join into another's": (
        [("apis.1", {"name": "api_things", "endpoints": [{"name": "x", "path": "x", "records_path": "$.x"}],
                     "secrets": {"client_id": "c2", "client_secret": "cs2", "refresh_token": "rt2",
                                 "access_token": "at2"}}),
         ("apis.0.endpoints.1", {"name": "things_x", "path": "y", "records_path": "$.y"})],
        ["apis[1].endpoints[0].name: the generated pipeline name for 'api_things_x' is also the one for "
         "apis[0].endpoints[1].name; rename one of them"]),
    "two APIs rotating one refresh token": (
        [("apis.1", {"name": "other", "secrets": {"client_id": "c2", "refresh_token": "rt", "access_token": "at2",
                                                  "client_secret": "cs2"},
                     "endpoints": [{"name": "x", "path": "x", "records_path": "$.x"}]})],
        ["apis[1].secrets.refresh_token: secret 'rt' also holds the token of API 'api' (refresh_token): two refresh "
         "pipelines would rotate one single-use token; share one API instead"]),
    "unknown folder placeholder": (
        [("factory.sinks.lake.folder", "{api}/{foo}")],
        ["factory.sinks.lake.folder: unknown placeholder {foo}; allowed: {api}, {endpoint}"]),
    "naming that gives invalid ADF names": (
        [("factory.naming", {"pipeline": "pl.{name}"})],
        ["factory.naming.pipeline: must give valid pipeline names (https://learn.microsoft.com/azure/data-factory/"
         "naming-rules): must not contain ."]),
}


@pytest.mark.parametrize("case", sorted(FACTORY_WIDE_CASES))
def test_factory_wide_rules(case, tmp_path):
    import copy

    import yaml

    from adfgen.core.errors import AdfgenError
    from adfgen.spec import load_specs

    edits, expected = FACTORY_WIDE_CASES[case]
    data = copy.deepcopy(minimal_spec())
    for dotted, value in edits:
        if dotted == "apis.1":
            template = copy.deepcopy(data["apis"][0])
            template.update(value)
            data["apis"].append(template)
        elif dotted.endswith(".1"):
            data["apis"][0]["endpoints"].append(value)
        else:
            _set(data, dotted, value)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(AdfgenError) as raised:
        load_specs([path])
    assert [p.where + ": " + p.message for p in raised.value.problems] == expected


@pytest.mark.parametrize("where, headers, expected", [
    ("apis.0.headers", {"authorization": "Bearer x"},
     "apis[0].headers.authorization: header 'authorization' is generated from the access token; remove it here"),
    ("apis.0.endpoints.0.headers", {"Authorization": "Bearer x"},
     "apis[0].endpoints[0].headers.Authorization: header 'Authorization' is generated from the access token; "
     "remove it here"),
])
def test_headers_that_adfgen_generates_cannot_be_set_by_hand(where, headers, expected):
    import copy

    import yaml

    from adfgen.spec import load_spec_text

    data = copy.deepcopy(minimal_spec())
    _set(data, where, headers)
    _, problems = load_spec_text(yaml.safe_dump(data, sort_keys=False), "s.yaml")
    # a literal Authorization value is also refused as a credential (issue 14)
    assert [p.where + ": " + p.message for p in problems if "looks like a credential" not in p.message] == [expected]


def test_endpoint_headers_override_api_headers_whatever_their_case(tmp_path):
    import copy

    import yaml

    from adfgen.build import build_factories

    data = copy.deepcopy(minimal_spec())
    data["apis"][0]["headers"] = {"Accept": "application/json", "X-Keep": "1"}
    data["apis"][0]["endpoints"][0]["headers"] = {"accept": "text/csv"}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    (build,) = build_factories([path])
    worker = next(r for r in build.resources if r.name == "pl_api_things")
    loop = next(a for a in worker.properties["activities"] if a["type"] == "Until")
    copy_activity = next(a for a in loop["typeProperties"]["activities"] if a["type"] == "Copy")
    headers = copy_activity["typeProperties"]["source"]["additionalHeaders"]
    assert {k: v for k, v in headers.items() if isinstance(v, str)} == {"X-Keep": "1", "accept": "text/csv"}
