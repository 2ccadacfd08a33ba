"""Data safety end to end: generated pipelines run by `adfgen run` against local fakes on a compressed clock.

Each test states the guarantee it proves (README, "How the pipelines keep tokens and data safe").
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs

import pytest

from adfgen.local import vault as vault_module
from tests.data_safety_world import ErrorTokenEndpoint, World


@pytest.fixture()
def world(tmp_path):
    made = World(tmp_path)
    yield made
    made.stop()


def test_a_token_error_answered_with_200_fails_with_the_providers_message_and_saves_nothing(world, capfd):
    """Item 5: the reply is checked before anything is saved; the Fail names only error and error_description."""
    endpoint = ErrorTokenEndpoint(world.ca, {"error": "invalid_code", "error_description": "the code has expired",
                                             "debug": "internal-detail-xyz"})
    world.token_url = endpoint.url
    try:
        before = world.vault.read_text()
        code, report, printed = world.run(capfd, "pl_xero_refresh")
    finally:
        endpoint.stop()
    assert code == 1
    assert endpoint.posts == 1
    assert "invalid_code" in printed and "the code has expired" in printed
    assert "internal-detail-xyz" not in printed  # nothing else from the reply
    assert "TokenReplyRefused" in printed
    assert world.vault.read_text() == before  # Key Vault untouched: the refresh token is still the valid one


def test_access_token_expiry_counts_from_before_the_token_post(world, capfd, monkeypatch):
    """Item 4: a save retried for 30 s does not push the stored expiry 30 s past the token's real expiry."""
    real_replace = vault_module.os.replace
    failures: list[str] = []

    def fail_once(src, dst):
        if not failures:
            failures.append(str(dst))
            raise OSError("injected: the vault write failed")
        return real_replace(src, dst)

    started = datetime.now(timezone.utc).timestamp()
    monkeypatch.setattr(vault_module.os, "replace", fail_once)
    code, report, printed = world.run(capfd, "pl_xero_refresh")
    monkeypatch.undo()
    assert code == 0, printed[-3000:]
    assert failures, "the injected failure never happened"
    issued = world.oauth.tokens[-1]
    stored = world.secrets()["xero-access-token"]
    assert stored["value"] == issued.access_token
    # the POST went out within a few virtual seconds of the start; the save retried 30 virtual seconds later
    assert stored["exp"] <= started + issued.expires_in + 10  # the old design stored started + 30 s + lifetime
    assert stored["exp"] >= started + issued.expires_in - 5


def test_each_worker_keeps_its_own_watermark_and_a_failed_one_keeps_the_old(world, capfd):
    """Item 9: a worker writes its endpoint's watermark after its window landed; a failed worker leaves it."""
    code, _, printed = world.run(capfd, "pl_xero_controller")
    assert code == 0, printed[-3000:]
    first = {e: world.watermark(e) for e in ("invoices", "contacts", "payments")}
    assert all(first.values()), first
    state = world.lake / "_state"
    written = {e: (state / f"{e}.json").stat().st_mtime_ns for e in first}
    assert world.watermark("accounts") is None  # not incremental: no state
    assert not (world.lake / "_state" / "watermark.json").exists()  # no shared file that lanes overwrite

    world.api.fail_next("/Invoices", status=500, times=50)  # every Invoices request of this run fails
    world.api.touch("Contacts", 2)
    code, report, printed = world.run(capfd, "pl_xero_controller")
    assert code == 1
    assert "invoices" in printed
    assert world.watermark("invoices") == first["invoices"]  # the failed window is loaded again next time
    assert (state / "invoices.json").stat().st_mtime_ns == written["invoices"]
    # the others moved on (each `adfgen run` starts its own compressed clock, so look at the writes, not the values)
    assert (state / "contacts.json").stat().st_mtime_ns > written["contacts"]
    assert (state / "payments.json").stat().st_mtime_ns > written["payments"]


