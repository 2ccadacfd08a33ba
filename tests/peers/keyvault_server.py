"""A local Key Vault secrets endpoint (HTTPS, versions, bearer challenge) as test-servers.md §2 describes."""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import trustme

NAME = re.compile(r"^[0-9a-zA-Z-]+$")
CHALLENGE = ('Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", '
             'resource="https://vault.azure.net"')


class KeyVaultServer:
    """Secrets with versions in memory; every request must carry `Authorization: Bearer ...`."""

    def __init__(self, ca: trustme.CA):
        self.secrets: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Authorization header)
        self.forbid: set[str] = set()  # methods answered 403 Forbidden, as for an identity without permission
        self._lock = threading.Lock()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def set(self, name: str, value: str, attributes: dict[str, Any] | None = None) -> dict[str, Any]:
        """Add a new version of a secret and return its bundle."""
        now = int(time.time())
        bundle = {"value": value, "id": f"{self.url}secrets/{name}/{uuid.uuid4().hex}",
                  "attributes": {"enabled": True, "created": now, "updated": now,
                                 "recoveryLevel": "Recoverable+Purgeable", **(attributes or {})}}
        with self._lock:
            self.secrets.setdefault(name, []).append(bundle)
        return bundle

    def latest(self, name: str) -> dict[str, Any] | None:
        """The latest version's bundle."""
        versions = self.secrets.get(name)
        return versions[-1] if versions else None

    def stop(self) -> None:
        """Shut the server down."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(vault: KeyVaultServer) -> type:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: dict[str, Any] | None, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, code: str, message: str) -> None:
            self._send(status, {"error": {"code": code, "message": message}})

        def _route(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""  # read before any 401, as the service does
            path = urlsplit(self.path).path.rstrip("/")
            auth = self.headers.get("Authorization")
            vault.requests.append((method, path, auth))
            if not auth or not auth.startswith("Bearer "):
                self._send(401, {"error": {"code": "Unauthorized", "message": "bearer token required"}},
                           {"WWW-Authenticate": CHALLENGE})
                return
            if method in vault.forbid:
                self._error(403, "Forbidden", f"The user, group or application does not have secrets {method.lower()} "
                            "permission on key vault.")
                return
            parts = path.split("/")[1:]
            if parts == ["secrets"] and method == "GET":
                listing = [{"id": f"{vault.url}secrets/{n}", "attributes": v[-1]["attributes"]}
                           for n, v in sorted(vault.secrets.items())]
                self._send(200, {"value": listing, "nextLink": None})
                return
            if len(parts) not in (2, 3) or parts[0] != "secrets" or not NAME.match(parts[1]):
                self._error(400, "BadParameter", f"invalid secret path {path}")
                return
            name = parts[1]
            if method == "PUT" and len(parts) == 2:
                try:
                    document = json.loads(body)
                    value = document["value"]
                except (ValueError, KeyError, TypeError):
                    self._error(400, "BadParameter", "the body must be JSON with a string 'value'")
                    return
                if not isinstance(value, str):
                    self._error(400, "BadParameter", "'value' must be a string")
                    return
                self._send(200, vault.set(name, value, document.get("attributes")))
                return
            if method == "GET":
                versions = vault.secrets.get(name, [])
                if len(parts) == 3:
                    versions = [v for v in versions if v["id"].endswith("/" + parts[2])]
                if not versions:
                    self._error(404, "SecretNotFound", f"A secret with (name/id) {name} was not found in this "
                                "key vault.")
                    return
                self._send(200, versions[-1])
                return
            self._error(405, "MethodNotAllowed", f"{method} {path}")

        def do_GET(self) -> None:
            self._route("GET")

        def do_PUT(self) -> None:
            self._route("PUT")

    return Handler
