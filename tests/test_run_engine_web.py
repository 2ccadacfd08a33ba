"""Web activity over real local HTTP(S) and the transport's routing: refusal, redirects, loopback-only http,
CA bundles, managed identity, the documented response limits and timeouts."""

from __future__ import annotations

import json
import ssl
import threading
import time
from http.server import ThreadingHTTPServer

import pytest
import trustme

from adfgen.core import adf_limits as limits
from adfgen.local.transport import LOCAL_MSI_TOKEN, Transport, TransportError, parse_redirect
from tests.test_run_engine_support import Server, act, json_reply, records, run, slow, write_factory


def web(url: str, method: str = "GET", **props) -> dict:
    return act("Web", "WebActivity", {"method": method, "url": url, **props})


def test_web_sends_method_headers_body_and_reads_the_json_object(tmp_path):
    with Server(lambda m, p, h, b: json_reply({"echo": json.loads(b), "path": p}, headers={"X-Trace": "t1"})) as server:
        root = write_factory(tmp_path, {"p": [web(f"{server.url}/things?x=1", "POST",
                                                   headers={"X-Custom": "@concat('a', 'b')", "Content-Type": "application/json"},
                                                   body={"value": "@string(add(1, 2))"})]})
        _, result = run(root)
        record = records(result, "Web")[0]
        assert record.status == "Succeeded"
        method, path, headers, body = server.requests[0]
        assert (method, path, headers["X-Custom"]) == ("POST", "/things?x=1", "ab")
        assert json.loads(body) == {"value": "3"}
        assert record.output["echo"] == {"value": "3"}
        assert record.output["ADFWebActivityResponseHeaders"]["X-Trace"] == "t1"


def test_web_get_sends_no_body(tmp_path):
    with Server(lambda m, p, h, b: json_reply({"len": len(b)})) as server:
        root = write_factory(tmp_path, {"p": [web(server.url, body="ignored")]})
        _, result = run(root)
        assert records(result, "Web")[0].output["len"] == 0


@pytest.mark.parametrize("status", [400, 404, 500])
def test_web_fails_on_a_non_2xx_status(tmp_path, status):
    with Server(lambda m, p, h, b: json_reply({"error": "nope"}, status)) as server:
        root = write_factory(tmp_path, {"p": [web(server.url + "/x")]})
        _, result = run(root)
        error = records(result, "Web")[0].error
        assert result.status == "Failed"
        assert f"Response status code: '{status}'" in error["message"]


def test_web_response_must_be_a_json_object(tmp_path):
    with Server(lambda m, p, h, b: json_reply([1, 2, 3])) as server:
        root = write_factory(tmp_path, {"p": [web(server.url)]})
        _, result = run(root)
        assert "must be a JSON object" in records(result, "Web")[0].error["message"]


def test_web_response_over_4_mb_fails_and_at_4_mb_passes(tmp_path):
    size = limits.value("web.response")

    def route(method, path, headers, body):
        pad = size - len('{"x":""}') + (1 if path == "/over" else 0)
        return 200, {"Content-Type": "application/json"}, ('{"x":"' + "a" * pad + '"}').encode()

    with Server(route) as server:
        root = write_factory(tmp_path, {"p": [web(server.url + "/at")], "q": [web(server.url + "/over")]})
        assert run(root, "p")[1].status == "Succeeded"
        _, result = run(root, "q")
        assert "4194304" in records(result, "Web")[0].error["message"]


def test_web_empty_and_text_replies(tmp_path):
    def route(method, path, headers, body):
        return (201, {}, b"") if path == "/empty" else (200, {"Content-Type": "text/plain"}, b"hello")

    with Server(route) as server:
        root = write_factory(tmp_path, {"p": [web(server.url + "/empty")], "q": [web(server.url + "/text")]})
        output = records(run(root, "p")[1], "Web")[0].output
        assert set(output) == {"ADFWebActivityResponseHeaders"}
        assert records(run(root, "q")[1], "Web")[0].output["Response"] == "hello"


