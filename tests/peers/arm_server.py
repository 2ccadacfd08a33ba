"""A local Azure Resource Manager endpoint over HTTPS that the real management SDKs deploy to.

It serves what `adfgen plan/deploy` touches: a data factory (with its managed identity), its linked services,
datasets, pipelines and triggers (start/stop as long-running operations, paged lists, delete), pipeline runs
(`createRun`, then `pipelineruns/{runId}` InProgress for a scripted number of polls, then the scripted outcome), Key Vault vaults
(get, `accessPolicies/add|replace|remove`) and role assignments (409 RoleAssignmentExists on a duplicate).
PUT bodies are validated against the official ADF schema and references must exist, answering 400 like ARM.
Latency and scripted faults (429 + Retry-After, 500, dropped connections, 400 PrincipalNotFound) are injectable; every request is logged.

Use in-process (`with ArmServer() as arm: ...`) or as a subprocess (`python -m tests.peers.arm_server`), which
prints one JSON line `{"url": ..., "ca": ...}` and serves until stdin closes (the benchmark uses that, so that
the server's CPU does not share the client's interpreter lock).
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import ssl
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme

DF = "Microsoft.DataFactory"
KINDS = {  # URL segment (lower case) -> (Git kind, ARM type)
    "linkedservices": ("linkedService", f"{DF}/factories/linkedservices"),
    "datasets": ("dataset", f"{DF}/factories/datasets"),
    "pipelines": ("pipeline", f"{DF}/factories/pipelines"),
    "triggers": ("trigger", f"{DF}/factories/triggers"),
}
REFERENCE_SEGMENTS = {"LinkedServiceReference": "linkedservices", "DatasetReference": "datasets",
                      "PipelineReference": "pipelines"}

_RG = r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)"
_FACTORY = _RG + r"/providers/microsoft\.datafactory/factories/(?P<factory>[^/]+)"
ROUTES = [
    ("factory", re.compile(_FACTORY + r"$")),
    ("collection", re.compile(_FACTORY + r"/(?P<seg>linkedservices|datasets|pipelines|triggers)$")),
    ("item", re.compile(_FACTORY + r"/(?P<seg>linkedservices|datasets|pipelines|triggers)/(?P<name>[^/]+)$")),
    ("trigger_action", re.compile(_FACTORY + r"/triggers/(?P<name>[^/]+)/(?P<action>start|stop)$")),
    ("create_run", re.compile(_FACTORY + r"/pipelines/(?P<name>[^/]+)/createrun$")),
    ("pipeline_run", re.compile(_FACTORY + r"/pipelineruns/(?P<run>[^/]+)$")),
    ("vault", re.compile(_RG + r"/providers/microsoft\.keyvault/vaults/(?P<vault>[^/]+)$")),
    ("access_policy", re.compile(_RG + r"/providers/microsoft\.keyvault/vaults/(?P<vault>[^/]+)"
                                 r"/accesspolicies/(?P<op>add|replace|remove)$")),
    ("role_assignment", re.compile(r"(?P<scope>.*)/providers/microsoft\.authorization/roleassignments/(?P<name>[^/]+)$")),
    ("role_assignments", re.compile(r"(?P<scope>.*)/providers/microsoft\.authorization/roleassignments$")),
    ("operation", re.compile(r"/operations/(?P<op>[^/]+)$")),
]


@dataclass
class Fault:
    """One scripted fault: the next `times` requests matching method and path regex get it."""

    method: str
    path: str  # regex searched in the lower-cased path
    # "429", "500", "drop" (close before applying), "drop_after" (apply, then close without answering),
    # "principal_not_found" (400 PrincipalNotFound: a fresh managed identity not yet replicated, on role assignments)
    kind: str
    times: int = 1
    retry_after: int = 0


@dataclass
class RunScript:
    """How the next runs of one pipeline end: `polls` reads answer InProgress, then `status` with `message`."""

    polls: int = 1
    status: str = "Succeeded"  # "Succeeded", "Failed" or "Cancelled"
    message: str = ""


@dataclass
class Logged:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    status: int


@dataclass
class State:
    """Everything the endpoint knows; guarded by `lock`."""

    factories: dict[str, dict] = field(default_factory=dict)  # factory name (lower) -> factory document
    resources: dict[tuple[str, str, str], dict] = field(default_factory=dict)  # (factory, seg, name lower) -> doc
    vaults: dict[str, dict] = field(default_factory=dict)  # vault name (lower) -> vault document
    role_assignments: dict[str, dict] = field(default_factory=dict)  # assignment name (lower) -> document
    operations: dict[str, int] = field(default_factory=dict)  # async operation id -> polls left
    run_scripts: dict[tuple[str, str], RunScript] = field(default_factory=dict)  # (factory, pipeline lower) -> script
    runs: dict[str, dict] = field(default_factory=dict)  # run id -> {"doc": PipelineRun document, "left": polls left,
    #                                                       "script": RunScript, "factory": factory lower}
    lock: threading.RLock = field(default_factory=threading.RLock)


class ArmServer:
    """The endpoint: `url`, `ca_path` for `connection_verify`, `state`, `log`, `faults`; stop() or use as a context."""

    def __init__(self, *, latency: float = 0.0, page_size: int = 50, validate: bool = True,
                 lro_polls: int | None = 1, token: str | None = None):
        self.latency = latency
        self.page_size = page_size
        self.validate = validate
        # trigger start/stop: None answers 200 at once; N answers 200 + Azure-AsyncOperation, polled N times InProgress
        self.lro_polls = lro_polls
        self.token = token  # when set, the bearer token every request must carry
        self.state = State()
        if validate:  # load the schema now, not inside the first PUT
            from .adf_schema import body_validator

            body_validator()
        self.log: list[Logged] = []
        self.arrivals: list[tuple[str, str]] = []  # (method, path) as each request arrives, before latency/handling
        self.faults: list[Fault] = []
        self._log_lock = threading.Lock()
        self._tmp = tempfile.TemporaryDirectory(prefix="arm-peer-")
        self.ca = trustme.CA()
        self.ca_path = str(Path(self._tmp.name) / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.arm = self
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True, do_handshake_on_connect=False)
        self.url = f"https://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    # ---- test helpers -------------------------------------------------------------------------------------
    def add_factory(self, sub: str, rg: str, name: str, *, identity: bool = True, location: str = "westeurope") -> dict:
        """Create a factory, with a system-assigned identity unless `identity=False`."""
        doc: dict[str, Any] = {
            "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{DF}/factories/{name}",
            "name": name, "type": f"{DF}/factories", "location": location,
            "properties": {"provisioningState": "Succeeded", "createTime": "2024-01-01T00:00:00Z", "version": "2018-06-01"},
            "eTag": '"0"',
        }
        if identity:
            doc["identity"] = {"type": "SystemAssigned", "principalId": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                               "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47"}
        with self.state.lock:
            self.state.factories[name.lower()] = doc
        return doc

    def add_vault(self, sub: str, rg: str, name: str, *, rbac: bool, access_policies: list | None = None) -> dict:
        """Create a Key Vault using the RBAC (`rbac=True`) or the access-policy permission model."""
        doc = {
            "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}",
            "name": name, "type": "Microsoft.KeyVault/vaults", "location": "westeurope",
            "properties": {"tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
                           "sku": {"family": "A", "name": "standard"},
                           "accessPolicies": list(access_policies or []),
                           "enableRbacAuthorization": rbac,
                           "vaultUri": f"https://{name}.vault.azure.net/"},
        }
        with self.state.lock:
            self.state.vaults[name.lower()] = doc
        return doc

    def put_resource(self, factory: str, segment: str, name: str, properties: dict, *, runtime_state: str | None = None) -> None:
        """Seed a live resource directly (no validation), e.g. an unmanaged one or a started trigger."""
        with self.state.lock:
            doc = self._document(factory, segment, name, json.loads(json.dumps(properties)))
            if segment == "triggers":
                doc["properties"]["runtimeState"] = runtime_state or "Stopped"
            self.state.resources[(factory.lower(), segment, name.lower())] = doc

    def resource(self, factory: str, segment: str, name: str) -> dict | None:
        """The live document of one resource, or None."""
        with self.state.lock:
            return self.state.resources.get((factory.lower(), segment, name.lower()))

    def names(self, factory: str, segment: str) -> list[str]:
        """Sorted names of the live resources of one kind."""
        with self.state.lock:
            return sorted(doc["name"] for (f, s, _), doc in self.state.resources.items()
                          if f == factory.lower() and s == segment)

    def script_runs(self, factory: str, pipeline: str, *, polls: int = 1, status: str = "Succeeded",
                    message: str = "") -> None:
        """Make runs of `pipeline` started from now read InProgress `polls` times, then `status` with `message`."""
        with self.state.lock:
            self.state.run_scripts[(factory.lower(), pipeline.lower())] = RunScript(polls, status, message)

    def run(self, run_id: str) -> dict | None:
        """The PipelineRun document of one run as last served (parameters as given to createRun), or None."""
        with self.state.lock:
            entry = self.state.runs.get(run_id)
            return json.loads(json.dumps(entry["doc"])) if entry else None

    def inject(self, method: str, path: str, kind: str, *, times: int = 1, retry_after: int = 0) -> None:
        """Script a fault for the next `times` requests matching `method` and the `path` regex."""
        with self._log_lock:
            self.faults.append(Fault(method.upper(), path.lower(), kind, times, retry_after))

    def count(self, method: str | None = None, pattern: str = "") -> int:
        """How many logged requests match `method` and the path regex `pattern`."""
        with self._log_lock:
            return sum(1 for e in self.log if (method is None or e.method == method.upper())
                       and re.search(pattern, e.path, re.IGNORECASE))

    def clear_log(self) -> None:
        """Forget the request log."""
        with self._log_lock:
            self.log.clear()
            self.arrivals.clear()

    def stop(self) -> None:
        """Stop serving and delete the CA file."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._tmp.cleanup()

    def __enter__(self) -> ArmServer:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- internals ----------------------------------------------------------------------------------------
    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._log_lock:
            for fault in self.faults:
                if fault.method in (method, "*") and re.search(fault.path, path.lower()):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _record(self, method: str, path: str, query: dict[str, str], status: int) -> None:
        with self._log_lock:
            self.log.append(Logged(method, path, query, status))

    def _document(self, factory: str, segment: str, name: str, properties: dict) -> dict:
        f = self.state.factories[factory.lower()]
        etag = hashlib.sha256(json.dumps(properties, sort_keys=True).encode()).hexdigest()[:16]
        properties.setdefault("annotations", [])  # ADF adds empty defaults; clients must not see them as changes
        return {"id": f"{f['id']}/{segment}/{name}", "name": name, "type": KINDS[segment][1], "etag": etag,
                "properties": properties}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    arm: ArmServer

    def handle_error(self, request: Any, client_address: Any) -> None:  # dropped TLS connections are expected
        pass


