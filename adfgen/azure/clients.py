"""Credentials, management clients (retry, TLS, endpoint) and readable Azure errors."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from adfgen.core.errors import AdfgenError

TOKEN_ENV = "ADFGEN_ARM_TOKEN"  # a static bearer token: for local ARM endpoints and tests, not for production
ENDPOINT_ENV = "ADFGEN_ARM_ENDPOINT"
KEYVAULT_API_VERSION = "2023-07-01"  # explicit: azure-mgmt-keyvault 14.1.0 defaults to a very new version


@dataclass(frozen=True)
class Target:
    """Where the factory lives; the vault is optional (no grants without it)."""

    subscription_id: str
    resource_group: str
    factory_name: str
    vault_name: str | None = None
    vault_resource_group: str | None = None


@dataclass(frozen=True)
class Connection:
    """How to reach ARM: endpoint, CA bundle, retry/backoff (azure-core's RetryPolicy), LRO polling, pool size."""

    arm_endpoint: str | None = None
    ca_bundle: str | None = None
    retry_total: int = 6
    retry_backoff_factor: float = 0.8
    retry_backoff_max: float = 60.0
    polling_interval: float = 2.0
    pool_size: int = 16

    @classmethod
    def for_parallelism(cls, parallelism: int, *, arm_endpoint: str | None = None,
                        ca_bundle: str | None = None) -> Connection:
        """A connection whose pool holds every concurrent call plus a few for the reads around them."""
        return cls(arm_endpoint=arm_endpoint, ca_bundle=ca_bundle, pool_size=max(10, parallelism + 4))

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments every management client takes."""
        kwargs: dict[str, Any] = {
            "retry_total": self.retry_total,
            "retry_backoff_factor": self.retry_backoff_factor,
            "retry_backoff_max": self.retry_backoff_max,
            "polling_interval": self.polling_interval,
        }
        if self.arm_endpoint:
            endpoint = self.arm_endpoint.rstrip("/")
            kwargs["base_url"] = endpoint
            kwargs["credential_scopes"] = [f"{endpoint}/.default"]
        if self.ca_bundle:
            kwargs["connection_verify"] = self.ca_bundle
        return kwargs


class StaticTokenCredential:
    """A TokenCredential returning one fixed bearer token (from ADFGEN_ARM_TOKEN); never printed."""

    def __init__(self, token: str):
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)

    def __repr__(self) -> str:
        return "StaticTokenCredential(<hidden>)"


def credential_from_environment() -> Any:
    """ADFGEN_ARM_TOKEN when set (local endpoints, tests), else azure-identity's DefaultAzureCredential."""
    token = os.environ.get(TOKEN_ENV)
    if token:
        return StaticTokenCredential(token)
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


class Clients:
    """The three management clients, built on first use, sharing one connection pool sized for the parallelism."""

    def __init__(self, credential: Any, subscription_id: str, connection: Connection):
        self.credential = credential
        self.subscription_id = subscription_id
        self.connection = connection

    def _transport(self) -> Any:
        import requests
        from azure.core.pipeline.transport import RequestsTransport

        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=self.connection.pool_size)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        verify = {"connection_verify": self.connection.ca_bundle} if self.connection.ca_bundle else {}
        return RequestsTransport(session=session, session_owner=True, **verify)  # the transport owns TLS settings

    @cached_property
    def datafactory(self) -> Any:
        """azure-mgmt-datafactory's client."""
        from azure.mgmt.datafactory import DataFactoryManagementClient

        return DataFactoryManagementClient(self.credential, self.subscription_id, transport=self._transport(),
                                           **self.connection.client_kwargs())

    @cached_property
    def keyvault(self) -> Any:
        """azure-mgmt-keyvault's client, pinned to an api-version every cloud serves."""
        from azure.mgmt.keyvault import KeyVaultManagementClient

        return KeyVaultManagementClient(self.credential, self.subscription_id, api_version=KEYVAULT_API_VERSION,
                                        **self.connection.client_kwargs())

    @cached_property
    def authorization(self) -> Any:
        """azure-mgmt-authorization's client (role assignments at api-version 2022-04-01)."""
        from azure.mgmt.authorization import AuthorizationManagementClient

        kwargs = self.connection.client_kwargs()
        kwargs.pop("polling_interval", None)
        return AuthorizationManagementClient(self.credential, self.subscription_id, **kwargs)


def describe_error(exc: BaseException) -> str:
    """One readable line for an Azure SDK error: status, ARM error code and message; no traceback, no token."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    if isinstance(exc, ClientAuthenticationError) and getattr(exc, "status_code", None) is None:
        first = str(exc.message if hasattr(exc, "message") else exc).strip().splitlines()
        return ("cannot get an Azure token (DefaultAzureCredential: set AZURE_CLIENT_ID/AZURE_TENANT_ID with a "
                "secret or federated token, log in with `az login`, or run with a managed identity): "
                + (first[0].rstrip(".") if first else type(exc).__name__))
    if isinstance(exc, HttpResponseError):
        error = getattr(exc, "error", None)
        code = getattr(error, "code", None) or (exc.reason or "")
        message = getattr(error, "message", None) or str(exc.message or exc).splitlines()[0]
        return f"HTTP {exc.status_code} {code}: {message}".strip()
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return f"cannot reach Azure Resource Manager ({type(exc).__name__}): {str(exc).splitlines()[0][:300]}"
    return f"{type(exc).__name__}: {exc}"


def azure_error(exc: BaseException, doing: str) -> AdfgenError:
    """An AdfgenError for the CLI: what was being done and why it failed."""
    return AdfgenError(f"{doing}: {describe_error(exc)}")
