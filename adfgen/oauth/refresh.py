"""`auth refresh`: one refresh exactly as the refresh pipeline does it, locally (vault file under a lock, or
`--direct` against Key Vault), or by starting the factory's own refresh pipeline, which never races a running one."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from adfgen.oauth import tokens
from adfgen.oauth.errors import AuthError
from adfgen.oauth.stores import SecretStore
from adfgen.oauth.target import AuthTarget
from adfgen.spec.variants.auth import flow_of

SAVE_ATTEMPTS = 5  # as the pipeline's "Save Refresh Token" (retry 5)
SAVE_BACKOFF = 1.0  # seconds before the 2nd save attempt, doubling, at most 8 s; all within any grace period
RESCUE_ENV = "ADFGEN_RESCUE_DIR"
FACTORY_POLL = 5.0  # seconds between reads of the factory's run; a module constant so tests can shorten it


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh did: whether the refresh token rotated, the access token's expiry, where it ran."""

    rotated: bool
    access_expires_at: int | None
    how: str
    run_id: str | None = None
    status: str | None = None


def direct(target: AuthTarget, store: SecretStore, *, verify: Any = True,
           sleep: Callable[[float], None] | None = None) -> RefreshResult:
    """Read the credentials, refresh, check the reply, save the new refresh token first (with retries), then the
    access token with its expiry counted from before the POST. A refresh token the provider rotated but that could
    not be saved is written to a file only the user can read, and the error says how to put it back."""
    api, auth = target.api, target.api.auth
    flow = flow_of(auth)
    if not flow.stores_token:
        raise AuthError(f"{api.name} uses the {auth.flow} flow: ADF's linked service fetches each token itself, so "
                        "there is nothing to refresh; `adfgen auth login` checks the client credentials")
    names = api.secrets
    client_id = _required(store, names.client_id)
    client_secret = _required(store, names.client_secret) if names.client_secret else None
    client = tokens.Client(client_id, client_secret)
    values = {f.secret_role: _required(store, getattr(names, f.secret_role))
              for f in flow.token_form(auth) if f.secret_role}
    reply = tokens.by_grant(auth, client, values, verify=verify)
    rotating = flow.rotating(auth)
    if rotating:
        _save_refresh_token(target, store, reply.refresh_token or "", sleep or time.sleep)
    store.set(names.access_token, reply.access_token, reply.expires_at)
    return RefreshResult(rotating, reply.expires_at, "direct")


def _required(store: SecretStore, name: str | None) -> str:
    stored = store.get(name) if name else None
    if stored is None or not stored.value:
        raise AuthError(f"{store.description} has no {name}; run `adfgen auth login` first; nothing was changed")
    return stored.value


def _save_refresh_token(target: AuthTarget, store: SecretStore, value: str, sleep: Callable[[float], None]) -> None:
    name = target.api.secrets.refresh_token
    problem: AuthError | None = None
    for attempt in range(SAVE_ATTEMPTS):
        try:
            store.set(name, value)
            return
        except AuthError as exc:
            problem = exc
            if attempt + 1 < SAVE_ATTEMPTS:
                sleep(min(SAVE_BACKOFF * 2 ** attempt, 8.0))
    path = rescue_file(name, value)
    grace = target.api.auth.refresh_token_reuse_grace
    window = f"within the provider's grace period ({grace // 60} minutes)" if grace else "now"
    raise AuthError(f"the provider rotated the refresh token but it could not be saved ({problem}). The new refresh "
                    f"token is in {path} (readable only by you). Put it into {store.description} as {name} {window}, "
                    f"e.g. `az keyvault secret set --vault-name <vault> --name {name} --file {path}`, then delete the "
                    "file; the old token no longer works")


def rescue_file(name: str, value: str) -> Path:
    """Write `value` to a new file with mode 0600 (created so, never widened) and return its path."""
    folder = Path(os.environ.get(RESCUE_ENV) or Path.home() / ".adfgen" / "rescue")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{name}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{os.getpid()}.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return path


