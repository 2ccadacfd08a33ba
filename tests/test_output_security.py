"""Security and ADF-rule invariants over every generated resource (schema validation is in test_output_schema)."""

from __future__ import annotations

import re

import pytest

SECRET_READ_URL = re.compile(r"secrets/")


def walk(node, path=""):
    """Yield (json path, value) for every leaf."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")
    else:
        yield path, node


def activities(pipeline_properties):
    """Every activity, nested ones included."""
    stack = list(pipeline_properties.get("activities", []))
    while stack:
        activity = stack.pop()
        yield activity
        props = activity.get("typeProperties", {})
        for key in ("activities", "ifTrueActivities", "ifFalseActivities"):
            stack.extend(props.get(key, []))


def pipelines(build):
    return [r for r in build.resources if r.kind == "pipeline"]


@pytest.fixture(scope="module", params=["xero", "mixed"])
def any_build(request, xero_build, tmp_path_factory):
    """The shipped build, and a build with every other flow, pagination kind and sink type."""
    if request.param == "xero":
        return xero_build
    from adfgen.build import build_factories
    from tests.test_output_schema import SPEC_FILES

    path = tmp_path_factory.mktemp("mixed") / "mixed.yaml"
    path.write_text(next(iter(SPEC_FILES.values())))
    (build,) = build_factories([path])
    return build


def expression_strings(node):
    """Every Expression-wrapper value inside `node`, outside nested activity lists."""
    if isinstance(node, dict):
        if node.get("type") == "Expression" and isinstance(node.get("value"), str):
            yield node["value"]
            return
        for key, value in node.items():
            if key not in ("activities", "ifTrueActivities", "ifFalseActivities"):
                yield from expression_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from expression_strings(value)


def outputs_read(activity):
    """Names of the activities whose output this activity's own expressions read."""
    from adfgen.expressions import parse_value, references

    names = set()
    for text in expression_strings({k: v for k, v in activity.items() if k != "name"}):
        names |= {ref.name for ref in references(parse_value(text)) if ref.kind == "activity"}
    return names


def test_every_dynamic_value_in_pipelines_and_datasets_uses_the_expression_wrapper(any_build):
    for resource in any_build.resources:
        if resource.kind not in ("pipeline", "dataset", "trigger"):
            continue
        for path, value in walk(resource.properties):
            if isinstance(value, str) and (value.startswith("@") or "@{" in value):
                assert path.endswith(".value"), f"{resource.name}{path}: plain expression string {value!r}"


def test_key_vault_reads_and_writes_are_secure(any_build):
    count = 0
    for pipeline in pipelines(any_build):
        for activity in activities(pipeline.properties):
            url = str(activity.get("typeProperties", {}).get("url", ""))
            if activity["type"] == "WebActivity" and SECRET_READ_URL.search(url):
                count += 1
                assert activity["policy"]["secureOutput"] is True, activity["name"]
                assert activity["typeProperties"]["authentication"] == {"type": "MSI",
                                                                        "resource": "https://vault.azure.net"}
                assert "api-version=" in url
                if activity["typeProperties"]["method"] == "PUT":
                    assert activity["policy"]["secureInput"] is True and activity["policy"]["retry"] >= 3
    assert count >= 20


def secret_sources(pipeline):
    """Activities whose output holds a secret or token: Key Vault reads and token requests."""
    return {a["name"] for a in activities(pipeline.properties)
            if a["type"] == "WebActivity" and a["policy"].get("secureOutput")}


def secret_reads_left(text, sources, presence_allowed):
    """The secret sources `text` still reads once the allowed reads are removed: attributes (expiry), a reply's
    error and error_description, and in an If's boolean `empty(<token field>)` (fragments.reply_field)."""
    from adfgen.build import fragments as fx
    from adfgen.expressions import parse_value, references

    for source in sources:
        text = re.sub(re.escape(f"activity('{source}').output") + r"\??\.attributes(\??\.\w+)*", "null", text)
        if presence_allowed:
            for field in ("access_token", "refresh_token"):
                text = text.replace(f"empty({fx.reply_field(source, field)})", "true")
        for field in ("error_description", "error"):
            text = text.replace(fx.reply_field(source, field), "null")
    return {ref.name for ref in references(parse_value(text)) if ref.kind == "activity"} & sources


def test_every_activity_consuming_a_secret_has_secure_input(any_build):
    checked = 0
    for pipeline in pipelines(any_build):
        sources = secret_sources(pipeline)
        for activity in activities(pipeline.properties):
            if not outputs_read(activity) & sources:
                continue
            checked += 1
            if activity["type"] in ("IfCondition", "Fail", "SetVariable"):  # no secureInput: never a secret value
                for text in expression_strings({k: v for k, v in activity.items() if k != "name"}):
                    left = secret_reads_left(text, sources, activity["type"] == "IfCondition")
                    assert not left, (pipeline.name, activity["name"], text)
                continue
            assert activity["policy"]["secureInput"] is True, (pipeline.name, activity["name"])
    assert checked >= 10