def paged_invoices(lifetime: int = 1800, margin: int = 300, page_size: int = 10, max_requests: int = 1000,
                   request_timeout: int = 10, attempts: int = 3, backoff: int = 60):
    """A spec edit: Invoices in pages of `page_size`, a fast rate limit, the token and retry settings given."""
    def edit(spec: dict) -> None:
        api = spec["apis"][0]
        api["auth"].update(access_token_lifetime=lifetime, refresh_margin=margin)
        api["rate_limit"]["requests_per_minute"] = 600
        api["request_timeout"] = request_timeout
        api["retry"] = {"attempts": attempts, "backoff": backoff}
        api["pagination"].update(page_size=page_size, max_requests=max_requests)
    return edit


def ids(rows: list[dict]) -> list[str]:
    return sorted(r["InvoiceID"] for r in rows)


def test_a_two_minute_token_and_500_pages_land_every_record(tmp_path, capfd):
    """Item 1: no request carries an expired token, however many pages: the loop refreshes between chunks."""
    # 500 real round trips: at 25x (not 100x) a busy machine's latency stays far below the 10 s request timeout.
    # Half a virtual second a page at the API makes the sync outlive many tokens (more than 5, below) on any machine:
    # pacing alone (0.51 s a page) would leave the count to how fast this one is.
    world = World(tmp_path, paged_invoices(lifetime=120, margin=30), access_ttl=120,
                  counts={"Invoices": 5000}, calls_per_window=6000, scale=25.0, latency=0.5)
    try:
        code, report, printed = world.run(capfd, "pl_xero_invoices")
        assert code == 0, printed[-3000:]
        landed = ids(world.landed("invoices"))
        assert landed == ids(world.api.records("Invoices"))  # every record, exactly once
        assert world.api.served.pages["Invoices"] >= 501  # 500 full pages and the empty one that ends the window
        assert world.api.served.by_status[401] == 0  # the fake refuses a token past its 2 minutes
        assert len(world.oauth.tokens) > 5  # many access tokens: one Copy could not have done it
        assert world.watermark("invoices") is not None
        # the design relies on expressions in paginationRules, which ADF does not document: the report says so
        assert "rest.rule_expressions" in {b["key"] for b in report["assumedBehaviours"]}
    finally:
        world.stop()


def test_reaching_the_request_cap_fails_naming_the_endpoint_and_the_cap_and_keeps_the_watermark(tmp_path, capfd):
    """Item 2: a truncated window is detected (one page past the cap still has rows) and the watermark stays."""
    world = World(tmp_path, paged_invoices(max_requests=5), counts={"Invoices": 120})
    try:
        state = world.lake / "_state" / "invoices.json"
        state.parent.mkdir(parents=True)
        state.write_text('{"watermark":"2000-01-01T00:00:00Z"}\n')
        code, report, printed = world.run(capfd, "pl_xero_invoices")
        assert code == 1
        assert "xero.invoices" in printed and "request cap of 5" in printed
        assert world.watermark("invoices") == "2000-01-01T00:00:00Z"
        assert world.api.served.pages["Invoices"] == 6  # the cap, and one page that proved there is more
    finally:
        world.stop()


def test_a_window_that_ends_exactly_at_the_cap_is_complete(tmp_path, capfd):
    """Item 2, no false alarm: the probe past the cap finds the empty page, so the window landed whole."""
    world = World(tmp_path, paged_invoices(max_requests=5), counts={"Invoices": 50})
    try:
        code, report, printed = world.run(capfd, "pl_xero_invoices")
        assert code == 0, printed[-3000:]
        assert ids(world.landed("invoices")) == ids(world.api.records("Invoices"))
    finally:
        world.stop()


