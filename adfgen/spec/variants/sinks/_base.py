"""What every sink type is: a spec model that also carries the facts the build and the docs read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

from pydantic import ConfigDict, Field

from adfgen.spec.fields import EndpointTemplate, HttpsUrl, Strict
from adfgen.spec.variants.registry import describe

# ADF's Copy sink and Lookup source per landing file format (https://learn.microsoft.com/azure/data-factory/
# format-json, format-parquet, format-delimited-text); csv is internal: fan-out keys only
FILE_FORMATS: dict[str, dict[str, Any]] = {
    "json": {"dataset": "Json", "copy_sink": "JsonSink",
             "write": {"type": "JsonWriteSettings", "filePattern": "setOfObjects"},
             "source": "JsonSource", "read": {"type": "JsonReadSettings"}, "keeps_nesting": True},
    "parquet": {"dataset": "Parquet", "copy_sink": "ParquetSink", "write": {"type": "ParquetWriteSettings"},
                "source": "ParquetSource", "read": None, "keeps_nesting": False},
    "csv": {"dataset": "DelimitedText", "copy_sink": "DelimitedTextSink",
            "write": {"type": "DelimitedTextWriteSettings", "quoteAllText": True, "fileExtension": ".csv"},
            "source": "DelimitedTextSource", "read": {"type": "DelimitedTextReadSettings"}, "keeps_nesting": False},
}


# the endpoints of a storage account that answer the Blob REST API, which every file sink must: the controllers PUT and
# GET their watermark files at blob_endpoint() (build/contexts/watermark.py), and `adfgen run` serves Blob and ADLS Gen2
BLOB_API_HOSTS = ("blob", "dfs")


@dataclass(frozen=True)
class FileStore:
    """How ADF's linked service and datasets of one storage service name its account and container, and the
    account's host."""

    url_key: str  # the linked service's typeProperties key for the account URL
    container_key: str  # the location's key for the container (the dataset templates write it there)
    host: str  # the account URL's endpoint: https://<account>.<host>.core.windows.net/

    def __post_init__(self) -> None:
        # a store outside these assumptions (e.g. Azure Files: its share is the linked service's fileShare and it
        # speaks the File REST API) would build silently wrong datasets and watermark writes: refuse it here
        if self.host not in BLOB_API_HOSTS:
            raise ValueError(f"a file sink's host must answer the Blob API ({', '.join(BLOB_API_HOSTS)}), not "
                             f"{self.host!r}: watermarks are written through it (CONTRIBUTING.md, sink types)")
        if not self.container_key:
            raise ValueError("a file sink names its container in the dataset location: container_key is required "
                             "(CONTRIBUTING.md, sink types)")


class SinkUnit(Strict):
    """One sink type: its spec fields (the model) and, as class facts, what the build and the README need; a type's
    docstring is its README sentence."""

    model_config = ConfigDict(json_schema_extra=describe)

    type: str
    holds_files: ClassVar[bool]  # files (a folder per endpoint) or tables (a table per endpoint)
    linked_service_type: ClassVar[str]  # the ADF linked service type
    # the endpoint fields that name where it lands in this sink (others, e.g. `table` in a file sink, are refused)
    endpoint_fields: ClassVar[tuple[str, ...]]

    @classmethod
    def type_name(cls) -> str:
        """The registered type (the `type` field's one value)."""
        return get_args(cls.model_fields["type"].annotation)[0]

    @property
    def dataset_kind(self) -> str:
        """`json`, `parquet` or `table`: the dataset an endpoint writes through."""
        raise NotImplementedError

    @classmethod
    def formats(cls) -> tuple[str, ...]:
        """The landing formats it supports."""
        return ()

    @property
    def linked_service_template(self) -> str:
        """The template (under templates/) of its linked service."""
        return f"linkedService/{self.type}.json.jinja"

    def linked_service_values(self) -> dict[str, str]:
        """typeProperties key → value of the linked service that differ per environment (ARM parameters)."""
        raise NotImplementedError

    def dataset_template(self, kind: str) -> str:
        """The template (under templates/) of its dataset of `kind`."""
        raise NotImplementedError


