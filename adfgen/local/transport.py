"""Every HTTP request a run makes: routed to the local vault or storage, refused, redirected, or sent for real.

Order: --redirect prefixes are applied first; then Key Vault hosts go to the local vault (--vault) and storage
hosts to the local storage (--sink-dir); any other Azure endpoint is refused unless the run uses --env (real
Azure with azure-identity); plain http:// is allowed only to loopback; everything else goes out over HTTPS with
the CA bundle (--ca-bundle, SSL_CERT_FILE or REQUESTS_CA_BUNDLE).
"""

from __future__ import annotations

import ipaddress
import os
import re
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from adfgen.local.masking import Secrets

LOCAL_MSI_TOKEN = "local-run-managed-identity"  # what a loopback peer sees when no real identity is in play
_VAULT_SUFFIXES = (".vault.azure.net", ".vault.azure.cn", ".vault.usgovcloudapi.net")
_STORAGE_SUFFIXES = (".blob.core.windows.net", ".dfs.core.windows.net")
_AZURE_SUFFIXES = (".azure.net", ".azure.com", ".windows.net", ".microsoftonline.com", ".azure.cn",
                   ".usgovcloudapi.net", ".microsoft.com", ".fabric.microsoft.com")
_AZURE_HOSTS = ("management.azure.com", "login.microsoftonline.com", "login.windows.net", "graph.microsoft.com")


