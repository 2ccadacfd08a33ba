"""A local world for the data-safety end-to-end tests: a factory built from an edited Xero spec, run by `adfgen run`
against the fake Xero API, the Authlib OAuth peer (or a token endpoint that answers errors with HTTP 200), a vault
file and a landing folder, on a compressed clock."""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import trustme
import yaml

from adfgen.build import build_factories, write_outputs
from adfgen.local.clock import Clock
from adfgen.local.formats import read_records
from tests.peers.oauth_server import OAuthServer
from tests.peers.xero_api import XeroApi
from tests.run_support import run_cli

REPO = Path(__file__).resolve().parent.parent
SCALE = 100.0
CLIENT_ID, CLIENT_SECRET, TENANT = "xero-ds-client", "xero-ds-client-secret-value", "tenant-ds-0001"


class ErrorTokenEndpoint:
    """A token endpoint that answers every POST with HTTP 200 and a fixed document: an error (as some providers
    answer errors), or a token reply without a refresh token (as providers that do not rotate answer)."""

    def __init__(self, ca: trustme.CA, reply: dict[str, Any]):
        self.reply, self.posts = reply, 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.posts += 1
                body = json.dumps(owner.reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_port}/token"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class World:
    """Peers, a built factory, a vault file and a landing folder for one test."""

    def __init__(self, tmp: Path, edit_spec: Callable[[dict], None] | None = None, *, access_ttl: int = 1800,
                 counts: dict[str, int] | None = None, calls_per_window: int = 60, scale: float = SCALE,
                 latency: float = 0.0):
        tmp.mkdir(parents=True, exist_ok=True)
        self.tmp = tmp
        self.ca = trustme.CA()
        self.ca_path = tmp / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_path))
        self.scale = scale  # virtual seconds per real second: a page's real latency counts this many times over
        self.clock = Clock(time_scale=scale)
        self.oauth = OAuthServer(self.ca, grace_seconds=0, access_ttl=access_ttl)
        self.oauth.add_client(CLIENT_ID, CLIENT_SECRET, auth_methods=("client_secret_basic",))
        self.api = XeroApi(self.ca, self.oauth, self.clock, tenant_id=TENANT, counts=counts,
                           calls_per_window=calls_per_window, latency=latency)  # virtual seconds a request takes
        self.token_url = self.oauth.token_url
        self.vault = tmp / "secrets.yaml"
        self.vault.write_text(yaml.safe_dump({
            "xero-client-id": CLIENT_ID, "xero-client-secret": CLIENT_SECRET,
            "xero-refresh-token": self.oauth.seed_refresh_token(CLIENT_ID), "xero-tenant-id": TENANT}))
        self.landing = tmp / "landing"
        self.lake = self.landing / "stxerodev" / "raw" / "xero"
        spec = yaml.safe_load((REPO / "specs" / "xero.yaml").read_text())
        if edit_spec:
            edit_spec(spec)
        spec_path = tmp / "xero.yaml"
        spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
        (build,) = build_factories([spec_path])
        write_outputs([build], tmp / "out")
        self.factory = tmp / "out" / build.name
        self.warnings = build.warnings

    def run(self, capfd, pipeline: str, *extra: str) -> tuple[int, dict, str]:
        """`adfgen run` through the CLI entry point: (exit code, JSON report, everything printed)."""
        argv = ["run", pipeline, "--folder", str(self.factory), "--vault", str(self.vault),
                "--sink-dir", str(self.landing), "--time-scale", str(self.scale), "--ca-bundle", str(self.ca_path),
                "--redirect", f"https://api.xero.com={self.api.url}",
                "--redirect", f"https://api.xero.com/projects.xro={self.api.url}/projects.xro",
                "--redirect", f"https://identity.xero.com/connect/token={self.token_url}",
                "--output", "json", *extra]
        return run_cli(capfd, argv, self.secret_values())

    def secret_values(self) -> set[str]:
        """Every value nothing may print."""
        values = {CLIENT_SECRET, TENANT}
        for token in self.oauth.tokens:
            values.add(token.access_token)
            if token.refresh_token:
                values.add(token.refresh_token)
        return values

    def secrets(self) -> dict[str, Any]:
        """The vault file as stored."""
        return yaml.safe_load(self.vault.read_text())

    def secret(self, name: str) -> str:
        raw = self.secrets()[name]
        return raw["value"] if isinstance(raw, dict) else raw

    def batches(self, endpoint: str) -> list[str]:
        folder = self.lake / endpoint
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def landed(self, endpoint: str, batch: str | None = None) -> list[dict]:
        """Every record landed for an endpoint (in one batch, or in all)."""
        rows: list[dict] = []
        for name in ([batch] if batch else self.batches(endpoint)):
            for path in sorted((self.lake / endpoint / name).glob("*.json")):
                rows += read_records(path, "Json", {})
        return rows

    def watermark(self, endpoint: str) -> str | None:
        """The endpoint's stored watermark, or None when it has none."""
        path = self.lake / "_state" / f"{endpoint}.json"
        if not path.is_file():
            return None
        (state,) = read_records(path, "Json", {})
        return state["watermark"]

    def stop(self) -> None:
        self.api.stop()
        self.oauth.stop()