def test_a_failed_chunk_is_retried_after_a_backoff_from_that_chunk_not_page_one(tmp_path, capfd):
    """Items 1 and 7: Copy retry 0; the loop waits and resumes at the failed chunk; nothing lost, nothing doubled."""
    world = World(tmp_path, paged_invoices(lifetime=120, margin=30, backoff=45), access_ttl=120,
                  counts={"Invoices": 400}, calls_per_window=6000)
    stop = threading.Event()

    def fail_mid_sync() -> None:  # a 403 "slow down" once 20 pages have been served
        while not stop.is_set():
            if world.api.served.pages["Invoices"] >= 20:
                world.api.fail_next("/Invoices", status=403, times=1)
                return
            time.sleep(0.005)

    helper = threading.Thread(target=fail_mid_sync, daemon=True)
    helper.start()
    try:
        code, report, printed = world.run(capfd, "pl_xero_invoices")
        assert code == 0, printed[-3000:]
        assert world.api.served.by_status[403] == 1
        assert ids(world.landed("invoices")) == ids(world.api.records("Invoices"))  # every record, once
        pages = [parse_qs(e["query"]).get("page", ["?"])[0] for e in world.api.served.log
                 if e["path"].endswith("/Invoices") and e["status"] == 200]
        assert pages.count("1") == 1  # the retry did not start over
        waits = [a for a in report["activityRuns"] if a["activity"] == "Back Off"]
        assert len(waits) == 1
    finally:
        stop.set()
        world.stop()


@pytest.mark.parametrize("status", [204, 304, 200])
def test_an_answer_that_is_not_a_page_ends_the_sync_cleanly_with_zero_rows(tmp_path, capfd, status):
    """Item 6: 204 No Content ends pagination (documented); 304 for If-Modified-Since is assumed (evidence row
    rest.304, listed in the run's report); so is a 200 with an empty body (rest.empty_body): each way the window is
    complete with no rows and the watermark moves."""
    world = World(tmp_path)
    world.api.not_modified_status = status  # nothing changed since the watermark: the fake answers `status`, no body
    try:
        state = world.lake / "_state" / "invoices.json"
        state.parent.mkdir(parents=True)
        state.write_text('{"watermark":"2999-01-01T00:00:00Z"}\n')  # later than every record
        code, report, printed = world.run(capfd, "pl_xero_invoices")
        assert code == 0, printed[-3000:]
        assert world.landed("invoices") == []
        assert world.api.served.by_status[status] >= 1
        assert world.watermark("invoices") != "2999-01-01T00:00:00Z"  # the (empty) window landed: it moves on
        assumed = {b["key"] for b in report["assumedBehaviours"]}
        if status != 204:  # the report names the assumption this run relied on
            assert {304: "rest.304", 200: "rest.empty_body"}[status] in assumed
    finally:
        world.stop()


def test_a_fan_out_over_12000_parents_reaches_every_parent_once(tmp_path, capfd):
    """Item 3: parent keys only, in files of at most 5,000 rows: every one of 12,000 parents gets its child run.

    The old design read the parents with one Lookup, which returns 5,000 rows and drops the rest silently. The child
    pipeline's chunk loop is proven by the other tests; here it is replaced by a stub so that 12,000 runs stay fast.
    """
    world = World(tmp_path, counts={"Projects": 12000, "Tasks": 0, "Time": 0}, calls_per_window=6000)
    try:
        code, report, printed = world.run(capfd, "pl_xero_projects")
        assert code == 0, printed[-3000:]
        batch = report["runId"]
        landed = world.landed("projects", batch)
        assert len(landed) == 12000
        files = sorted((world.lake / "projects" / batch).glob("*.json"))
        assert all(len(read(p)) < 5000 for p in files) and len(files) >= 3  # parent files fit one Lookup

        stub = {"name": "pl_xero_project_tasks_pages", "properties": {
            "parameters": {"KeyVaultUrl": {"type": "String"}, "BatchId": {"type": "String"},
                           "ParentKey": {"type": "String"}},
            "activities": [{"name": "Stand In", "type": "Wait", "dependsOn": [], "userProperties": [],
                            "typeProperties": {"waitTimeInSeconds": 0}}]}}
        (world.factory / "pipeline" / "pl_xero_project_tasks_pages.json").write_text(json.dumps(stub))
        code, report, printed = world.run(capfd, "pl_xero_project_tasks", "--param", f"BatchId={batch}")
        assert code == 0, printed[-3000:]
        keys = [r["parameters"]["ParentKey"] for r in report["pipelineRuns"]
                if r["pipeline"] == "pl_xero_project_tasks_pages"]
        assert len(keys) == 12000 and sorted(keys) == sorted(p["projectId"] for p in world.api.records("Projects"))
        lookups = [a for a in report["activityRuns"] if a["activity"] == "Read Parent Keys"]
        assert lookups and all(a["status"] == "Succeeded" for a in lookups)
    finally:
        world.stop()