def test_no_secret_travels_through_parameters_or_variables(any_build):
    for pipeline in pipelines(any_build):
        sources = secret_sources(pipeline)
        for activity in activities(pipeline.properties):
            if activity["type"] in ("ExecutePipeline", "SetVariable", "AppendVariable"):
                # a variable may hold a secret's expiry (attributes), never its value
                for text in expression_strings({k: v for k, v in activity.items() if k != "name"}):
                    assert not secret_reads_left(text, sources, False), (pipeline.name, activity["name"], text)
        for name, parameter in pipeline.properties.get("parameters", {}).items():
            assert parameter["type"] != "SecureString"
            assert "token" not in name.lower() and "secret" not in name.lower()


def test_refresh_pipeline_runs_alone_checks_the_reply_and_saves_the_refresh_token_first(xero_build):
    refresh = next(r for r in pipelines(xero_build) if r.name == "pl_xero_refresh")
    assert refresh.properties["concurrency"] == 1
    by_name = {a["name"]: a for a in refresh.properties["activities"]}
    assert by_name["Check Token Reply"]["dependsOn"] == [
        {"activity": "Request Token", "dependencyConditions": ["Succeeded"]}]
    assert by_name["Save Refresh Token"]["dependsOn"] == [
        {"activity": "Check Token Reply", "dependencyConditions": ["Succeeded"]}]
    assert by_name["Save Access Token"]["dependsOn"] == [
        {"activity": "Save Refresh Token", "dependencyConditions": ["Succeeded"]}]
    assert by_name["Request Token"]["policy"]["secureInput"] is True
    assert by_name["Request Token"]["policy"]["secureOutput"] is True


def test_every_paginated_copy_has_an_end_condition_and_a_request_cap(xero_build):
    copies = [a for p in pipelines(xero_build) for a in activities(p.properties) if a["type"] == "Copy"
              and a["typeProperties"]["source"]["type"] == "RestSource"]
    assert len(copies) == 9
    for copy in copies:
        assert copy["policy"]["retry"] == 0  # a retry would resend the same token from page 1: the loop retries
        rules = copy["typeProperties"]["source"]["paginationRules"]
        cap = rules["MaxRequestNumber"]
        if isinstance(cap, dict):  # a chunk: RANGE bounds and cap from the chunk's variables, and an end condition
            assert cap == {"value": "@variables('ChunkPages')", "type": "Expression"}
            assert any(k.startswith("EndCondition:") for k in rules)
            assert any(isinstance(v, dict) and v["value"].startswith("@concat('RANGE:'") for v in rules.values())
        else:
            assert int(cap) == 1 and rules["SupportRFC5988"] == "false"  # unpaged


def test_controller_never_runs_more_workers_than_the_api_allows(xero_build):
    controller = next(r for r in pipelines(xero_build) if r.name == "pl_xero_controller")
    runs = [a for a in controller.properties["activities"] if a["name"].startswith("Run ")]
    # every worker runs in the slot pipeline, whose concurrency queues all but 5 runs (issue 9: lanes that balance)
    assert len(runs) == 9 and {a["typeProperties"]["pipeline"]["referenceName"] for a in runs} == {"pl_xero_slot"}
    slot = next(r for r in pipelines(xero_build) if r.name == "pl_xero_slot")
    assert slot.properties["concurrency"] == 5 == xero_build.concurrency_limits["pl_xero_slot"]
    (switch,) = slot.properties["activities"]
    assert all(len(case["activities"]) == 1 for case in switch["typeProperties"]["cases"])  # one worker per run
    assert xero_build.concurrency_limits["pl_xero_controller"] == 5
    # an overlapping run (manual, or a late schedule) queues instead of doubling the lanes
    assert controller.properties["concurrency"] == 1
    workers = [r for r in pipelines(xero_build) if r.properties["folder"]["name"] == "Worker Pipelines"]
    assert len(workers) == 13 and all(w.properties["concurrency"] == 1 for w in workers)


def test_no_secret_values_in_the_generated_files(xero_build):
    blob = b"".join(xero_build.files.values()).decode()
    assert not re.search(r"eyJ[A-Za-z0-9_-]{10,}\.", blob)  # JWT
    assert not re.search(r"(?i)(AccountKey|SharedAccessSignature|sig=|Password=)", blob)
    assert '"SecureString"' not in blob
    assert set(xero_build.secret_names) == {"xero-client-id", "xero-client-secret", "xero-refresh-token",
                                            "xero-access-token", "xero-tenant-id"}


@pytest.mark.parametrize("kind", ["linkedService", "dataset", "pipeline", "trigger"])
def test_every_resource_is_marked_as_managed_by_adfgen(xero_build, kind):
    resources = [r for r in xero_build.resources if r.kind == kind]
    assert resources and all(r.is_managed for r in resources)
