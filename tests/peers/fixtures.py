"""Shared helpers for deploy tests: a fake token credential, ARM clients tuned for speed, a small factory."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Iterator

from adfgen.azure.clients import Clients, Connection, Target
from adfgen.core.resources import Resource, sort_resources

SUB, RG, FACTORY, VAULT = "00000000-0000-0000-0000-000000000001", "rg-data", "adf-test-dev", "kv-test-dev"
TOKEN = "test-arm-token-not-a-secret"


class FakeCredential:
    """A TokenCredential that hands out a fixed token, so no identity endpoint is ever called."""

    def __init__(self, token: str = TOKEN):
        self.token = token
        self.calls = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.calls += 1
        return AccessToken(self.token, int(time.time()) + 3600)


def fast_connection(arm: Any, **overrides: Any) -> Connection:
    """Client settings for tests: the peer's URL and CA, tiny backoff and polling interval."""
    settings = {"arm_endpoint": arm.url, "ca_bundle": arm.ca_path, "retry_total": 5, "retry_backoff_factor": 0.01,
                "retry_backoff_max": 0.05, "polling_interval": 0.01}
    settings.update(overrides)
    return Connection(**settings)


def make_clients(arm: Any, **overrides: Any) -> Clients:
    """Real management clients pointed at the peer."""
    return Clients(FakeCredential(), SUB, fast_connection(arm, **overrides))


def target(vault: str | None = VAULT) -> Target:
    """The test factory's coordinates."""
    return Target(SUB, RG, FACTORY, vault, RG)


def managed(properties: dict) -> dict:
    """Add the adfgen annotation."""
    return {**properties, "annotations": ["adfgen"]}


def sample_resources() -> list[Resource]:
    """A small factory shaped like adfgen's output: linked services, a dataset, three pipelines, a trigger."""
    ref = lambda name, kind: {"referenceName": name, "type": kind}
    return sort_resources([
        Resource("linkedService", "ls_keyvault", managed({
            "type": "AzureKeyVault", "typeProperties": {"baseUrl": "https://kv-test-dev.vault.azure.net/"}})),
        Resource("linkedService", "ls_rest", managed({
            "type": "RestService", "parameters": {"BaseUrl": {"type": "String"}},
            "typeProperties": {"url": {"value": "@linkedService().BaseUrl", "type": "Expression"},
                               "authenticationType": "Anonymous", "enableServerCertificateValidation": True}})),
        Resource("dataset", "ds_rest", managed({
            "type": "RestResource", "linkedServiceName": {**ref("ls_rest", "LinkedServiceReference"),
                                                          "parameters": {"BaseUrl": "https://api.example.com"}},
            "parameters": {"RelativeUrl": {"type": "String"}},
            "typeProperties": {"relativeUrl": {"value": "@dataset().RelativeUrl", "type": "Expression"}}})),
        Resource("pipeline", "pl_refresh", managed({
            "concurrency": 1, "activities": [{"name": "Wait", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}}]})),
        Resource("pipeline", "pl_worker", managed({
            "activities": [{"name": "Lookup", "type": "Lookup", "typeProperties": {
                "source": {"type": "RestSource"}, "dataset": {**ref("ds_rest", "DatasetReference"),
                                                              "parameters": {"RelativeUrl": "invoices"}}}}]})),
        Resource("pipeline", "pl_controller", managed({
            "concurrency": 1, "activities": [
                {"name": "Refresh", "type": "ExecutePipeline",
                 "typeProperties": {"pipeline": ref("pl_refresh", "PipelineReference"), "waitOnCompletion": True}},
                {"name": "Worker", "type": "ExecutePipeline",
                 "dependsOn": [{"activity": "Refresh", "dependencyConditions": ["Succeeded"]}],
                 "typeProperties": {"pipeline": ref("pl_worker", "PipelineReference"), "waitOnCompletion": True}}]})),
        Resource("trigger", "tr_daily", managed({
            "type": "ScheduleTrigger",
            "pipelines": [{"pipelineReference": ref("pl_controller", "PipelineReference"), "parameters": {}}],
            "typeProperties": {"recurrence": {"frequency": "Day", "interval": 1, "startTime": "2024-01-01T06:00:00Z",
                                              "timeZone": "UTC"}}})),
    ])


def replace(resources: list[Resource], name: str, **changes: Any) -> list[Resource]:
    """A copy of `resources` with `properties` of `name` updated by `changes`."""
    return [Resource(r.kind, r.name, {**r.properties, **changes}) if r.name == name else r for r in resources]


@contextmanager
def cli_arm_peer(monkeypatch: Any, factory: str = FACTORY) -> Iterator[Any]:
    """The local ARM peer holding one empty factory, with the CLI pointed at it (ADFGEN_ARM_TOKEN and _ENDPOINT)."""
    from tests.peers.arm_server import ArmServer

    with ArmServer(lro_polls=None, token=TOKEN) as server:
        monkeypatch.setenv("ADFGEN_ARM_TOKEN", TOKEN)
        monkeypatch.setenv("ADFGEN_ARM_ENDPOINT", server.url)
        server.add_factory(SUB, RG, factory)
        yield server
