"""`auth refresh --vault FILE` removes FILE.lock when done, and removing it keeps the lock exclusive under contention."""

from __future__ import annotations

import threading

import pytest
from filelock import FileLock, Timeout

from adfgen.oauth.errors import AuthError
from adfgen.oauth.refresh import vault_lock
from tests.test_auth_refresh import env, vault, world  # noqa: F401 (fixtures)


def test_the_lock_file_is_gone_after_the_lock(tmp_path):
    vault_file = tmp_path / "vault.json"
    with vault_lock(vault_file, timeout=1):
        assert (tmp_path / "vault.json.lock").exists()
    assert not (tmp_path / "vault.json.lock").exists()


def test_after_the_removal_a_waiter_gets_the_lock_and_it_stays_exclusive(tmp_path):
    vault_file = tmp_path / "vault.json"
    path = str(vault_file) + ".lock"
    waiting, holding, done = threading.Event(), threading.Event(), threading.Event()

    def waiter():
        lock = FileLock(path)  # polls the holder's file until it is released (and removed)
        waiting.set()
        with lock.acquire(timeout=5):
            holding.set()
            done.wait(5)

    thread = threading.Thread(target=waiter)
    with vault_lock(vault_file, timeout=1):
        thread.start()
        waiting.wait(5)
    assert holding.wait(5)
    # the waiter holds the lock on the file now at the path, not on the removed one: a third comer must wait
    with pytest.raises(Timeout):
        FileLock(path).acquire(timeout=0.2)
    with pytest.raises(AuthError, match="another refresh holds"):
        with vault_lock(vault_file, timeout=0.2):
            pass
    done.set()
    thread.join(5)


def test_auth_refresh_leaves_no_lock_file(env, vault, capfd):  # noqa: F811 (fixtures)
    code, _, err = env.run(capfd, "auth", "refresh", "xero", "--vault", str(vault))
    assert code == 0, err
    assert not vault.with_name(vault.name + ".lock").exists()
    assert sorted(p.name for p in vault.parent.iterdir() if p.name.startswith(vault.name)) == [vault.name]
