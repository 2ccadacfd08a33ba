"""SQLite standing in for Azure SQL: the tables a Copy sink writes and a Lookup queries."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

from adfgen.local.storage_paths import StoragePathError, segments

IDENTIFIER = re.compile(r"^\[?([^\[\]]+)\]?$")
TRUNCATE = re.compile(r"\bTRUNCATE\s+TABLE\b", re.IGNORECASE)


def _split_table(table: str) -> tuple[str, str]:
    """'[dbo].[t]', 'dbo.t' or 't' -> (schema, table); the default schema is dbo as in Azure SQL."""
    parts = [p for p in re.split(r"\.(?![^\[]*\])", table.strip()) if p]
    names = []
    for part in parts:
        match = IDENTIFIER.match(part.strip())
        if not match:
            raise ValueError(f"not a table name: {table!r}")
        names.append(match.group(1))
    if len(names) == 1:
        return "dbo", names[0]
    if len(names) == 2:
        return names[0], names[1]
    raise ValueError(f"not a table name: {table!r}")


def _sql_type(values: list[Any]) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {bool, int}:
        return "INTEGER"
    if kinds and kinds <= {bool, int, float}:
        return "REAL"
    return "TEXT"


def _sql_value(value: Any) -> Any:
    # Complex values land as JSON text, as with the translator's mapComplexValuesToString (adfgen sets it).
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _columns(records: list[dict[str, Any]]) -> list[str]:
    """Every key of the records, in first-seen order."""
    columns: list[str] = []
    for record in records:
        for key in record:
            if key not in columns:
                columns.append(key)
    return columns


class LocalSql:
    """One Azure SQL database as SQLite files under root/_sql/<server>/: <database>.sqlite holds schema dbo,
    <database>.<schema>.sqlite any other schema, attached under the schema's name so `schema.table` resolves."""

    def __init__(self, root: Path, server: str, database: str):
        server_name = server.split(".", 1)[0].replace("tcp:", "")
        self.folder = Path(root).joinpath("_sql", *segments(server_name))
        if len(segments(database)) != 1:
            raise StoragePathError(f"not a database name: {database!r}")
        self.database = database
        self._lock = threading.Lock()

    def _schema_file(self, schema: str) -> Path:
        if schema.lower() == "dbo":
            return self.folder / f"{self.database}.sqlite"
        if len(segments(schema)) != 1:
            raise StoragePathError(f"not a schema name: {schema!r}")
        return self.folder / f"{self.database}.{schema}.sqlite"

    def _connect(self, schemas: set[str]) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(":memory:", isolation_level=None)
        present = {p.name[len(self.database) + 1:-len(".sqlite")] for p in self.folder.glob(f"{self.database}.*.sqlite")}
        for schema in ["dbo", *sorted((present | {s for s in schemas if s.lower() != "dbo"}) - {"dbo"})]:
            connection.execute("ATTACH DATABASE ? AS " + _quote(schema), (str(self._schema_file(schema)),))
        return connection

    def write_records(self, table: str, records: list[dict[str, Any]], *, pre_copy_script: str | None = None,
                      table_option: str | None = None) -> int:
        """Insert rows as AzureSqlSink writeBehavior insert does; tableOption autoCreate creates a missing table
        from the rows' columns (documented: https://learn.microsoft.com/azure/data-factory/connector-azure-sql-database#azure-sql-database-as-the-sink);
        preCopyScript runs first (TRUNCATE TABLE becomes DELETE FROM, SQLite has no TRUNCATE)."""
        schema, name = _split_table(table)
        columns = _columns(records)
        written = 0
        with self._lock:
            connection = self._connect({schema})
            try:
                if pre_copy_script:  # its own step before the copy, as ADF runs it
                    connection.executescript(TRUNCATE.sub("DELETE FROM", pre_copy_script))
                connection.execute("BEGIN")
                if _ensure_table(connection, schema, name, columns, records, table_option):
                    _insert(connection, f"{_quote(schema)}.{_quote(name)}", columns, records)
                    written = len(records)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            finally:
                connection.close()
        return written

    def query(self, sql: str) -> list[dict[str, Any]]:
        """Run a Lookup's query (SQLite dialect) and return rows as dicts."""
        with self._lock:
            connection = self._connect(set())
            try:
                cursor = connection.execute(sql)
                names = [d[0] for d in cursor.description or []]
                return [dict(zip(names, row)) for row in cursor.fetchall()]
            finally:
                connection.close()


def _ensure_table(connection: sqlite3.Connection, schema: str, name: str, columns: list[str],
                  records: list[dict[str, Any]], table_option: str | None) -> bool:
    """False when there is no table and nothing to create it from; a missing table without autoCreate fails."""
    exists = connection.execute(f"SELECT 1 FROM {_quote(schema)}.sqlite_master WHERE type='table' AND name=?",
                                (name,)).fetchone()
    if exists:
        return True
    if (table_option or "").lower() != "autocreate":
        raise sqlite3.OperationalError(f"Invalid object name '{schema}.{name}'.")
    if not columns:
        return False
    definitions = ", ".join(f"{_quote(c)} {_sql_type([r.get(c) for r in records])}" for c in columns)
    connection.execute(f"CREATE TABLE {_quote(schema)}.{_quote(name)} ({definitions})")
    return True


def _insert(connection: sqlite3.Connection, qualified: str, columns: list[str], records: list[dict[str, Any]]) -> None:
    if records:
        placeholders = ", ".join("?" for _ in columns)
        connection.executemany(
            f"INSERT INTO {qualified} ({', '.join(_quote(c) for c in columns)}) VALUES ({placeholders})",
            [[_sql_value(r.get(c)) for c in columns] for r in records])


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