def read(path) -> list[dict]:
    from adfgen.local.formats import read_records

    return read_records(path, "Json", {})


def findings(world: World, code: str) -> list[str]:
    """The resources `adfgen check` reports `code` for in the world's factory folder."""
    from adfgen.check.engine import run_checks
    from adfgen.check.sources import load_git_factory

    return sorted(f.resource for f in run_checks([load_git_factory(world.factory, complete=True)], None)
                  if f.code == code)


def old_design_worker(world: World, max_requests: int) -> str:
    """The worker as it was before the chunk loop: token check, then one Copy paging everything (retry 2), written
    into the built factory as pl_old_invoices. Derived from today's worker so that only the design differs."""
    worker = json.loads((world.factory / "pipeline" / "pl_xero_invoices.json").read_text())
    top = worker["properties"]["activities"]
    loop = next(a for a in top if a["type"] == "Until")
    inner = {a["name"]: a for a in loop["typeProperties"]["activities"]}
    copy = inner["Copy Chunk"]
    copy["dependsOn"] = [{"activity": "Get Access Token", "dependencyConditions": ["Succeeded"]},
                         {"activity": "Get xero-tenant-id", "dependencyConditions": ["Succeeded"]},
                         {"activity": "Read Watermark", "dependencyConditions": ["Completed"]},
                         {"activity": "Note Sync Start", "dependencyConditions": ["Succeeded"]}]
    copy["policy"].update(retry=2, retryIntervalInSeconds=60)
    copy["typeProperties"]["source"]["paginationRules"] = {
        "QueryParameters.{page}": "RANGE:1::1", "EndCondition:$.Invoices": "Empty", "MaxRequestNumber": str(max_requests)}
    copy["outputs"][0]["parameters"]["FileName"] = "invoices.json"
    save = next(a for a in top if a["name"] == "Save Watermark")
    save["dependsOn"] = [{"activity": "Copy Chunk", "dependencyConditions": ["Succeeded"]}]
    kept = [a for a in top if a["name"] in ("Note Sync Start", "Read Watermark", "Get xero-tenant-id")]
    worker["name"] = "pl_old_invoices"
    worker["properties"]["activities"] = kept + [inner["Read Token Expiry"], inner["Refresh If Near Expiry"],
                                                 inner["Get Access Token"], copy, save]
    (world.factory / "pipeline" / "pl_old_invoices.json").write_text(json.dumps(worker))
    return "pl_old_invoices"


def test_the_old_design_fails_with_401_when_paging_outlives_the_token(tmp_path, capfd):
    """Item 1, before: one Copy with a 2-minute token and 500 pages sends an expired token, and its retries resend it."""
    # 500 real round trips: at 25x (not 100x) a busy machine's latency stays far below the 10 s request timeout
    world = World(tmp_path, paged_invoices(lifetime=120, margin=30), access_ttl=120,
                  counts={"Invoices": 5000}, calls_per_window=6000, scale=25.0)
    try:
        code, report, printed = world.run(capfd, old_design_worker(world, 1000))
        assert code == 1
        assert world.api.served.by_status[401] >= 1
        assert world.watermark("invoices") is None
        assert findings(world, "DS005") == ["pipeline pl_old_invoices"]  # adfgen check sees the pattern
    finally:
        world.stop()


def test_the_old_design_truncates_at_the_cap_silently_and_moves_the_watermark(tmp_path, capfd):
    """Item 2, before: MaxRequestNumber stops paging, the Copy succeeds, 70 of 120 records are lost for good."""
    world = World(tmp_path, paged_invoices(max_requests=5), counts={"Invoices": 120})
    try:
        code, report, printed = world.run(capfd, old_design_worker(world, 5))
        assert code == 0  # no error at all
        assert len(world.landed("invoices")) == 50
        assert world.watermark("invoices") is not None  # and the next run starts after the lost records
    finally:
        world.stop()