def _describe_file_sink(schema: dict[str, Any], unit: type["FileSinkUnit"]) -> None:
    """A file sink's schema descriptions: its own, and account_url's as the URL form of its store's host."""
    describe(schema, unit)
    schema["properties"]["account_url"]["description"] = f"https://<account>.{unit.store.host}.core.windows.net/"


class FileSinkUnit(SinkUnit):
    """A storage account's container holding one folder per endpoint, authenticated with the managed identity."""

    model_config = ConfigDict(json_schema_extra=_describe_file_sink)

    holds_files: ClassVar[bool] = True
    endpoint_fields: ClassVar[tuple[str, ...]] = ("folder",)
    store: ClassVar[FileStore]  # the names ADF gives its account and container

    account_url: HttpsUrl
    container: str = Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$",
                           description="the container (ADLS Gen2: file system) holding the folders")
    format: Literal["json", "parquet"] = Field("json", description="the file format records land in")
    folder: EndpointTemplate = Field("{api}/{endpoint}",
                                     description="folder per endpoint; {api} and {endpoint} are replaced")

    # ADF names a file store's location and store settings after its linked service type: AzureBlobStorageLocation,
    # AzureBlobStorageReadSettings, AzureBlobFSWriteSettings, ... (documented: connector-azure-blob-storage and
    # connector-azure-data-lake-storage, "Dataset properties" and "Copy activity properties")
    @property
    def location_type(self) -> str:
        """The datasets' location type."""
        return self.linked_service_type + "Location"

    @property
    def write_settings(self) -> str:
        """The storeSettings type of a Copy sink."""
        return self.linked_service_type + "WriteSettings"

    @property
    def read_settings(self) -> str:
        """The storeSettings type of a Lookup source."""
        return self.linked_service_type + "ReadSettings"

    @property
    def dataset_kind(self) -> str:
        """The landing format: each format has its dataset."""
        return self.format

    @classmethod
    def formats(cls) -> tuple[str, ...]:
        """The landing formats it supports (the `format` field's choices)."""
        return get_args(cls.model_fields["format"].annotation)

    def linked_service_values(self) -> dict[str, str]:
        """The account URL."""
        return {self.store.url_key: self.account_url}

    def dataset_template(self, kind: str) -> str:
        """`dataset/<format>_file.json.jinja`."""
        return f"dataset/{kind}_file.json.jinja"

    def folder_for(self, api: str, endpoint: str, override: str | None = None) -> str:
        """The folder an endpoint lands in: its own template or the sink's, with {api} and {endpoint} filled."""
        return (override or self.folder).format(api=api, endpoint=endpoint)

    def location(self) -> dict[str, str]:
        """What a file dataset's `location` needs: its type and the container under its key."""
        return {"type": self.location_type, "container_key": self.store.container_key, "container": self.container}

    def copy_sink(self, file_format: str | None = None) -> dict[str, Any]:
        """A Copy activity's sink writing files of `file_format` (default: the sink's format)."""
        facts = FILE_FORMATS[file_format or self.format]
        return {"type": facts["copy_sink"], "storeSettings": {"type": self.write_settings},
                "formatSettings": dict(facts["write"])}

    def blob_endpoint(self) -> str:
        """The account's Blob endpoint (ADLS Gen2 accounts answer the Blob API too)."""
        return self.account_url.replace(".dfs.", ".blob.", 1).rstrip("/") + "/"


class TableSinkUnit(SinkUnit):
    """A database holding one table per endpoint."""

    holds_files: ClassVar[bool] = False
    endpoint_fields: ClassVar[tuple[str, ...]] = ("table",)

    @property
    def dataset_kind(self) -> str:
        """Every endpoint writes through the one table dataset."""
        return "table"

    def dataset_parameters(self, api: str, endpoint: str, override: str | None = None) -> dict[str, str]:
        """The table dataset's parameters for one endpoint (its own table template or the sink's)."""
        raise NotImplementedError