def test_web_http_request_timeout(tmp_path):
    with Server(lambda m, p, h, b: slow(2.5, json_reply({}))) as server:
        root = write_factory(tmp_path, {"p": [web(server.url, httpRequestTimeout="00:01:00")]})
        started = time.monotonic()
        _, result = run(root, scale=60, transport=Transport(min_timeout=0.2))  # one virtual minute: one real second
        assert time.monotonic() - started < 2.4
        assert "within" in records(result, "Web")[0].error["message"]


@pytest.mark.parametrize("timeout", ["00:00:30", "00:10:01"])
def test_web_http_request_timeout_range(tmp_path, timeout):
    root = write_factory(tmp_path, {"p": [web("http://127.0.0.1:9/", httpRequestTimeout=timeout)]})
    _, result = run(root)
    assert "outside 60..600" in records(result, "Web")[0].error["message"]


def test_policy_timeout_fails_a_slow_attempt_and_retries(tmp_path):
    with Server(lambda m, p, h, b: slow(1.5, json_reply({}))) as server:
        activity = web(server.url)
        activity["policy"] = {"timeout": "0.00:00:30", "retry": 1, "retryIntervalInSeconds": 30}
        root = write_factory(tmp_path, {"p": [activity]})
        runtime, result = run(root, scale=60)
        record = records(result, "Web")[0]
        assert record.status == "Failed" and record.attempts == 2
        assert record.error["errorCode"] == "ActivityTimedOut"
        assert "policy.timeout" in runtime.relied.keys()


def test_msi_to_a_loopback_peer_gets_a_placeholder_token(tmp_path):
    with Server(lambda m, p, h, b: json_reply({"auth": h.get("Authorization")})) as server:
        root = write_factory(tmp_path, {"p": [web(server.url, authentication={"type": "MSI", "resource": "https://vault.azure.net"})]})
        output = records(run(root)[1], "Web")[0].output
        assert output["auth"] == f"Bearer {LOCAL_MSI_TOKEN}"


def test_msi_with_a_credential_asks_for_the_resource_scope(tmp_path):
    scopes = []

    class Credential:
        def get_token(self, *wanted, **kwargs):
            scopes.extend(wanted)
            from azure.core.credentials import AccessToken
            return AccessToken("real-looking-token", int(time.time()) + 3600)

    with Server(lambda m, p, h, b: json_reply({"auth": h.get("Authorization")})) as server:
        root = write_factory(tmp_path, {"p": [web(server.url, authentication={"type": "MSI", "resource": "https://storage.azure.com/"})]})
        transport = Transport(credential=Credential(), allow_azure=True)
        runtime, result = run(root, transport=transport)
        assert records(result, "Web")[0].status == "Succeeded"
        assert scopes == ["https://storage.azure.com/.default"]
        assert "real-looking-token" not in runtime.secrets.scrub("x real-looking-token y")


@pytest.mark.parametrize("url", ["https://management.azure.com/subscriptions?api-version=2022-01-01",
                                 "https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
                                 "https://myserver.database.windows.net/",
                                 "https://kv.vault.azure.net/secrets/x?api-version=7.4",
                                 "https://acct.blob.core.windows.net/c/f.json"])
def test_azure_endpoints_are_refused_in_local_mode_naming_the_url(tmp_path, url):
    root = write_factory(tmp_path, {"p": [web(url)]})
    _, result = run(root)
    message = records(result, "Web")[0].error["message"]
    assert message.startswith("refused:") and url in message


def test_plain_http_only_to_loopback():
    transport = Transport()
    with pytest.raises(TransportError, match="only to loopback"):
        transport.request("GET", "http://example.com/", timeout=1)
    assert transport.route("http://127.0.0.1:1/") == "http"
    assert transport.route("http://[::1]:1/") == "http"
    assert transport.route("http://localhost:1/") == "http"


