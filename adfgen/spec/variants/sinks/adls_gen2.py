"""ADLS Gen2 (hierarchical namespace) files through the dfs endpoint."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from adfgen.spec.fields import HttpsUrl
from adfgen.spec.variants.sinks import SINKS, FileSinkUnit


@SINKS.register("adls_gen2")
class AdlsGen2Sink(FileSinkUnit):
    """ADLS Gen2 files, JSON or Parquet, authenticated with the factory's managed identity."""

    # https://learn.microsoft.com/azure/data-factory/connector-azure-data-lake-storage (documented)
    linked_service_type: ClassVar[str] = "AzureBlobFS"
    summary: ClassVar[str] = "a folder per endpoint in a file system (`container`); managed identity, no keys"
    url_key: ClassVar[str] = "url"
    container_key: ClassVar[str] = "fileSystem"

    type: Literal["adls_gen2"]
    account_url: HttpsUrl = Field(description="https://<account>.dfs.core.windows.net/")
