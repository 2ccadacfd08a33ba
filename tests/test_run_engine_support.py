"""Helpers for the RUN-ENGINE tests: hand-written factories in tmp folders and real local HTTP servers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from adfgen.local.clock import Clock
from adfgen.local.factory import load_factory
from adfgen.local.runner import PipelineRun, Runtime, load_handlers
from adfgen.local.transport import Transport

load_handlers()

Reply = tuple[int, dict[str, str], bytes]


def write_factory(root: Path, pipelines: dict[str, Any], datasets: dict[str, Any] | None = None,
                  linked_services: dict[str, Any] | None = None) -> Path:
    """A Git-layout factory: {name: properties} per kind (a pipeline may be given as its activity list)."""
    for kind, table in (("pipeline", pipelines), ("dataset", datasets or {}), ("linkedService", linked_services or {})):
        folder = root / kind
        folder.mkdir(parents=True, exist_ok=True)
        for name, props in table.items():
            if isinstance(props, list):
                props = {"activities": props}
            (folder / f"{name}.json").write_text(json.dumps({"name": name, "properties": props}))
    return root


def make_runtime(root: Path, *, scale: float = 1000.0, transport: Transport | None = None, storage: Any = None,
                 sink_root: Any = None) -> Runtime:
    """A Runtime over `root` with a fast clock."""
    return Runtime(load_factory(root), transport=transport or Transport(), clock=Clock(scale), storage=storage,
                   sink_root=sink_root)


def run(root: Path, name: str = "p", parameters: dict[str, Any] | None = None, **options: Any) -> tuple[Runtime, PipelineRun]:
    """Run one pipeline; (runtime, run)."""
    runtime = make_runtime(root, **options)
    return runtime, runtime.run(name, parameters)


def records(run: PipelineRun, name: str) -> list[Any]:
    """Every activity run named `name` in a pipeline run."""
    return [r for r in run.activity_runs if r.name == name]


def status(run: PipelineRun, name: str) -> str:
    """The status of the one activity run named `name`."""
    found = records(run, name)
    assert len(found) == 1, f"{name}: {len(found)} runs"
    return found[0].status


def act(name: str, kind: str, props: dict[str, Any] | None = None, depends: dict[str, list[str]] | None = None,
        **extra: Any) -> dict[str, Any]:
    """One activity definition."""
    activity = {"name": name, "type": kind, "typeProperties": props or {},
                "dependsOn": [{"activity": k, "dependencyConditions": v} for k, v in (depends or {}).items()]}
    activity.update(extra)
    return activity


def fail(name: str, depends: dict[str, list[str]] | None = None, message: str = "boom") -> dict[str, Any]:
    """A Fail activity."""
    return act(name, "Fail", {"message": message, "errorCode": "E42"}, depends)


def ok(name: str, depends: dict[str, list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    """An activity that succeeds (Wait 0 s)."""
    return act(name, "Wait", {"waitTimeInSeconds": 0}, depends, **extra)


class Server:
    """A real HTTP server on 127.0.0.1 in a thread; `route(method, path, headers, body) -> (status, headers, body)`."""

    def __init__(self, route: Callable[[str, str, dict[str, str], bytes], Reply]):
        self.route = route
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = dict(self.headers.items())
                with server._lock:
                    server.requests.append((self.command, self.path, headers, body))
                    server.active += 1
                    server.peak = max(server.peak, server.active)
                try:
                    code, reply_headers, reply = server.route(self.command, self.path, headers, body)
                finally:
                    with server._lock:
                        server.active -= 1
                self.send_response(code)
                for key, value in reply_headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Shut the server down."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def json_reply(document: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A JSON response."""
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(document).encode()


def slow(seconds: float, reply: Reply) -> Reply:
    """`reply` after sleeping real seconds."""
    time.sleep(seconds)
    return reply
