"""Azure SQL Database staging tables."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from adfgen.spec.fields import EndpointTemplate
from adfgen.spec.variants.sinks import SINKS, TableSinkUnit


@SINKS.register("azure_sql")
class AzureSqlSink(TableSinkUnit):
    """A table per endpoint (`tableOption: autoCreate`, inserts); managed identity, no password; cannot hold fan-out
    keys or watermarks (they need a file sink)."""

    # https://learn.microsoft.com/azure/data-factory/connector-azure-sql-database (documented)
    linked_service_type: ClassVar[str] = "AzureSqlDatabase"

    type: Literal["azure_sql"]
    server: str = Field(pattern=r"^[A-Za-z0-9.-]+$", description="e.g. sql-dev.database.windows.net")
    database: str = Field(description="the database's name")
    schema_name: str = Field("staging", alias="schema", description="the schema the tables are created in")
    table: EndpointTemplate = Field("{api}_{endpoint}",
                                    description="table per endpoint; {api} and {endpoint} are replaced")

    @property
    def connection_string(self) -> str:
        """No credentials: the factory's managed identity signs in."""
        return (f"Data Source=tcp:{self.server},1433;Initial Catalog={self.database};Encrypt=True;"
                "Connection Timeout=30")

    def linked_service_values(self) -> dict[str, str]:
        """The connection string."""
        return {"connectionString": self.connection_string}

    def dataset_parameters(self, api: str, endpoint: str, override: str | None = None) -> dict[str, str]:
        """Schema and table: the endpoint's table template or the sink's, with {api} and {endpoint} filled."""
        return {"SchemaName": self.schema_name, "TableName": (override or self.table).format(api=api, endpoint=endpoint)}

    def dataset_template(self, kind: str) -> str:
        """One parameterized table dataset."""
        return "dataset/sql_table.json.jinja"

    def copy_sink(self) -> dict[str, Any]:
        """A Copy sink inserting rows, creating a missing table."""
        return {"type": "AzureSqlSink", "writeBehavior": "insert", "sqlWriterUseTableLock": False,
                "tableOption": "autoCreate"}
