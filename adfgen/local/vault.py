"""A local Key Vault: a YAML/JSON file of secrets served with Key Vault's secrets REST semantics."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from adfgen.local.transport import HttpReply

# Secret names: 1-127 characters, letters, digits and dashes.
# Documented: https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#objects-identifiers-and-versioning
NAME = re.compile(r"^[0-9a-zA-Z-]{1,127}$")
# A secret value is at most 25 KB. Documented: https://learn.microsoft.com/azure/key-vault/general/service-limits
MAX_VALUE_BYTES = 25 * 1024
RECOVERY_LEVEL = "Recoverable+Purgeable"  # the default of a soft-delete + purge-protection-free vault (observed in bundles)
NOT_FOUND = ("A secret with (name/id) {name} was not found in this key vault. If you recently deleted this secret you "
             "may be able to recover it using the correct recovery command. For help resolving this issue, please see "
             "https://go.microsoft.com/fwlink/?linkid=2125182")


class VaultFileError(Exception):
    """The vault file cannot be read or has the wrong shape (the message never contains a secret value)."""


class LocalVault:
    """Secrets kept in one file: `{name: value}` or `{name: {value, exp, nbf, enabled, versions: [...]}}`.

    `versions` lists the older versions, oldest first, in the same shape. A PUT moves the current version into
    `versions` and writes the file atomically. The file is re-read on every request, so edits between runs count.
    """

    def __init__(self, path: Path, clock: Any):
        self.path = Path(path)
        self.clock = clock
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show contents
        return f"LocalVault({str(self.path)!r})"

    # -- REST ---------------------------------------------------------------------------------------------------
    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> HttpReply:
        """Serve one Key Vault secrets request (Get Secret, Set Secret, Get Secrets, Get Secret Versions)."""
        parts_url = urlsplit(url)
        base = f"{parts_url.scheme}://{parts_url.netloc}/"
        query = parse_qs(parts_url.query)
        if not query.get("api-version"):
            # Key Vault requires api-version on every call; the exact reply text is assumed.
            return _error(400, "BadParameter", "The api-version query parameter (?api-version=) is required for all "
                                               "requests.")
        parts = [unquote(p) for p in parts_url.path.strip("/").split("/")]
        method = method.upper()
        if not parts or parts[0] != "secrets":
            return _error(404, "NotFound", "The requested resource was not found in this key vault.")
        try:
            with self._lock:
                if parts == ["secrets"] and method == "GET":
                    return _json(200, {"value": self._listing(base), "nextLink": None})
                if len(parts) < 2 or not NAME.match(parts[1]):
                    return _error(400, "BadParameter", "The request URI contains an invalid secret name.")
                name = parts[1]
                if method == "PUT" and len(parts) == 2:
                    return self._set(base, name, body)
                if method == "GET" and len(parts) == 3 and parts[2] == "versions":
                    return self._versions(base, name)
                if method == "GET" and len(parts) in (2, 3):
                    return self._get(base, name, parts[2] if len(parts) == 3 and parts[2] else None)
                return _error(405, "MethodNotAllowed", f"{method} is not allowed on this resource.")
        except VaultFileError as exc:
            return _error(500, "InternalServerError", str(exc))
        except OSError as exc:  # a failed write leaves the old file in place; the caller may retry
            return _error(500, "InternalServerError", f"the vault file {self.path} could not be written "
                                                      f"({type(exc).__name__})")

    def _get(self, base: str, name: str, version: str | None) -> HttpReply:
        secrets = self._load()
        history = _history(name, secrets.get(name), self._mtime())
        if version is not None:
            history = [v for v in history if v["version"] == version]
        if not history:
            return _error(404, "SecretNotFound", NOT_FOUND.format(name=name))
        current = history[-1]
        if not current.get("enabled", True):
            # Documented: a disabled secret cannot be read (403 Forbidden); the message text is observed.
            return _error(403, "Forbidden", "Operation get is not allowed on a disabled secret.")
        # An expired secret is still returned: exp is informational for secrets.
        # Documented: https://learn.microsoft.com/azure/key-vault/secrets/about-secrets#secret-attributes
        return _json(200, _bundle(base, name, current))

    def _set(self, base: str, name: str, body: bytes | None) -> HttpReply:
        try:
            document = json.loads(body or b"")
        except ValueError:
            return _error(400, "BadParameter", "The request body is not valid JSON.")
        if not isinstance(document, dict) or not isinstance(document.get("value"), str):
            return _error(400, "BadParameter", "Property 'value' is required and must be a string.")
        value = document["value"]
        if len(value.encode("utf-8")) > MAX_VALUE_BYTES:
            return _error(400, "BadParameter", "The secret value exceeds the maximum size of 25 KB.")
        attributes = document.get("attributes") or {}
        if not isinstance(attributes, dict):
            return _error(400, "BadParameter", "Property 'attributes' must be an object.")
        now = int(self.clock.now().timestamp())
        entry: dict[str, Any] = {"value": value, "version": _new_version(), "created": now, "updated": now,
                                 "enabled": bool(attributes.get("enabled", True))}
        for key in ("nbf", "exp"):
            if attributes.get(key) is not None:
                try:
                    entry[key] = _epoch(attributes[key])
                except (TypeError, ValueError):
                    return _error(400, "BadParameter", f"Property 'attributes.{key}' must be a number of seconds.")
        for key in ("contentType", "tags"):
            if document.get(key) is not None:
                entry[key] = document[key]
        secrets = self._load()
        history = _history(name, secrets.get(name), self._mtime())
        older = [_stored(v) for v in history]
        secrets[name] = {**_stored(entry), **({"versions": older} if older else {})}
        self._write(secrets)
        return _json(200, _bundle(base, name, entry))

    def _versions(self, base: str, name: str) -> HttpReply:
        history = _history(name, self._load().get(name), self._mtime())
        if not history:
            return _error(404, "SecretNotFound", NOT_FOUND.format(name=name))
        items = [{"id": f"{base}secrets/{name}/{v['version']}", "attributes": _attributes(v)} for v in history]
        return _json(200, {"value": items, "nextLink": None})

    def _listing(self, base: str) -> list[dict[str, Any]]:
        mtime = self._mtime()
        items = []
        for name, raw in sorted(self._load().items()):
            history = _history(name, raw, mtime)
            if history:
                items.append({"id": f"{base}secrets/{name}", "attributes": _attributes(history[-1])})
        return items

    # -- the file -----------------------------------------------------------------------------------------------
    def _is_json(self) -> bool:
        return self.path.suffix.lower() == ".json"

    def _mtime(self) -> int:
        try:
            return int(self.path.stat().st_mtime)
        except OSError:
            return int(self.clock.now().timestamp())

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        try:
            text = self.path.read_text(encoding="utf-8")
            data = json.loads(text) if self._is_json() else yaml.safe_load(text)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            # the parser's message may quote file content, so it is not passed on
            raise VaultFileError(f"the vault file {self.path} cannot be read ({type(exc).__name__})") from None
        if data is None:
            return {}
        if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
            raise VaultFileError(f"the vault file {self.path} must map secret names to values")
        return data

    def _write(self, secrets: dict[str, Any]) -> None:
        """Write the whole file atomically: a temp file beside it, fsync, then os.replace."""
        if self._is_json():
            text = json.dumps(secrets, indent=2, ensure_ascii=False) + "\n"
        else:
            text = yaml.safe_dump(secrets, sort_keys=False, allow_unicode=True, default_flow_style=False)
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            if self.path.exists():
                os.chmod(temp, self.path.stat().st_mode & 0o777)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def _history(name: str, raw: Any, mtime: int) -> list[dict[str, Any]]:
    """Every version of one secret, oldest first, each with a version id, created and updated."""
    if raw is None:
        return []
    if isinstance(raw, dict):
        older = raw.get("versions") or []
        current = {k: v for k, v in raw.items() if k != "versions"}
        entries = [*older, current]
    else:
        entries = [raw]
    history = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            entry = {"value": entry}
        if "value" not in entry:
            raise VaultFileError(f"secret {name!r} has a version without a value")
        version = dict(entry)
        value = version["value"]
        if not isinstance(value, str):
            # YAML turns unquoted 123 or true into numbers and booleans; Key Vault only holds strings
            version["value"] = json.dumps(value) if isinstance(value, bool) else str(value)
        # A version written by hand has no id: derive one from the name and position, never from the value.
        version.setdefault("version", hashlib.sha256(f"{name}/{index}".encode()).hexdigest()[:32])
        version.setdefault("created", mtime)
        version.setdefault("updated", version["created"])
        for key in ("created", "updated", "nbf", "exp"):
            if version.get(key) is not None:
                try:
                    version[key] = _epoch(version[key])
                except (TypeError, ValueError):
                    raise VaultFileError(f"secret {name!r}: {key} must be epoch seconds or an ISO date") from None
        history.append(version)
    return history


def _epoch(value: Any) -> int:
    """Epoch seconds from an int, a float, an ISO 8601 string or a datetime (YAML timestamps)."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a time")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp())
    raise TypeError(f"not a time: {type(value).__name__}")


