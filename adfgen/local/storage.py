"""Local storage: Blob / ADLS Gen2 REST over a folder, and SQLite standing in for Azure SQL."""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import os
import re
import sqlite3
import tempfile
import threading
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

from adfgen.local.transport import HttpReply

VERSION = "2023-11-03"  # the x-ms-version the generated pipelines send; echoed back as the service does


class StoragePathError(ValueError):
    """A container or blob path that cannot be mapped safely under the sink folder."""


def _segments(*parts: str | None) -> list[str]:
    """Split path parts on '/', refusing '.', '..' and backslashes so nothing escapes the root."""
    segments: list[str] = []
    for part in parts:
        for segment in (part or "").replace("\\", "/").split("/"):
            if segment == "":
                continue  # ADF joins folder and file with '/', and folders may end with one
            if segment in (".", ".."):
                raise StoragePathError(f"path segment {segment!r} is not allowed in a local storage path")
            segments.append(segment)
    return segments


class LocalStorage:
    """Blob and ADLS Gen2 accounts as folders: root/<account>/<container>/<path>."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.Lock()
        self._pending: dict[Path, bytearray] = {}  # ADLS Gen2 appends not yet flushed

    def path_for(self, account: str, container: str, folder: str, file: str | None) -> Path:
        """The local path of a dataset location (folder, or folder + file)."""
        head = _segments(account, container)
        if len(head) != 2:
            raise StoragePathError(f"an account and a container are required, got {account!r}/{container!r}")
        return self.root.joinpath(*head, *_segments(folder, file))

    # -- REST ---------------------------------------------------------------------------------------------------
    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> HttpReply:
        """Serve one Blob (Put/Get/Delete Blob, Get Blob Properties, List Blobs) or ADLS Gen2 path request."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        account = host.split(".", 1)[0]
        dfs = ".dfs." in host
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        header = _Caseless(headers)
        method = method.upper()
        raw = unquote(parts.path).lstrip("/")
        container, _, blob = raw.partition("/")
        try:
            if not container:
                return _error(dfs, 400, "InvalidUri", "The requested URI does not represent any resource on the server.")
            if query.get("restype") == "container" and query.get("comp") == "list" and method == "GET":
                return self._list(account, container, query)
            if not blob:
                if dfs and method == "GET" and query.get("resource") == "filesystem":
                    return self._list_paths(account, container, query)
                # container operations other than listing: every container is taken to exist (assumed)
                return _reply(200 if method in ("GET", "HEAD") else 201, {}, b"")
            path = self.path_for(account, container, "", blob)
        except StoragePathError as exc:
            return _error(dfs, 400, "InvalidResourceName", str(exc))
        with self._lock:
            if method in ("GET", "HEAD"):
                return self._read(dfs, path, method == "HEAD")
            if method == "DELETE":
                return self._delete(dfs, path)
            if method == "PUT" and dfs:
                return self._create_path(path, query, header, body)
            if method == "PUT":
                return self._put_blob(path, header, body)
            if method == "PATCH" and dfs:
                return self._update_path(path, query, body)
        return _error(dfs, 405, "UnsupportedHttpVerb", f"The resource doesn't support the specified HTTP verb {method}.")

    def _read(self, dfs: bool, path: Path, head: bool) -> HttpReply:
        if path.is_dir() and dfs:
            return _reply(200, {**_properties(path), "x-ms-resource-type": "directory", "Content-Length": "0"}, b"")
        if not path.is_file():
            if dfs:
                return _error(dfs, 404, "PathNotFound", "The specified path does not exist.", head=head)
            return _error(dfs, 404, "BlobNotFound", "The specified blob does not exist.", head=head)
        data = path.read_bytes()
        headers = {**_properties(path), "Content-Length": str(len(data)),
                   "Content-MD5": base64.b64encode(hashlib.md5(data).digest()).decode()}
        headers["x-ms-resource-type" if dfs else "x-ms-blob-type"] = "file" if dfs else "BlockBlob"
        return _reply(200, headers, b"" if head else data)

    def _put_blob(self, path: Path, header: "_Caseless", body: bytes | None) -> HttpReply:
        # Put Blob requires x-ms-blob-type. Documented: https://learn.microsoft.com/rest/api/storageservices/put-blob
        blob_type = header.get("x-ms-blob-type")
        if not blob_type:
            return _error(False, 400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is "
                                                               "not specified.", detail=("HeaderName", "x-ms-blob-type"))
        if blob_type != "BlockBlob":
            return _error(False, 400, "InvalidHeaderValue", f"Only BlockBlob is supported locally, not {blob_type}.")
        refused = _precondition(path, header)
        if refused:
            return refused
        if path.is_dir():
            return _error(False, 409, "BlobAlreadyExists", "A folder of that name exists under the sink folder.")
        _atomic_write(path, body or b"")
        return _reply(201, {**_properties(path), "Content-MD5": base64.b64encode(
            hashlib.md5(body or b"").digest()).decode(), "x-ms-request-server-encrypted": "true"}, b"")

    def _create_path(self, path: Path, query: dict[str, str], header: "_Caseless", body: bytes | None) -> HttpReply:
        # ADLS Gen2 Path - Create: ?resource=file|directory. Documented:
        # https://learn.microsoft.com/rest/api/storageservices/datalakestoragegen2/path/create
        resource = query.get("resource")
        if resource not in ("file", "directory"):
            return _error(True, 400, "InvalidQueryParameterValue", "Value for one of the query parameters specified "
                                                                   "in the request URI is invalid (resource).")
        refused = _precondition(path, header)
        if refused:
            return refused
        if resource == "directory":
            if path.is_file():
                return _error(True, 409, "PathConflict", "The specified path, or an element of the path, exists "
                                                          "and its resource type is invalid for this operation.")
            path.mkdir(parents=True, exist_ok=True)
        else:
            if path.is_dir():
                return _error(True, 409, "PathConflict", "The specified path, or an element of the path, exists "
                                                          "and its resource type is invalid for this operation.")
            _atomic_write(path, b"")
            self._pending[path] = bytearray()
        return _reply(201, _properties(path), b"")

    def _update_path(self, path: Path, query: dict[str, str], body: bytes | None) -> HttpReply:
        # Path - Update: action=append at position, then action=flush with position = the final length.
        action = query.get("action")
        try:
            position = int(query.get("position", "0"))
        except ValueError:
            position = -1
        if not path.is_file():
            return _error(True, 404, "PathNotFound", "The specified path does not exist.")
        pending = self._pending.setdefault(path, bytearray(path.read_bytes()))
        if action == "append":
            if position != len(pending):
                return _error(True, 400, "InvalidFlushPosition", "The uploaded data is not contiguous or the position "
                                                                 "query parameter value is not equal to the length of "
                                                                 "the file after appending the uploaded data.")
            pending.extend(body or b"")
            return _reply(202, {}, b"")
        if action == "flush":
            if position != len(pending):
                return _error(True, 400, "InvalidFlushPosition", "The uploaded data is not contiguous or the position "
                                                                 "query parameter value is not equal to the length of "
                                                                 "the file after appending the uploaded data.")
            _atomic_write(path, bytes(pending))
            del self._pending[path]
            return _reply(200, _properties(path), b"")
        return _error(True, 400, "InvalidQueryParameterValue", "Value for one of the query parameters specified in the "
                                                               "request URI is invalid (action).")

    def _delete(self, dfs: bool, path: Path) -> HttpReply:
        if path.is_file():
            path.unlink()
            self._pending.pop(path, None)
            return _reply(200 if dfs else 202, {}, b"")
        if dfs and path.is_dir():
            for child in sorted(path.rglob("*"), reverse=True):
                child.rmdir() if child.is_dir() else child.unlink()
            path.rmdir()
            return _reply(200, {}, b"")
        if dfs:
            return _error(dfs, 404, "PathNotFound", "The specified path does not exist.")
        return _error(dfs, 404, "BlobNotFound", "The specified blob does not exist.")

    def _files(self, account: str, container: str, prefix: str) -> list[tuple[str, Path]]:
        base = self.path_for(account, container, "", None)
        if not base.is_dir():
            return []
        found = []
        for path in sorted(base.rglob("*")):
            name = path.relative_to(base).as_posix()
            if path.is_file() and not path.name.startswith(".") and name.startswith(prefix):
                found.append((name, path))
        return found

    def _list(self, account: str, container: str, query: dict[str, str]) -> HttpReply:
        """List Blobs (flat) as XML. Documented: https://learn.microsoft.com/rest/api/storageservices/list-blobs"""
        items = []
        for name, path in self._files(account, container, query.get("prefix", "")):
            props = _properties(path)
            items.append(f"<Blob><Name>{escape(name)}</Name><Properties><Last-Modified>{props['Last-Modified']}"
                         f"</Last-Modified><Etag>{props['ETag']}</Etag><Content-Length>{path.stat().st_size}"
                         f"</Content-Length><BlobType>BlockBlob</BlobType></Properties></Blob>")
        xml = (f'<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="{escape(container)}">'
               f"<Blobs>{''.join(items)}</Blobs><NextMarker /></EnumerationResults>")
        return _reply(200, {"Content-Type": "application/xml"}, xml.encode())

    def _list_paths(self, account: str, container: str, query: dict[str, str]) -> HttpReply:
        """Path - List (recursive) as JSON."""
        prefix = query.get("directory", "").strip("/")
        paths = [{"name": name, "contentLength": str(path.stat().st_size),
                  "lastModified": _properties(path)["Last-Modified"], "etag": _properties(path)["ETag"]}
                 for name, path in self._files(account, container, prefix)]
        body = json.dumps({"paths": paths}).encode()
        return _reply(200, {"Content-Type": "application/json; charset=utf-8"}, body)