@contextmanager
def vault_lock(vault: Path, timeout: float) -> Iterator[None]:
    """Hold `<vault>.lock` (filelock) so two `auth refresh --vault` never rotate the same token at once; the lock
    file is removed when done, where that is safe (see _acquire)."""
    from filelock import Timeout

    path = str(vault) + ".lock"
    try:
        lock, removable = _acquire(path, timeout)
    except Timeout:
        raise AuthError(f"another refresh holds {vault}.lock; wait for it to finish (or remove the lock file if no "
                        "refresh is running) and try again") from None
    try:
        yield
    finally:
        if removable:  # unlinked while still held: a waiter that locks the old file sees it unlinked and retries
            with suppress(OSError):  # already gone, or (Windows) still open elsewhere: filelock's to handle
                os.unlink(path)
        lock.release()


def _acquire(path: str, timeout: float) -> tuple[Any, bool]:
    """The acquired lock, and whether its file may be removed while held.

    A native flock lock may: filelock (>= 4.3.2, pyproject) re-checks after flock that the file it locked is still
    linked (st_nlink) and retries on the path's new file otherwise. Its soft fallback, for filesystems without flock,
    releases by removing its own marker file, so that one is left to filelock.
    """
    import errno

    from filelock import FileLock

    try:
        lock = FileLock(path, fallback_to_soft=False)
        lock.acquire(timeout=timeout)
        return lock, True
    except OSError as exc:
        if exc.errno != errno.ENOSYS:  # flock is missing on this filesystem: filelock's soft lock instead
            raise
    lock = FileLock(path)
    lock.acquire(timeout=timeout)
    return lock, False


def via_factory(target: AuthTarget, clients: Any, resource_group: str, *, timeout: float,
                poll: float | None = None, sleep: Callable[[float], None] = time.sleep) -> RefreshResult:
    """Start the factory's refresh pipeline (concurrency 1: it queues behind a running one) and wait for it."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError

    from adfgen.azure.clients import describe_error

    if not flow_of(target.api.auth).stores_token:
        raise AuthError(f"{target.api.name} has no refresh pipeline: the {target.api.auth.flow} flow's linked "
                        "service fetches each token itself")
    factory, pipeline = target.config.name, target.refresh_pipeline
    adf = clients.datafactory
    try:
        run_id = adf.pipelines.create_run(resource_group, factory, pipeline).run_id
    except (HttpResponseError, ServiceRequestError) as exc:
        # no token at all says nothing about the factory: asking whether it is deployed would mislead
        signed_out = isinstance(exc, ClientAuthenticationError) and getattr(exc, "status_code", None) is None
        hint = "" if signed_out else ("; is the factory deployed (`adfgen deploy`)? For a factory not deployed yet, "
                                      "use --direct")
        raise AuthError(f"cannot start {pipeline} in {factory}: {describe_error(exc)}{hint}") from None
    deadline = time.monotonic() + timeout
    while True:
        try:
            run = adf.pipeline_runs.get(resource_group, factory, run_id)
        except (HttpResponseError, ServiceRequestError) as exc:
            raise AuthError(f"cannot read run {run_id} of {pipeline}: {describe_error(exc)}") from None
        if run.status in ("Succeeded", "Failed", "Cancelled"):
            break
        if time.monotonic() > deadline:
            raise AuthError(f"{pipeline} run {run_id} is still {run.status} after {int(timeout)} s; see it in ADF "
                            "Studio's Monitor")
        sleep(FACTORY_POLL if poll is None else poll)
    if run.status != "Succeeded":
        # the pipeline's Fail message holds the provider's error code and description only
        raise AuthError(f"{pipeline} run {run_id} {run.status.lower()}: {(run.message or '')[:500]}")
    rotating = flow_of(target.api.auth).rotating(target.api.auth)
    return RefreshResult(rotating, None, "factory", run_id, run.status)