def test_redirect_rewrites_the_longest_prefix(tmp_path):
    with Server(lambda m, p, h, b: json_reply({"path": p})) as server:
        transport = Transport(redirects=[parse_redirect(f"https://api.example.com={server.url}"),
                                         parse_redirect(f"https://api.example.com/v2={server.url}/two")])
        root = write_factory(tmp_path, {"p": [web("https://api.example.com/v2/items?page=1")],
                                        "q": [web("https://api.example.com/v1/items")]})
        assert records(run(root, "p", transport=transport)[1], "Web")[0].output["path"] == "/two/items?page=1"
        assert records(run(root, "q", transport=transport)[1], "Web")[0].output["path"] == "/v1/items"
    assert transport.rewrite("https://api.example.comx/y") == "https://api.example.comx/y"


@pytest.mark.parametrize("text", ["nothing", "https://a.com=", "ftp://a=http://127.0.0.1"])
def test_bad_redirects_are_refused(text):
    with pytest.raises(ValueError):
        parse_redirect(text)


@pytest.fixture()
def https_server():
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            data = b'{"secure": true}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with ca.cert_pem.tempfile() as pem:
        yield f"https://127.0.0.1:{server.server_port}/", pem
    server.shutdown()
    server.server_close()


def test_ca_bundle_is_honoured(tmp_path, https_server, monkeypatch):
    url, pem = https_server
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    root = write_factory(tmp_path, {"p": [web(url)]})
    _, result = run(root, transport=Transport())
    assert "TLS error" in records(result, "Web")[0].error["message"]
    _, result = run(root, transport=Transport(ca_bundle=pem))
    assert records(result, "Web")[0].output["secure"] is True
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", pem)
    _, result = run(root, transport=Transport())
    assert records(result, "Web")[0].status == "Succeeded"


def test_disable_cert_validation(tmp_path, https_server, monkeypatch):
    url, _ = https_server
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    root = write_factory(tmp_path, {"p": [web(url, disableCertValidation=True)]})
    _, result = run(root, transport=Transport())
    assert records(result, "Web")[0].output["secure"] is True


def test_requests_are_counted_per_host_and_status(tmp_path):
    with Server(lambda m, p, h, b: json_reply({}, 200 if p == "/ok" else 503)) as server:
        root = write_factory(tmp_path, {"p": [web(server.url + "/ok"), act("Bad", "WebActivity", {"method": "GET", "url": server.url + "/bad"}),
                                              act("Az", "WebActivity", {"method": "GET", "url": "https://management.azure.com/x"})]})
        runtime, _ = run(root)
        table = runtime.transport.requests_by_host()
        assert table["127.0.0.1"] == {"200": 1, "503": 1}
        assert table["management.azure.com"] == {"refused": 1}


def test_no_reply_is_counted_and_named_plainly(tmp_path):
    root = write_factory(tmp_path, {"p": [web("http://127.0.0.1:1/nothing-listens")]})
    runtime, result = run(root)
    message = records(result, "Web")[0].error["message"]
    assert message.startswith("cannot reach http://127.0.0.1:1: ") and "Connection refused" in message
    assert "HTTPConnectionPool" not in message
    assert runtime.transport.requests_by_host() == {"127.0.0.1": {"no reply": 1}}


def test_a_refused_request_is_not_retried(tmp_path):
    """The sandbox's refusal cannot change on retry, so the run fails at once instead of after every interval."""
    activity = web("https://kv.vault.azure.net/secrets/x?api-version=7.4")
    activity["policy"] = {"retry": 3, "retryIntervalInSeconds": 30}
    root = write_factory(tmp_path, {"p": [activity]})
    runtime, result = run(root)
    (record,) = records(result, "Web")
    assert record.status == "Failed" and record.attempts == 1
    assert runtime.transport.requests_by_host()["kv.vault.azure.net"] == {"refused": 1}
