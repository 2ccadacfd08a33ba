"""Blob storage files through the blob endpoint."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from adfgen.spec.fields import HttpsUrl
from adfgen.spec.variants.sinks import SINKS, FileSinkUnit


@SINKS.register("blob")
class BlobSink(FileSinkUnit):
    """Blob storage files, JSON or Parquet, authenticated with the factory's managed identity."""

    # https://learn.microsoft.com/azure/data-factory/connector-azure-blob-storage (documented)
    linked_service_type: ClassVar[str] = "AzureBlobStorage"
    summary: ClassVar[str] = "a folder per endpoint in a blob container; managed identity, no keys or SAS"
    url_key: ClassVar[str] = "serviceEndpoint"
    container_key: ClassVar[str] = "container"

    type: Literal["blob"]
    account_url: HttpsUrl = Field(description="https://<account>.blob.core.windows.net/")
