"""Data safety end to end: generated pipelines run by `adfgen run` against local fakes on a compressed clock.

Each test states the guarantee it proves (README, "How the pipelines keep tokens and data safe").
"""

from __future__ import annotations

from datetime import datetime, timezone

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