def _stored(version: dict[str, Any]) -> dict[str, Any]:
    """One version as it is written to the file."""
    keys = ("value", "version", "created", "updated", "enabled", "nbf", "exp", "contentType", "tags")
    return {k: version[k] for k in keys if version.get(k) is not None}


def _attributes(version: dict[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {"enabled": bool(version.get("enabled", True))}
    for key in ("nbf", "exp"):
        if version.get(key) is not None:
            attributes[key] = version[key]
    attributes.update({"created": version["created"], "updated": version["updated"],
                       "recoveryLevel": RECOVERY_LEVEL, "recoverableDays": 90})
    return attributes


def _bundle(base: str, name: str, version: dict[str, Any]) -> dict[str, Any]:
    """A SecretBundle as Get Secret and Set Secret return it."""
    bundle: dict[str, Any] = {"value": version["value"], "id": f"{base}secrets/{name}/{version['version']}",
                              "attributes": _attributes(version)}
    for key in ("contentType", "tags"):
        if version.get(key) is not None:
            bundle[key] = version[key]
    return bundle


def _new_version() -> str:
    return os.urandom(16).hex()


def _json(status: int, document: Any) -> HttpReply:
    body = json.dumps(document).encode("utf-8")
    return HttpReply(status, {"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(body)),
                              "Cache-Control": "no-cache"}, body)


def _error(status: int, code: str, message: str) -> HttpReply:
    return _json(status, {"error": {"code": code, "message": message}})
