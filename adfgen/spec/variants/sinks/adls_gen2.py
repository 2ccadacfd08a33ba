"""ADLS Gen2 (hierarchical namespace) files through the dfs endpoint."""

from __future__ import annotations

from typing import ClassVar, Literal

from adfgen.spec.variants.sinks import SINKS, FileSinkUnit, FileStore


@SINKS.register("adls_gen2")
class AdlsGen2Sink(FileSinkUnit):
    """A folder per endpoint in a file system (`container`); managed identity, no keys."""

    # https://learn.microsoft.com/azure/data-factory/connector-azure-data-lake-storage (documented)
    linked_service_type: ClassVar[str] = "AzureBlobFS"
    store: ClassVar[FileStore] = FileStore(url_key="url", container_key="fileSystem", host="dfs")

    type: Literal["adls_gen2"]