class ArmError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid the 40 ms delayed-ACK stall
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # -------------------------------------------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        arm = self.server.arm
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with arm._log_lock:
            arm.arrivals.append((method, path))
        if arm.latency:
            time.sleep(arm.latency)
        fault = arm._take_fault(method, path)
        if fault and fault.kind == "drop":
            arm._record(method, path, query, 0)
            return self._drop()
        try:
            if fault and fault.kind == "principal_not_found":
                raise ArmError(400, "PrincipalNotFound", "Principal does not exist in the directory. Check that you "
                               "have the correct principal ID. If you are creating this principal and then "
                               "immediately assigning a role, this error might be related to a replication delay.")
            if fault and fault.kind in ("429", "500"):
                if fault.kind == "429":
                    raise _HeaderedError(429, "TooManyRequests", "injected fault: throttled",
                                         {"Retry-After": str(fault.retry_after)})
                raise ArmError(500, "InternalServerError", "injected fault: internal error")
            self._authorize(arm)
            if "api-version" not in query:
                raise ArmError(400, "MissingApiVersionParameter", "The api-version query parameter is required.")
            status, body, headers = self._route(arm, method, path, query, raw)
        except _HeaderedError as exc:
            status, body, headers = exc.status, {"error": {"code": exc.code, "message": exc.message}}, exc.headers
        except ArmError as exc:
            status, body, headers = exc.status, {"error": {"code": exc.code, "message": exc.message}}, {}
        arm._record(method, path, query, status)
        if fault and fault.kind == "drop_after":
            return self._drop()
        self._send(status, body, headers)

    def _authorize(self, arm: ArmServer) -> None:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or (arm.token is not None and auth[7:] != arm.token):
            raise ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing or invalid.")

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _route(self, arm: ArmServer, method: str, path: str, query: dict, raw: bytes) -> tuple[int, Any, dict]:
        lowered = path.lower()
        for route, pattern in ROUTES:
            match = pattern.match(lowered)
            if match:
                # keep the caller's spelling of names: re-match on the original path, case-insensitively
                original = re.compile(pattern.pattern, re.IGNORECASE).match(path)
                groups = original.groupdict() if original else match.groupdict()
                handler = getattr(self, f"_{route}")
                with arm.state.lock:
                    return handler(arm, method, groups, query, raw)
        raise ArmError(404, "NotFound", f"no route for {method} {path}")

    # ---- data factory ---------------------------------------------------------------------------------------
    def _factory_doc(self, arm: ArmServer, g: dict) -> dict:
        factory = arm.state.factories.get(g["factory"].lower())
        if factory is None:
            raise ArmError(404, "ResourceNotFound", f"The Resource '{DF}/factories/{g['factory']}' was not found.")
        return factory

    def _factory(self, arm: ArmServer, method: str, g: dict, query: dict, raw: bytes):
        if method == "PUT":  # Factories - Create Or Update: 200 with the factory, synchronously (documented)
            body = json.loads(raw or b"{}")
            if not body.get("location"):
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
            identity = (body.get("identity") or {}).get("type") == "SystemAssigned"
            doc = arm.add_factory(g["sub"], g["rg"], g["factory"], identity=identity, location=body["location"])
            return 200, doc, {}
        if method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{method} on a factory is not served here")
        return 200, self._factory_doc(arm, g), {}

    def _collection(self, arm: ArmServer, method: str, g: dict, query: dict, raw: bytes):
        if method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{method} on a collection")
        self._factory_doc(arm, g)
        key = g["factory"].lower()
        docs = [doc for (f, s, _), doc in sorted(arm.state.resources.items()) if f == key and s == g["seg"]]
        start = int(query.get("$skiptoken", "0"))
        page = docs[start:start + arm.page_size]
        body: dict[str, Any] = {"value": page}
        if start + arm.page_size < len(docs):
            base = f"{arm.url}{self.path.split('?')[0]}"
            body["nextLink"] = f"{base}?api-version={query['api-version']}&$skiptoken={start + arm.page_size}"
        return 200, body, {}

    def _item(self, arm: ArmServer, method: str, g: dict, query: dict, raw: bytes):
        self._factory_doc(arm, g)
        seg, name = g["seg"], g["name"]
        key = (g["factory"].lower(), seg, name.lower())
        existing = arm.state.resources.get(key)
        if method == "GET":
            if existing is None:
                raise ArmError(404, "NotFound", f"Entity {name} not found")
            return 200, existing, {}
        if method == "DELETE":
            if existing is None:
                return 204, None, {}
            if seg == "triggers" and existing["properties"].get("runtimeState") == "Started":
                raise ArmError(400, "TriggerEnabledCannotDelete",
                               f"Trigger '{name}' is in Started state; stop it before deleting.")
            del arm.state.resources[key]
            return 200, None, {}
        if method != "PUT":
            raise ArmError(405, "MethodNotAllowed", f"{method} on {seg}")
        body = self._json_body(raw)
        properties = body.get("properties")
        if not isinstance(properties, dict):
            raise ArmError(400, "BadRequest", "The request body must be an object with 'properties'.")
        if not re.match(r"^[A-Za-z0-9_][^<>*#.%&:\\+?/]*$", name) or len(name) > 260:
            raise ArmError(400, "InvalidResourceName", f"The resource name '{name}' is invalid.")
        properties = json.loads(json.dumps(properties))
        properties.pop("runtimeState", None)  # read-only
        if arm.validate:
            from .adf_schema import body_validator

            messages = body_validator()(KINDS[seg][0], name, properties)
            if messages:
                raise ArmError(400, "BadRequest", f"The document of {KINDS[seg][0]} '{name}' is invalid: "
                               + "; ".join(messages[:5]))
        for ref_seg, ref_name in _references(properties):
            if (key[0], ref_seg, ref_name.lower()) not in arm.state.resources:
                raise ArmError(400, "BadRequest", "The document creation or update failed because of invalid "
                               f"reference '{ref_name}'.")
        state = "Stopped"
        if seg == "triggers" and existing is not None:
            state = existing["properties"].get("runtimeState", "Stopped")
            if state == "Started":
                raise ArmError(400, "TriggerEnabledCannotUpdate",
                               f"Cannot update enabled Trigger '{name}', it needs to be stopped first.")
        doc = arm._document(g["factory"], seg, name, properties)
        if seg == "triggers":
            doc["properties"]["runtimeState"] = state
        arm.state.resources[key] = doc
        return 200, doc, {}

    def _trigger_action(self, arm: ArmServer, method: str, g: dict, query: dict, raw: bytes):
        if method != "POST":
            raise ArmError(405, "MethodNotAllowed", f"{method} on trigger {g['action']}")
        self._factory_doc(arm, g)
        doc = arm.state.resources.get((g["factory"].lower(), "triggers", g["name"].lower()))
        if doc is None:
            raise ArmError(404, "NotFound", f"Entity {g['name']} not found")
        doc["properties"]["runtimeState"] = "Started" if g["action"] == "start" else "Stopped"
        if arm.lro_polls is None:  # answer synchronously: the SDK poller finishes without polling
            return 200, None, {}
        operation = uuid.uuid4().hex
        arm.state.operations[operation] = arm.lro_polls
        headers = {"Azure-AsyncOperation": f"{arm.url}/operations/{operation}?api-version=2018-06-01"}
        return 200, None, headers

    def _operation(self, arm: ArmServer, method: str, g: dict, query: dict, raw: bytes):
        left = arm.state.operations.get(g["op"])
        if left is None:
            raise ArmError(404, "NotFound", "unknown operation")
        if left > 0:
            arm.state.operations[g["op"]] = left - 1
            return 200, {"status": "InProgress"}, {}
        return 200, {"status": "Succeeded"}, {}

    # ---- pipeline runs -----------------------------------------------------------------------------------------
    # Shapes as documented: createRun answers 200 {"runId"}; pipelineruns/{runId} answers a PipelineRun
    # (https://learn.microsoft.com/rest/api/datafactory/pipelines/create-run,
    #  https://learn.microsoft.com/rest/api/datafactory/pipeline-runs/get). The 404 error codes are assumed.
    def _create_run(self, arm: ArmServer, method: str, g: dict, query: dict, raw: bytes):
        if method != "POST":
            raise ArmError(405, "MethodNotAllowed", f"{method} on createRun")
        self._factory_doc(arm, g)
        factory, name = g["factory"].lower(), g["name"]
        pipeline = arm.state.resources.get((factory, "pipelines", name.lower()))
        if pipeline is None:
            raise ArmError(404, "NotFound", f"Entity {name} not found")
        parameters = self._json_body(raw)  # the body is the run's parameters (name -> value), optional
        script = arm.state.run_scripts.get((factory, name.lower()), RunScript())
        run_id = str(uuid.uuid4())
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        doc = {"runId": run_id, "runGroupId": run_id, "isLatest": True, "pipelineName": pipeline["name"],
               "parameters": {k: v if isinstance(v, str) else json.dumps(v) for k, v in parameters.items()},
               "invokedBy": {"name": "Manual", "id": uuid.uuid4().hex, "invokedByType": "Manual"},
               "runStart": now, "runEnd": None, "durationInMs": None, "status": "Queued", "message": "",
               "lastUpdated": now, "annotations": []}
        arm.state.runs[run_id] = {"doc": doc, "left": script.polls, "script": script, "factory": factory}
        return 200, {"runId": run_id}, {}

    def _pipeline_run(self, arm: ArmServer, method: str, g: dict, query: dict, raw: bytes):
        if method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{method} on a pipeline run")
        self._factory_doc(arm, g)
        entry = arm.state.runs.get(g["run"].lower())
        if entry is None or entry["factory"] != g["factory"].lower():
            raise ArmError(404, "PipelineRunNotFound", f"Pipeline run {g['run']} not found")
        doc, now = entry["doc"], time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if entry["left"] > 0:
            entry["left"] -= 1
            doc.update(status="InProgress", lastUpdated=now)
        elif doc["status"] not in ("Succeeded", "Failed", "Cancelled"):
            script = entry["script"]
            doc.update(status=script.status, message=script.message, runEnd=now, lastUpdated=now, durationInMs=1000)
        return 200, doc, {}

    # ---- key vault --------------------------------------------------------------------------------------------
    def _vault_doc(self, arm: ArmServer, g: dict) -> dict:
        vault = arm.state.vaults.get(g["vault"].lower())
        if vault is None:
            raise ArmError(404, "ResourceNotFound", f"The Resource 'Microsoft.KeyVault/vaults/{g['vault']}' was not found.")
        return vault

    def _vault(self, arm: ArmServer, method: str, g: dict, query: dict, raw: bytes):
        if method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{method} on a vault is not served here")
        return 200, self._vault_doc(arm, g), {}

    def _access_policy(self, arm: ArmServer, method: str, g: dict, query: dict, raw: bytes):
        if method != "PUT":
            raise ArmError(405, "MethodNotAllowed", f"{method} on access policies")
        vault = self._vault_doc(arm, g)
        entries = (self._json_body(raw).get("properties") or {}).get("accessPolicies")
        if not isinstance(entries, list) or not entries:
            raise ArmError(400, "BadRequest", "properties.accessPolicies must be a non-empty array")
        policies = vault["properties"]["accessPolicies"]
        for entry in entries:
            if not entry.get("tenantId") or not entry.get("objectId"):
                raise ArmError(400, "BadRequest", "an access policy needs tenantId and objectId")
            same = [p for p in policies if p["objectId"] == entry["objectId"] and p["tenantId"] == entry["tenantId"]]
            if g["op"] == "add" and same:  # add merges permissions into the principal's existing policy
                for kind, perms in (entry.get("permissions") or {}).items():
                    current = same[0].setdefault("permissions", {}).setdefault(kind, [])
                    current.extend(p for p in perms if p not in current)
                continue
            policies[:] = [p for p in policies if p not in same]
            if g["op"] != "remove":
                policies.append(json.loads(json.dumps(entry)))
        return 200, {"id": f"{vault['id']}/accessPolicies/{g['op']}", "name": g["op"],
                     "type": "Microsoft.KeyVault/vaults/accessPolicies",
                     "properties": {"accessPolicies": policies}}, {}

    # ---- role assignments ---------------------------------------------------------------------------------------
    def _role_assignment(self, arm: ArmServer, method: str, g: dict, query: dict, raw: bytes):
        name = g["name"]
        existing = arm.state.role_assignments.get(name.lower())
        if method == "GET":
            if existing is None:
                raise ArmError(404, "RoleAssignmentNotFound", f"The role assignment '{name}' is not found.")
            return 200, existing, {}
        if method == "DELETE":
            doc = arm.state.role_assignments.pop(name.lower(), None)
            return (200, doc, {}) if doc else (204, None, {})
        if method != "PUT":
            raise ArmError(405, "MethodNotAllowed", f"{method} on a role assignment")
        props = self._json_body(raw).get("properties") or {}
        for required in ("roleDefinitionId", "principalId"):
            if not props.get(required):
                raise ArmError(400, "InvalidRoleAssignmentRequest", f"properties.{required} is required")
        scope = g["scope"]
        if not self._scope_exists(arm, scope):
            raise ArmError(400, "InvalidScope", f"The scope '{scope}' does not exist.")
        identity = (scope.lower(), props["roleDefinitionId"].lower(), props["principalId"].lower())
        for other_name, other in arm.state.role_assignments.items():
            o = other["properties"]
            if other_name != name.lower() and (o["scope"].lower(), o["roleDefinitionId"].lower(),
                                               o["principalId"].lower()) == identity:
                raise ArmError(409, "RoleAssignmentExists", "The role assignment already exists.")
        if existing is not None:
            e = existing["properties"]
            if (e["scope"].lower(), e["roleDefinitionId"].lower(), e["principalId"].lower()) != identity:
                raise ArmError(400, "RoleAssignmentUpdateNotPermitted",
                               "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
            return 201, existing, {}
        doc = {"id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}", "name": name,
               "type": "Microsoft.Authorization/roleAssignments",
               "properties": {"roleDefinitionId": props["roleDefinitionId"], "principalId": props["principalId"],
                              "principalType": props.get("principalType", "User"), "scope": scope}}
        arm.state.role_assignments[name.lower()] = doc
        return 201, doc, {}

    def _role_assignments(self, arm: ArmServer, method: str, g: dict, query: dict, raw: bytes):
        if method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{method} on role assignments")
        scope = g["scope"].lower()
        wanted = re.search(r"principalId eq '([^']+)'", query.get("$filter", ""), re.IGNORECASE)

        def related(d: dict) -> bool:  # at or above the scope; with a principal filter also below it (as ARM does)
            s = d["properties"]["scope"].lower()
            return s == scope or scope.startswith(s + "/") or bool(wanted and s.startswith(scope + "/"))

        docs = [d for d in arm.state.role_assignments.values() if related(d)]
        if wanted:
            docs = [d for d in docs if d["properties"]["principalId"].lower() == wanted.group(1).lower()]
        return 200, {"value": docs}, {}

    def _scope_exists(self, arm: ArmServer, scope: str) -> bool:
        match = re.match(_RG + r"/providers/microsoft\.keyvault/vaults/(?P<vault>[^/]+)(/secrets/[^/]+)?$", scope.lower())
        return bool(match and match.group("vault") in arm.state.vaults)

    def _json_body(self, raw: bytes) -> dict:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
        return body


class _HeaderedError(ArmError):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str]):
        super().__init__(status, code, message)
        self.headers = headers


