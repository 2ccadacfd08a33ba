"""Azure Storage's wire format for the local store: headers, blob properties, conditional writes, replies, errors."""

from __future__ import annotations

import json
import mimetypes
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Mapping
from xml.sax.saxutils import escape

from adfgen.local.transport import HttpReply

VERSION = "2023-11-03"  # the x-ms-version the generated pipelines send; echoed back as the service does


class Caseless:
    """Case-insensitive header lookups."""

    def __init__(self, headers: Mapping[str, str]):
        self._headers = {str(k).lower(): str(v) for k, v in (headers or {}).items()}

    def get(self, name: str) -> str | None:
        """The header's value, whatever the case of its name; None when absent."""
        return self._headers.get(name.lower())


def etag(path: Path) -> str:
    """A strong ETag from the file's modification time and size (changes on every write)."""
    stat = path.stat()
    return f'"0x{stat.st_mtime_ns:X}{stat.st_size:X}"'


def properties(path: Path) -> dict[str, str]:
    """ETag, Last-Modified and Content-Type of a stored file."""
    stat = path.stat()
    modified = format_datetime(datetime.fromtimestamp(stat.st_mtime, timezone.utc), usegmt=True)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"  # no stored type: assumed
    return {"ETag": etag(path), "Last-Modified": modified, "Content-Type": content_type}


def precondition(path: Path, header: Caseless) -> HttpReply | None:
    """If-Match / If-None-Match on writes. Documented:
    https://learn.microsoft.com/rest/api/storageservices/specifying-conditional-headers-for-blob-service-operations"""
    if_none = header.get("If-None-Match")
    if if_none == "*" and path.exists():
        return error(False, 409, "BlobAlreadyExists", "The specified blob already exists.")
    if_match = header.get("If-Match")
    if if_match and if_match != "*" and (not path.is_file() or etag(path) != if_match):
        return error(False, 412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is "
                                                    "not met.")
    return None


def reply(status: int, headers: dict[str, str], body: bytes) -> HttpReply:
    """A successful reply with the request id, version and date headers the service always sends."""
    base = {"x-ms-request-id": str(uuid.uuid4()), "x-ms-version": VERSION,
            "Date": format_datetime(datetime.now(timezone.utc), usegmt=True)}
    if "Content-Length" not in headers:
        base["Content-Length"] = str(len(body))
    return HttpReply(status, {**base, **headers}, body)


def error(dfs: bool, status: int, code: str, message: str, head: bool = False,
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


def not_found(dfs: bool, head: bool = False) -> HttpReply:
    """404 in the service's words: PathNotFound on ADLS Gen2, BlobNotFound on Blob."""
    if dfs:
        return error(dfs, 404, "PathNotFound", "The specified path does not exist.", head=head)
    return error(dfs, 404, "BlobNotFound", "The specified blob does not exist.", head=head)