class _Caseless:
    """Case-insensitive header lookups."""

    def __init__(self, headers: Mapping[str, str]):
        self._headers = {str(k).lower(): str(v) for k, v in (headers or {}).items()}

    def get(self, name: str) -> str | None:
        return self._headers.get(name.lower())


def _etag(path: Path) -> str:
    stat = path.stat()
    return f'"0x{stat.st_mtime_ns:X}{stat.st_size:X}"'


def _properties(path: Path) -> dict[str, str]:
    stat = path.stat()
    modified = format_datetime(datetime.fromtimestamp(stat.st_mtime, timezone.utc), usegmt=True)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"  # no stored type: assumed
    return {"ETag": _etag(path), "Last-Modified": modified, "Content-Type": content_type}


def _precondition(path: Path, header: _Caseless) -> HttpReply | None:
    """If-Match / If-None-Match on writes. Documented:
    https://learn.microsoft.com/rest/api/storageservices/specifying-conditional-headers-for-blob-service-operations"""
    if_none = header.get("If-None-Match")
    if if_none == "*" and path.exists():
        return _error(False, 409, "BlobAlreadyExists", "The specified blob already exists.")
    if_match = header.get("If-Match")
    if if_match and if_match != "*" and (not path.is_file() or _etag(path) != if_match):
        return _error(False, 412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is "
                                                     "not met.")
    return None