def _references(node: Any) -> list[tuple[str, str]]:
    """(segment, name) of every linked service, dataset and pipeline reference inside a body."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        if node.get("type") in REFERENCE_SEGMENTS and isinstance(node.get("referenceName"), str):
            found.append((REFERENCE_SEGMENTS[node["type"]], node["referenceName"]))
        for value in node.values():
            found += _references(value)
    elif isinstance(node, list):
        for value in node:
            found += _references(value)
    return found


def main() -> None:
    """Serve in a subprocess: print `{"url", "ca"}`; seed from a JSON command per stdin line; stop at EOF."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("--lro-polls", type=int, default=None, help="answer trigger start/stop asynchronously")
    parser.add_argument("--token", default=None, help="the bearer token every request must carry")
    args = parser.parse_args()
    with ArmServer(latency=args.latency, page_size=args.page_size, validate=not args.no_validate,
                   lro_polls=args.lro_polls, token=args.token) as arm:
        print(json.dumps({"url": arm.url, "ca": arm.ca_path}), flush=True)
        for line in sys.stdin:  # a tiny control channel: {"op": "add_factory"|"add_vault"|"count"|"clear_log", ...}
            command = json.loads(line)
            op = command.pop("op")
            result = getattr(arm, op)(**command)
            print(json.dumps({"result": result if isinstance(result, (int, str, list, dict)) else None}), flush=True)


if __name__ == "__main__":
    main()
