"""Blob storage files through the blob endpoint."""

from __future__ import annotations

from typing import ClassVar, Literal

from adfgen.spec.variants.sinks import SINKS, FileSinkUnit, FileStore


@SINKS.register("blob")
class BlobSink(FileSinkUnit):
    """A folder per endpoint in a blob container; managed identity, no keys or SAS."""

    # https://learn.microsoft.com/azure/data-factory/connector-azure-blob-storage (documented)
    linked_service_type: ClassVar[str] = "AzureBlobStorage"
    store: ClassVar[FileStore] = FileStore(url_key="serviceEndpoint", container_key="container", host="blob")

    type: Literal["blob"]
