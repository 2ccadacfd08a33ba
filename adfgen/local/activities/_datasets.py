"""Resolve a DatasetReference: dataset() and linkedService() parameters, Key Vault secret references, and where
a storage or SQL dataset lives locally (RUN-WORLD's LocalStorage.path_for / LocalSql)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from adfgen.local.runner import ActivityContext, ActivityFailure, evaluate_value

VAULT_API = "7.4"
_CONN_PART = re.compile(r"\s*([^=;]+?)\s*=\s*([^;]*)")


@dataclass
class Dataset:
    """An evaluated dataset with its evaluated linked service."""

    name: str
    type: str
    properties: dict[str, Any]  # evaluated typeProperties
    parameters: dict[str, Any]
    linked_service: str
    linked_service_type: str
    linked_service_properties: dict[str, Any]  # evaluated typeProperties


def _defaults(declared: Any, given: dict[str, Any]) -> dict[str, Any]:
    values = {}
    folded = {k.lower(): v for k, v in given.items()}
    for name, spec in (declared or {}).items():
        if name.lower() in folded:
            values[name] = folded[name.lower()]
        elif isinstance(spec, dict) and "defaultValue" in spec:
            values[name] = spec["defaultValue"]
    for key, value in given.items():
        values.setdefault(key, value)
    return values


def resolve(ctx: ActivityContext, reference: Any) -> Dataset:
    """The dataset a reference names, with parameters bound and every expression evaluated."""
    if not isinstance(reference, dict) or not isinstance(reference.get("referenceName"), str):
        raise ActivityFailure(f"'{ctx.name}': a dataset reference needs a referenceName", "InvalidDataset")
    found = ctx.runtime.factory.find("dataset", reference["referenceName"])
    if found is None:
        raise ActivityFailure(f"'{ctx.name}': dataset {reference['referenceName']!r} does not exist", "DatasetNotFound")
    name, props = found
    given = ctx.eval(reference.get("parameters") or {})
    parameters = _defaults(props.get("parameters"), given)
    scope = ctx.scope(dataset=parameters)
    type_props = evaluate_value(props.get("typeProperties") or {}, scope)
    ls_ref = props.get("linkedServiceName") or {}
    ls_given = evaluate_value(ls_ref.get("parameters") or {}, scope)
    ls_found = ctx.runtime.factory.find("linkedService", str(ls_ref.get("referenceName")))
    if ls_found is None:
        raise ActivityFailure(f"'{ctx.name}': linked service {ls_ref.get('referenceName')!r} of dataset {name} does "
                              "not exist", "LinkedServiceNotFound")
    ls_name, ls_props = ls_found
    ls_parameters = _defaults(ls_props.get("parameters"), ls_given)
    ls_type_props = evaluate_value(ls_props.get("typeProperties") or {}, ctx.scope(linked_service=ls_parameters))
    return Dataset(name, str(props.get("type")), type_props, parameters, ls_name, str(ls_props.get("type")),
                   ls_type_props)


def secret(ctx: ActivityContext, value: Any) -> str | None:
    """A linked-service secret field: plain text, SecureString, or an AzureKeyVaultSecret read over HTTP."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("type") == "SecureString":
        return str(value.get("value", ""))
    if isinstance(value, dict) and value.get("type") == "AzureKeyVaultSecret":
        store = (value.get("store") or {}).get("referenceName")
        found = ctx.runtime.factory.find("linkedService", str(store))
        if found is None:
            raise ActivityFailure(f"'{ctx.name}': Key Vault linked service {store!r} does not exist",
                                  "LinkedServiceNotFound")
        base = str((found[1].get("typeProperties") or {}).get("baseUrl", "")).rstrip("/")
        version = f"/{value['secretVersion']}" if value.get("secretVersion") else ""
        reply = ctx.http("GET", f"{base}/secrets/{value.get('secretName')}{version}?api-version={VAULT_API}",
                         msi_resource="https://vault.azure.net")
        if reply.status != 200:
            raise ActivityFailure(f"'{ctx.name}': reading secret {value.get('secretName')!r} from {base} gave HTTP "
                                  f"{reply.status}", "KeyVaultSecretFailed")
        import json

        text = json.loads(reply.body).get("value")
        ctx.runtime.secrets.add(text)
        return text
    return str(value)


def connection_parts(text: str) -> dict[str, str]:
    """`Key=Value;...` connection-string parts, keys folded to lower case."""
    return {m.group(1).lower(): m.group(2) for m in _CONN_PART.finditer(text or "")}


def storage_account(dataset: Dataset) -> str:
    """The storage account a Blob or ADLS Gen2 linked service points at."""
    props = dataset.linked_service_properties
    for key in ("url", "serviceEndpoint", "sasUri"):
        value = props.get(key)
        if isinstance(value, str) and urlsplit(value).hostname:
            return urlsplit(value).hostname.split(".")[0]
    parts = connection_parts(str(props.get("connectionString") or ""))
    if parts.get("accountname"):
        return parts["accountname"]
    raise ActivityFailure(f"linked service {dataset.linked_service} names no storage account", "InvalidLinkedService")


def file_location(dataset: Dataset) -> tuple[str, str, str, str | None]:
    """(account, container, folder, file) of a file dataset."""
    location = dataset.properties.get("location") or {}
    container = location.get("fileSystem") or location.get("container")
    if not isinstance(container, str) or not container:
        raise ActivityFailure(f"dataset {dataset.name} has no container/fileSystem in its location", "InvalidDataset")
    folder = location.get("folderPath") or ""
    file = location.get("fileName") or None
    return storage_account(dataset), container, str(folder).strip("/"), None if file is None else str(file)


def local_path(ctx: ActivityContext, dataset: Dataset, file: str | None = None) -> Path:
    """Where a file dataset lives under --sink-dir."""
    storage = ctx.runtime.storage
    if storage is None:
        raise ActivityFailure(f"'{ctx.name}': dataset {dataset.name} is Azure Storage; a local run needs --sink-dir",
                              "NoSinkDir")
    account, container, folder, name = file_location(dataset)
    try:
        return storage.path_for(account, container, folder, file if file is not None else name)
    except ValueError as exc:  # StoragePathError: a path that would leave the sink folder
        raise ActivityFailure(f"dataset {dataset.name}: {exc}", "InvalidPath") from None


def sql_target(dataset: Dataset) -> tuple[str, str, str]:
    """(server, database, table) of an Azure SQL table dataset."""
    parts = connection_parts(str(dataset.linked_service_properties.get("connectionString") or ""))
    server = parts.get("server") or parts.get("data source") or ""
    server = server.removeprefix("tcp:").split(",")[0].split(".")[0]
    database = parts.get("database") or parts.get("initial catalog") or ""
    props = dataset.properties
    table = props.get("table") or props.get("tableName") or ""
    if props.get("schema"):
        table = f"{props['schema']}.{table}"
    if not server or not database or not table:
        raise ActivityFailure(f"dataset {dataset.name}: cannot tell the server, database and table", "InvalidDataset")
    return server, database, str(table)


def local_sql(ctx: ActivityContext, dataset: Dataset) -> Any:
    """RUN-WORLD's LocalSql for an Azure SQL dataset under --sink-dir."""
    if ctx.runtime.sink_root is None:
        raise ActivityFailure(f"'{ctx.name}': dataset {dataset.name} is Azure SQL; a local run needs --sink-dir",
                              "NoSinkDir")
    from adfgen.local.storage_sql import LocalSql

    server, database, _ = sql_target(dataset)
    return LocalSql(Path(ctx.runtime.sink_root), server, database)