def test_the_old_design_reaches_only_5000_of_12000_parents_silently(tmp_path, capfd):
    """Item 3, before: one Lookup over the parents' file returns 5,000 rows and succeeds; 7,000 parents are skipped."""
    from adfgen.local.formats import write_records

    world = World(tmp_path)
    try:
        folder = world.lake / "projects" / "old-batch"
        folder.mkdir(parents=True)
        write_records(folder / "projects.json", [{"projectId": f"p-{i}"} for i in range(12000)], "Json", {})
        stub = {"name": "pl_stub", "properties": {"parameters": {"ParentKey": {"type": "String"}}, "activities": [
            {"name": "Stand In", "type": "Wait", "dependsOn": [], "userProperties": [],
             "typeProperties": {"waitTimeInSeconds": 0}}]}}
        old = {"name": "pl_old_fanout", "properties": {"activities": [
            {"name": "Lookup Parent Keys", "type": "Lookup", "dependsOn": [], "userProperties": [],
             "policy": {"timeout": "0.00:10:00", "retry": 0, "secureInput": False, "secureOutput": False},
             "typeProperties": {"source": {"type": "JsonSource", "storeSettings": {"type": "AzureBlobFSReadSettings"},
                                           "formatSettings": {"type": "JsonReadSettings"}},
                                "dataset": {"referenceName": "ds_lake_json", "type": "DatasetReference",
                                            "parameters": {"FolderPath": "xero/projects/old-batch",
                                                           "FileName": "projects.json"}},
                                "firstRowOnly": False}},
            {"name": "For Each projects", "type": "ForEach", "userProperties": [],
             "dependsOn": [{"activity": "Lookup Parent Keys", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"items": {"value": "@activity('Lookup Parent Keys').output.value", "type": "Expression"},
                                "isSequential": True, "activities": [
                 {"name": "Run Child", "type": "ExecutePipeline", "dependsOn": [], "userProperties": [],
                  "typeProperties": {"pipeline": {"referenceName": "pl_stub", "type": "PipelineReference"},
                                     "waitOnCompletion": True,
                                     "parameters": {"ParentKey": {"value": "@item().projectId", "type": "Expression"}}}}]}}]}}
        (world.factory / "pipeline" / "pl_stub.json").write_text(json.dumps(stub))
        (world.factory / "pipeline" / "pl_old_fanout.json").write_text(json.dumps(old))
        code, report, printed = world.run(capfd, "pl_old_fanout")
        assert code == 0  # no error at all
        assert len([r for r in report["pipelineRuns"] if r["pipeline"] == "pl_stub"]) == 5000
        assert findings(world, "DS004") == ["pipeline pl_old_fanout"]  # adfgen check sees the pattern
    finally:
        world.stop()


def test_a_provider_that_does_not_rotate_never_has_its_refresh_token_rewritten(tmp_path, capfd):
    """Item 5: with rotating_refresh_tokens: false only the access token is saved; a rotating API given the same
    reply (no refresh_token) fails instead of saving the old one again."""
    reply = {"access_token": "at-from-a-non-rotating-provider", "token_type": "Bearer", "expires_in": 3600}

    def not_rotating(spec):
        spec["apis"][0]["auth"]["rotating_refresh_tokens"] = False

    world = World(tmp_path / "plain", not_rotating)
    endpoint = ErrorTokenEndpoint(world.ca, reply)
    world.token_url = endpoint.url
    try:
        before = world.secrets()["xero-refresh-token"]
        code, report, printed = world.run(capfd, "pl_xero_refresh")
        assert code == 0, printed[-3000:]
        assert world.secrets()["xero-refresh-token"] == before  # not even a new version of the same value
        assert world.secret("xero-access-token") == reply["access_token"]
    finally:
        endpoint.stop()
        world.stop()

    world = World(tmp_path / "rotating")
    endpoint = ErrorTokenEndpoint(world.ca, reply)
    world.token_url = endpoint.url
    try:
        before = world.vault.read_text()
        code, report, printed = world.run(capfd, "pl_xero_refresh")
        assert code == 1 and "without access_token and refresh_token" in printed
        assert world.vault.read_text() == before
    finally:
        endpoint.stop()
        world.stop()
