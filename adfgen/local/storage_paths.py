"""Names to local paths: split on '/', refusing anything that could leave the storage root."""

from __future__ import annotations


class StoragePathError(ValueError):
    """A container or blob path that cannot be mapped safely under the sink folder."""


def segments(*parts: str | None) -> list[str]:
    """Split path parts on '/', refusing '.', '..' and backslashes so nothing escapes the root."""
    found: list[str] = []
    for part in parts:
        for segment in (part or "").replace("\\", "/").split("/"):
            if segment == "":
                continue  # ADF joins folder and file with '/', and folders may end with one
            if segment in (".", ".."):
                raise StoragePathError(f"path segment {segment!r} is not allowed in a local storage path")
            found.append(segment)
    return found
