"""Where tokens live: Azure Key Vault (azure-keyvault-secrets + DefaultAzureCredential) or the local vault file
that `adfgen run --vault` serves. Errors name the store and what to do, never a value."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from adfgen.oauth.errors import AuthError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class StoredSecret:
    """A secret's current version: value (never shown), expiry and last update as epoch seconds."""

    value: str = field(repr=False)
    exp: int | None
    updated: int | None


class SecretStore(Protocol):
    """Get and set secrets by name."""

    description: str

    def get(self, name: str) -> StoredSecret | None: ...

    def set(self, name: str, value: str, exp: int | None = None) -> None: ...


class KeyVaultStore:
    """Azure Key Vault through the real SecretClient; 403, auth and network failures become AuthErrors."""

    def __init__(self, vault_url: str, credential: Any, ca_bundle: str | None = None, retry_total: int = 3):
        from azure.keyvault.secrets import SecretClient

        self.description = f"Key Vault {vault_url}"
        host = urlsplit(vault_url).hostname or ""
        kwargs: dict[str, Any] = {"retry_total": retry_total, "retry_backoff_factor": 0.5}
        if ca_bundle:
            kwargs["connection_verify"] = ca_bundle
        if host in LOOPBACK:
            # a local vault (tests, emulators) cannot hold a certificate for vault.azure.net's challenge resource
            kwargs["verify_challenge_resource"] = False
        self._client = SecretClient(vault_url, credential, **kwargs)

    def get(self, name: str) -> StoredSecret | None:
        """The current version, or None when the secret does not exist."""
        from azure.core.exceptions import ResourceNotFoundError

        try:
            secret = self._client.get_secret(name)
        except ResourceNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - every SDK failure becomes one readable line
            raise self._error(exc, f"read secret {name}") from None
        props = secret.properties
        return StoredSecret(secret.value or "", _epoch(props.expires_on), _epoch(props.updated_on or props.created_on))

    def set(self, name: str, value: str, exp: int | None = None) -> None:
        """Add a new version (with `attributes.exp` when given)."""
        expires = datetime.fromtimestamp(exp, timezone.utc) if exp is not None else None
        try:
            self._client.set_secret(name, value, expires_on=expires)
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, f"write secret {name}") from None

    def _error(self, exc: BaseException, doing: str) -> AuthError:
        from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError

        status = getattr(exc, "status_code", None)
        if status == 403:
            return AuthError(f"{self.description} refused to {doing} (403 Forbidden): the identity you are signed in "
                             "with needs the 'Key Vault Secrets Officer' role (RBAC vaults) or get/list/set secret "
                             "permissions (access policies) on this vault, and the vault's firewall must admit you")
        if isinstance(exc, ClientAuthenticationError) and status is None:
            return AuthError(f"cannot get an Azure token to {doing} in {self.description}: sign in with `az login`, "
                             "or set AZURE_CLIENT_ID/AZURE_TENANT_ID with a secret or federated token")
        if isinstance(exc, ServiceRequestError):
            return AuthError(f"cannot reach {self.description} to {doing} ({type(exc).__name__}); check the network, "
                             "the vault URL in the spec and --ca-bundle")
        if isinstance(exc, HttpResponseError):
            code = getattr(getattr(exc, "error", None), "code", None) or exc.reason or ""
            return AuthError(f"{self.description} could not {doing}: HTTP {status} {code}".rstrip())
        return AuthError(f"{self.description} could not {doing} ({type(exc).__name__})")


class VaultFileStore:
    """The local vault file of `adfgen run --vault`, through the same code that serves it to pipelines."""

    def __init__(self, path: Path):
        from adfgen.local.clock import Clock
        from adfgen.local.vault import LocalVault

        self.path = Path(path)
        self.description = f"vault file {self.path}"
        self._vault = LocalVault(self.path, Clock())

    def get(self, name: str) -> StoredSecret | None:
        """The current version, or None."""
        reply = self._call("GET", name, None)
        if reply is None:
            return None
        attributes = reply.get("attributes", {})
        return StoredSecret(reply["value"], attributes.get("exp"), attributes.get("updated"))

    def set(self, name: str, value: str, exp: int | None = None) -> None:
        """Add a new version, written atomically (the older one is kept under `versions`)."""
        body = {"value": value, "attributes": {"exp": exp} if exp is not None else {}}
        self._call("PUT", name, json.dumps(body).encode())

    def _call(self, method: str, name: str, body: bytes | None) -> dict[str, Any] | None:
        url = f"https://vault.local/secrets/{quote(name)}?api-version=7.4"
        reply = self._vault.handle(method, url, {}, body)
        if reply.status == 404 and method == "GET":
            return None
        try:
            document = json.loads(reply.body or b"{}")
        except ValueError:
            document = {}
        if reply.status != 200:
            # the local vault's messages name the file and the problem, never a value
            message = (document.get("error") or {}).get("message", f"HTTP {reply.status}")
            raise AuthError(f"{self.description}: cannot {'read' if method == 'GET' else 'write'} {name}: {message}")
        return document


def _epoch(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None