def _atomic_write(path: Path, data: bytes) -> None:
    """Write a file all at once: temp file beside it, then os.replace, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _reply(status: int, headers: dict[str, str], body: bytes) -> HttpReply:
    base = {"x-ms-request-id": str(uuid.uuid4()), "x-ms-version": VERSION,
            "Date": format_datetime(datetime.now(timezone.utc), usegmt=True)}
    if "Content-Length" not in headers:
        base["Content-Length"] = str(len(body))
    return HttpReply(status, {**base, **headers}, body)


def _error(dfs: bool, status: int, code: str, message: str, head: bool = False,
           detail: tuple[str, str] | None = None) -> HttpReply:
    """Blob errors are XML, ADLS Gen2 errors JSON; both carry x-ms-error-code; HEAD has no body."""
    request_id = str(uuid.uuid4())
    text = f"{message}\nRequestId:{request_id}\nTime:{datetime.now(timezone.utc).isoformat()}"
    if head:
        body = b""
    elif dfs:
        body = json.dumps({"error": {"code": code, "message": text}}).encode()
    else:
        extra = f"<{detail[0]}>{escape(detail[1])}</{detail[0]}>" if detail else ""
        body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{escape(text)}</Message>'
                f"{extra}</Error>").encode()
    content_type = "application/json; charset=utf-8" if dfs else "application/xml"
    return HttpReply(status, {"x-ms-error-code": code, "x-ms-request-id": request_id, "x-ms-version": VERSION,
                              "Content-Type": content_type, "Content-Length": str(len(body))}, body)


# -- Azure SQL stand-in -------------------------------------------------------------------------------------------
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


class LocalSql:
    """One Azure SQL database as SQLite files under root/_sql/<server>/: <database>.sqlite holds schema dbo,
    <database>.<schema>.sqlite any other schema, attached under the schema's name so `schema.table` resolves."""

    def __init__(self, root: Path, server: str, database: str):
        server_name = server.split(".", 1)[0].replace("tcp:", "")
        self.folder = Path(root).joinpath("_sql", *_segments(server_name))
        if len(_segments(database)) != 1:
            raise StoragePathError(f"not a database name: {database!r}")
        self.database = database
        self._lock = threading.Lock()

    def _schema_file(self, schema: str) -> Path:
        if schema.lower() == "dbo":
            return self.folder / f"{self.database}.sqlite"
        if len(_segments(schema)) != 1:
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
        columns: list[str] = []
        for record in records:
            for key in record:
                if key not in columns:
                    columns.append(key)
        with self._lock:
            connection = self._connect({schema})
            try:
                if pre_copy_script:  # its own step before the copy, as ADF runs it
                    connection.executescript(TRUNCATE.sub("DELETE FROM", pre_copy_script))
                connection.execute("BEGIN")
                qualified = f"{_quote(schema)}.{_quote(name)}"
                exists = connection.execute(f"SELECT 1 FROM {_quote(schema)}.sqlite_master WHERE type='table' AND "
                                            "name=?", (name,)).fetchone()
                if not exists:
                    if (table_option or "").lower() != "autocreate":
                        raise sqlite3.OperationalError(f"Invalid object name '{schema}.{name}'.")
                    if not columns:
                        connection.execute("COMMIT")
                        return 0
                    definitions = ", ".join(f"{_quote(c)} {_sql_type([r.get(c) for r in records])}" for c in columns)
                    connection.execute(f"CREATE TABLE {qualified} ({definitions})")
                if records:
                    placeholders = ", ".join("?" for _ in columns)
                    connection.executemany(
                        f"INSERT INTO {qualified} ({', '.join(_quote(c) for c in columns)}) VALUES ({placeholders})",
                        [[_sql_value(r.get(c)) for c in columns] for r in records])
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            finally:
                connection.close()
        return len(records)

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


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