@dataclass
class HttpReply:
    """One HTTP response: status, headers (look them up with `header`), body bytes."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """A response header, matched without regard to case."""
        return header(self.headers, name)


def header(headers: Mapping[str, str], name: str) -> str | None:
    """headers[name] matched without regard to case; None when absent."""
    folded = name.lower()
    for key, value in headers.items():
        if key.lower() == folded:
            return value
    return None


class Handler(Protocol):
    """A local stand-in for an Azure service (LocalVault, LocalStorage)."""

    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> HttpReply: ...


class TransportError(Exception):
    """A request that could not be made: refused by policy, or no reply (connection error, timeout)."""

    def __init__(self, message: str, *, refused: bool = False, timed_out: bool = False):
        super().__init__(message)
        self.refused = refused
        self.timed_out = timed_out


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_vault_host(host: str) -> bool:
    """True for Key Vault data-plane hosts."""
    return host.lower().endswith(_VAULT_SUFFIXES)


def is_storage_host(host: str) -> bool:
    """True for Blob and ADLS Gen2 hosts."""
    return host.lower().endswith(_STORAGE_SUFFIXES)


def is_azure_host(host: str) -> bool:
    """True for Azure service endpoints (management, login, vault, storage, SQL, ...)."""
    host = host.lower().rstrip(".")
    return host in _AZURE_HOSTS or host.endswith(_AZURE_SUFFIXES)


def parse_redirect(text: str) -> tuple[str, str]:
    """`FROM=TO` -> (FROM, TO); ValueError when malformed."""
    source, sep, target = text.partition("=")
    if not sep or not source.strip() or not target.strip():
        raise ValueError(f"--redirect {text!r}: expected FROM=TO, e.g. https://api.example.com=http://127.0.0.1:8080")
    for url in (source, target):
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--redirect {text!r}: {url!r} is not an http(s) URL")
    return source.strip().rstrip("/"), target.strip().rstrip("/")


def ca_bundle_from_environment() -> str | None:
    """SSL_CERT_FILE or REQUESTS_CA_BUNDLE, when set."""
    return os.environ.get("SSL_CERT_FILE") or os.environ.get("REQUESTS_CA_BUNDLE") or None


class Transport:
    """Routes, counts and sends a run's requests; thread-safe."""

    def __init__(self, *, vault: Handler | None = None, storage: Handler | None = None,
                 redirects: list[tuple[str, str]] | None = None, ca_bundle: str | None = None,
                 credential: Any = None, allow_azure: bool = False, vault_hosts: tuple[str, ...] = (),
                 secrets: Secrets | None = None, min_timeout: float = 10.0):
        self.vault = vault
        self.storage = storage
        self.redirects = sorted(redirects or [], key=lambda pair: len(pair[0]), reverse=True)
        self.ca_bundle = ca_bundle or ca_bundle_from_environment()
        self.credential = credential
        self.allow_azure = allow_azure
        self.vault_hosts = tuple(h.lower() for h in vault_hosts)
        self.secrets = secrets or Secrets()
        # real seconds: a timeout compressed by the time scale never goes below this, so that a busy machine's
        # slowness is not reported as the API's; the policy deadline is still checked when the reply arrives
        self.min_timeout = min_timeout
        self.counts: Counter[tuple[str, int | str]] = Counter()
        self.secrets_written: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._tokens: dict[str, Any] = {}

    # ---------------------------------------------------------------- routing

    def rewrite(self, url: str) -> str:
        """The URL after --redirect prefix rewrites."""
        for source, target in self.redirects:
            if url == source or url.startswith(source + "/") or url.startswith(source + "?"):
                return target + url[len(source):]
        return url

    def route(self, url: str) -> str:
        """Where a (rewritten) URL goes: 'vault', 'storage', 'refuse:<why>' or 'http'."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            return f"refuse:{url} is not an http(s) URL"
        if is_vault_host(host) or host in self.vault_hosts:
            if self.vault is not None:
                return "vault"
            if not self.allow_azure:
                return (f"refuse:{url} is Key Vault; a local run serves Key Vault from --vault FILE "
                        "(or use --env NAME for the real vault, or --redirect)")
        elif is_storage_host(host):
            if self.storage is not None:
                return "storage"
            if not self.allow_azure:
                return (f"refuse:{url} is Azure Storage; a local run serves storage from --sink-dir DIR "
                        "(or use --env NAME, or --redirect)")
        elif is_azure_host(host) and not self.allow_azure:
            return (f"refuse:{url} is an Azure endpoint and this run is local; use --redirect to send it to a "
                    "local peer, or --env NAME to run against Azure")
        if parts.scheme == "http" and not is_loopback(host):
            return f"refuse:{url} uses plain http://, which is allowed only to loopback addresses"
        return "http"

    # ---------------------------------------------------------------- requests

    def request(self, method: str, url: str, headers: Mapping[str, str] | None = None, body: bytes | None = None,
                *, timeout: float = 100.0, msi_resource: str | None = None, verify: bool = True) -> HttpReply:
        """Send one request; `timeout` is in real seconds; verify=False skips certificate validation (Web's
        disableCertValidation). Raises TransportError when there is no reply."""
        target = self.rewrite(url)
        where = self.route(target)
        host = urlsplit(target).hostname or "?"
        shown_host = urlsplit(url).hostname or "?"  # the report counts the host the pipeline named
        if where.startswith("refuse:"):
            self._count(urlsplit(url).hostname or "?", "refused")
            raise TransportError(f"refused: {where[len('refuse:'):]}", refused=True)
        sent = dict(headers or {})
        if msi_resource and where == "http":
            sent = {k: v for k, v in sent.items() if k.lower() != "authorization"}
            sent["Authorization"] = f"Bearer {self._msi_token(msi_resource, host)}"
        if where in ("vault", "storage"):
            handler = self.vault if where == "vault" else self.storage
            try:
                reply = handler.handle(method.upper(), target, sent, body)
            except Exception as exc:  # noqa: BLE001 - a broken vault file or path is the request's failure
                self._count(shown_host, "error")
                raise TransportError(f"the local {'vault' if where == 'vault' else 'storage'} could not serve "
                                     f"{method.upper()} {target.split('?')[0]}: {exc}") from None
        else:
            try:
                reply = self._send(method, target, sent, body, max(timeout, self.min_timeout), verify)
            except TransportError:
                self._count(shown_host, "no reply")
                raise
        self._count(shown_host, reply.status)
        self._observe(method, target, reply)
        return reply

    def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float,
              verify: bool = True) -> HttpReply:
        import requests

        if not verify:  # the pipeline asked for it (disableCertValidation); say nothing per request
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False  # proxies from the environment must not see local traffic
        try:
            response = session.request(method.upper(), url, headers=headers, data=body, timeout=timeout,
                                        verify=(self.ca_bundle or True) if verify else False, allow_redirects=False)
        except requests.Timeout:
            raise TransportError(f"no reply from {_origin(url)} within {timeout:g} s", timed_out=True) from None
        except requests.exceptions.SSLError as exc:
            raise TransportError(f"TLS error talking to {_origin(url)} (pass --ca-bundle for a private CA): "
                                 f"{_short(exc)}") from None
        except requests.RequestException as exc:
            raise TransportError(f"cannot reach {_origin(url)}: {_short(exc)}") from None
        return HttpReply(response.status_code, dict(response.headers), response.content)

    def _msi_token(self, resource: str, host: str) -> str:
        if self.credential is not None:
            scope = resource.rstrip("/") + "/.default"
            with self._lock:
                cached = self._tokens.get(scope)
            import time

            if cached is None or cached.expires_on - 300 < time.time():
                try:
                    cached = self.credential.get_token(scope)
                except Exception as exc:  # noqa: BLE001 - azure-identity raises several kinds
                    raise TransportError(f"cannot get a managed-identity token for {resource}: "
                                         f"{_short(exc)}") from None
                with self._lock:
                    self._tokens[scope] = cached
            self.secrets.add(cached.token)
            return cached.token
        if is_loopback(host):
            return LOCAL_MSI_TOKEN
        raise TransportError(f"MSI authentication to {host} needs a real identity: run with --env NAME "
                             "(azure-identity), serve it locally (--vault, --sink-dir) or --redirect it", refused=True)

    def _count(self, host: str, status: int | str) -> None:
        with self._lock:
            self.counts[(host, status)] += 1

    def _observe(self, method: str, url: str, reply: HttpReply) -> None:
        """Register secrets seen in replies and count Key Vault secret writes (token rotations)."""
        parts = urlsplit(url)
        path = parts.path.strip("/").split("/")
        is_vault = is_vault_host(parts.hostname or "") or (len(path) >= 2 and path[0] == "secrets")
        if not reply.body or not reply.body.lstrip().startswith(b"{"):
            return
        try:
            import json

            document = json.loads(reply.body)
        except ValueError:
            return
        self.secrets.add_token_fields(document)
        if is_vault and isinstance(document, dict):
            self.secrets.add(document.get("value"))
        if is_vault and method.upper() == "PUT" and 200 <= reply.status < 300 and len(path) >= 2:
            with self._lock:
                self.secrets_written[path[1]] += 1

    def requests_by_host(self) -> dict[str, dict[str, int]]:
        """{host: {status: count}} for the report."""
        table: dict[str, dict[str, int]] = {}
        with self._lock:
            for (host, status), count in sorted(self.counts.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
                table.setdefault(host, {})[str(status)] = count
        return table


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _short(exc: BaseException) -> str:
    """The useful part of a requests/urllib3 error: the innermost cause, without the pool's preamble."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "Caused by " in text:
        cause = text.split("Caused by ", 1)[1]
        cause = cause[:-1] if cause.endswith(")") else cause  # the pool message's own closing parenthesis
        inner = re.match(r"""^\w+\((["'])(.*)\1\)$""", cause)
        cause = inner.group(2) if inner else cause
        text = cause.split("): ", 1)[1] if "): " in cause else cause
    return text[:300]
