"""Local Blob / ADLS Gen2 storage: the REST calls the generated pipelines make, served over a folder."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Mapping
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

from adfgen.local.storage_paths import StoragePathError, segments
from adfgen.local.storage_wire import Caseless, error, not_found, precondition, properties, reply
from adfgen.local.transport import HttpReply

# The service's words for the two refusals that several operations share
PATH_CONFLICT = ("The specified path, or an element of the path, exists and its resource type is invalid for this "
                 "operation.")
FLUSH_POSITION = ("The uploaded data is not contiguous or the position query parameter value is not equal to the "
                  "length of the file after appending the uploaded data.")


class LocalStorage:
    """Blob and ADLS Gen2 accounts as folders: root/<account>/<container>/<path>."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.Lock()
        self._pending: dict[Path, bytearray] = {}  # ADLS Gen2 appends not yet flushed

    def path_for(self, account: str, container: str, folder: str, file: str | None) -> Path:
        """The local path of a dataset location (folder, or folder + file)."""
        head = segments(account, container)
        if len(head) != 2:
            raise StoragePathError(f"an account and a container are required, got {account!r}/{container!r}")
        return self.root.joinpath(*head, *segments(folder, file))

    # -- REST ---------------------------------------------------------------------------------------------------
    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> HttpReply:
        """Serve one Blob (Put/Get/Delete Blob, Get Blob Properties, List Blobs) or ADLS Gen2 path request."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        account = host.split(".", 1)[0]
        dfs = ".dfs." in host
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        header = Caseless(headers)
        method = method.upper()
        raw = unquote(parts.path).lstrip("/")
        container, _, blob = raw.partition("/")
        try:
            if not container:
                return error(dfs, 400, "InvalidUri", "The requested URI does not represent any resource on the server.")
            if query.get("restype") == "container" and query.get("comp") == "list" and method == "GET":
                return self._list(account, container, query)
            if not blob:
                if dfs and method == "GET" and query.get("resource") == "filesystem":
                    return self._list_paths(account, container, query)
                # container operations other than listing: every container is taken to exist (assumed)
                return reply(200 if method in ("GET", "HEAD") else 201, {}, b"")
            path = self.path_for(account, container, "", blob)
        except StoragePathError as exc:
            return error(dfs, 400, "InvalidResourceName", str(exc))
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
        return error(dfs, 405, "UnsupportedHttpVerb", f"The resource doesn't support the specified HTTP verb {method}.")

    def _read(self, dfs: bool, path: Path, head: bool) -> HttpReply:
        if path.is_dir() and dfs:
            return reply(200, {**properties(path), "x-ms-resource-type": "directory", "Content-Length": "0"}, b"")
        if not path.is_file():
            return not_found(dfs, head)
        data = path.read_bytes()
        headers = {**properties(path), "Content-Length": str(len(data)), "Content-MD5": _md5(data)}
        headers["x-ms-resource-type" if dfs else "x-ms-blob-type"] = "file" if dfs else "BlockBlob"
        return reply(200, headers, b"" if head else data)

    def _put_blob(self, path: Path, header: Caseless, body: bytes | None) -> HttpReply:
        # Put Blob requires x-ms-blob-type. Documented: https://learn.microsoft.com/rest/api/storageservices/put-blob
        blob_type = header.get("x-ms-blob-type")
        if not blob_type:
            return error(False, 400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is "
                                                              "not specified.", detail=("HeaderName", "x-ms-blob-type"))
        if blob_type != "BlockBlob":
            return error(False, 400, "InvalidHeaderValue", f"Only BlockBlob is supported locally, not {blob_type}.")
        refused = precondition(path, header)
        if refused:
            return refused
        if path.is_dir():
            return error(False, 409, "BlobAlreadyExists", "A folder of that name exists under the sink folder.")
        _atomic_write(path, body or b"")
        return reply(201, {**properties(path), "Content-MD5": _md5(body or b""), "x-ms-request-server-encrypted": "true"},
                     b"")

    def _create_path(self, path: Path, query: dict[str, str], header: Caseless, body: bytes | None) -> HttpReply:
        # ADLS Gen2 Path - Create: ?resource=file|directory. Documented:
        # https://learn.microsoft.com/rest/api/storageservices/datalakestoragegen2/path/create
        resource = query.get("resource")
        if resource not in ("file", "directory"):
            return error(True, 400, "InvalidQueryParameterValue", "Value for one of the query parameters specified "
                                                                  "in the request URI is invalid (resource).")
        refused = precondition(path, header)
        if refused:
            return refused
        wrong_kind = path.is_file() if resource == "directory" else path.is_dir()
        if wrong_kind:
            return error(True, 409, "PathConflict", PATH_CONFLICT)
        if resource == "directory":
            path.mkdir(parents=True, exist_ok=True)
        else:
            _atomic_write(path, b"")
            self._pending[path] = bytearray()
        return reply(201, properties(path), b"")

    def _update_path(self, path: Path, query: dict[str, str], body: bytes | None) -> HttpReply:
        # Path - Update: action=append at position, then action=flush with position = the final length.
        action = query.get("action")
        try:
            position = int(query.get("position", "0"))
        except ValueError:
            position = -1
        if not path.is_file():
            return not_found(True)
        pending = self._pending.setdefault(path, bytearray(path.read_bytes()))
        if action in ("append", "flush") and position != len(pending):
            return error(True, 400, "InvalidFlushPosition", FLUSH_POSITION)
        if action == "append":
            pending.extend(body or b"")
            return reply(202, {}, b"")
        if action == "flush":
            _atomic_write(path, bytes(pending))
            del self._pending[path]
            return reply(200, properties(path), b"")
        return error(True, 400, "InvalidQueryParameterValue", "Value for one of the query parameters specified in the "
                                                              "request URI is invalid (action).")

    def _delete(self, dfs: bool, path: Path) -> HttpReply:
        if path.is_file():
            path.unlink()
            self._pending.pop(path, None)
            return reply(200 if dfs else 202, {}, b"")
        if dfs and path.is_dir():
            for child in sorted(path.rglob("*"), reverse=True):
                child.rmdir() if child.is_dir() else child.unlink()
            path.rmdir()
            return reply(200, {}, b"")
        return not_found(dfs)

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
            props = properties(path)
            items.append(f"<Blob><Name>{escape(name)}</Name><Properties><Last-Modified>{props['Last-Modified']}"
                         f"</Last-Modified><Etag>{props['ETag']}</Etag><Content-Length>{path.stat().st_size}"
                         f"</Content-Length><BlobType>BlockBlob</BlobType></Properties></Blob>")
        xml = (f'<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="{escape(container)}">'
               f"<Blobs>{''.join(items)}</Blobs><NextMarker /></EnumerationResults>")
        return reply(200, {"Content-Type": "application/xml"}, xml.encode())

    def _list_paths(self, account: str, container: str, query: dict[str, str]) -> HttpReply:
        """Path - List (recursive) as JSON."""
        prefix = query.get("directory", "").strip("/")
        paths = [{"name": name, "contentLength": str(path.stat().st_size),
                  "lastModified": properties(path)["Last-Modified"], "etag": properties(path)["ETag"]}
                 for name, path in self._files(account, container, prefix)]
        body = json.dumps({"paths": paths}).encode()
        return reply(200, {"Content-Type": "application/json; charset=utf-8"}, body)


def _md5(data: bytes) -> str:
    """Content-MD5: the base64 of the body's MD5 digest, as the service reports it."""
    return base64.b64encode(hashlib.md5(data).digest()).decode()


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
