"""Get Metadata over a local file or folder: the requested fields of fieldList."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone
from typing import Any

from adfgen.local import formats
from adfgen.local.activities import _datasets
from adfgen.local.runner import ActivityContext, ActivityFailure, handles


@handles("GetMetadata")
def get_metadata(ctx: ActivityContext) -> Any:
    """exists, itemName, itemType, size, lastModified, childItems, contentMD5, columnCount, structure."""
    dataset = _datasets.resolve(ctx, ctx.props.get("dataset"))
    fields = [f if isinstance(f, str) else str(f) for f in ctx.eval(ctx.props.get("fieldList") or [])]
    ctx.set_input({"dataset": {"referenceName": dataset.name, "parameters": dataset.parameters}, "fieldList": fields})
    path = _datasets.local_path(ctx, dataset)
    ctx.rely("metadata.missing")
    if not path.exists():
        if "exists" in fields:
            return {"exists": False}
        raise ActivityFailure(f"ErrorCode=UserErrorFileNotFound, the path {path.name} does not exist",
                              "UserErrorFileNotFound")
    output: dict[str, Any] = {}
    for field in fields:
        if field == "exists":
            output["exists"] = True
        elif field == "itemName":
            output["itemName"] = path.name
        elif field == "itemType":
            output["itemType"] = "File" if path.is_file() else "Folder"
        elif field == "size" and path.is_file():
            output["size"] = path.stat().st_size
        elif field == "lastModified":
            output["lastModified"] = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
        elif field == "childItems" and path.is_dir():
            output["childItems"] = [{"name": c.name, "type": "File" if c.is_file() else "Folder"}
                                    for c in sorted(path.iterdir()) if not c.name.startswith(".")]
        elif field == "contentMD5" and path.is_file():
            output["contentMD5"] = base64.b64encode(hashlib.md5(path.read_bytes()).digest()).decode()
        elif field in ("columnCount", "structure") and path.is_file():
            rows = formats.read_records(path, dataset.type, dataset.properties)
            columns: list[str] = []
            for row in rows:
                for key in row if isinstance(row, dict) else []:
                    if key not in columns:
                        columns.append(key)
            if field == "columnCount":
                output["columnCount"] = len(columns)
            else:
                output["structure"] = [{"name": c, "type": "String"} for c in columns]
        elif field not in ("size", "childItems", "contentMD5", "columnCount", "structure"):
            raise ActivityFailure(f"Get Metadata: unknown field {field!r}", "InvalidFieldList")
    return output
