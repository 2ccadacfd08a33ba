"""The user's consent: authorization code + PKCE (S256) + state, on a loopback redirect or by pasting the URL."""

from __future__ import annotations

import errno
import secrets
import threading
import webbrowser
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit, urlunsplit

from adfgen.oauth.errors import AuthError

DEFAULT_PORT = 8765
CALLBACK_PATH = "/callback"
DONE_PAGE = (b"<!doctype html><title>adfgen</title><p>adfgen received the answer. You can close this window and "
             b"return to the terminal.</p>")


@dataclass(frozen=True)
class Grant:
    """What came back on the redirect: the code (never shown), the redirect URI used, every other query value."""

    code: str = field(repr=False)
    redirect_uri: str
    code_verifier: str | None = field(repr=False)
    query: dict[str, str] = field(repr=False, default_factory=dict)


def redirect_uri_for(declared: str | None, port: int | None) -> str:
    """The redirect URI: the one the spec declares as registered (its port replaced by --port), else localhost.

    Port 0 means any free port (RFC 8252 §7.3 lets native apps vary a loopback redirect's port; not every
    provider allows it)."""
    if not declared:
        port = DEFAULT_PORT if port is None else port
        return f"http://localhost:{port}{CALLBACK_PATH}"
    if port is None:
        return declared
    parts = urlsplit(declared)
    return urlunsplit((parts.scheme, f"{parts.hostname}:{port}", parts.path, parts.query, ""))


def authorization_url(oauth: Any, authorize_url: str, pkce: bool) -> tuple[str, str, str | None]:
    """(URL, state, code verifier) from Authlib's client: a fresh state, and an S256 challenge when PKCE is on."""
    from authlib.common.security import generate_token

    verifier = generate_token(64) if pkce else None
    state = secrets.token_urlsafe(24)
    url, _ = oauth.create_authorization_url(authorize_url, state=state, code_verifier=verifier)
    return url, state, verifier


def on_loopback(redirect_uri: str, make_url: Callable[[str], tuple[str, str, str | None]], *, open_browser: bool,
                timeout: float, say: Callable[[str], None]) -> Grant:
    """Listen on the redirect URI's loopback port, open (or print) the URL, and wait for the redirect.

    `make_url(redirect_uri)` gives (URL, state, verifier) once the port is known (port 0: any free port)."""
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise AuthError(f"the redirect URI {redirect_uri} is not a loopback address; use --paste for providers that "
                        "accept only public https redirect URIs")
    host = "::1" if parts.hostname == "::1" else "127.0.0.1"
    received: dict[str, dict[str, str]] = {}
    arrived = threading.Event()
    port = 80 if parts.port is None else parts.port
    server = _listen(host, port, parts.path or "/", received, arrived)
    if port == 0:
        shown_host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
        redirect_uri = urlunsplit((parts.scheme, f"{shown_host}:{server.server_port}", parts.path, "", ""))
    url, state, verifier = make_url(redirect_uri)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        say(f"Waiting up to {int(timeout)} s for the provider to redirect to {redirect_uri}")
        if open_browser:
            say("Opening the browser; if it does not open, visit this URL:")
        else:
            say("Open this URL in a browser (on any machine that can reach this port):")
        say(url)
        if open_browser:
            webbrowser.open(url)
        if not arrived.wait(timeout):
            raise AuthError(f"no redirect arrived within {int(timeout)} s; run `adfgen auth login` again (raise "
                            "--timeout if consent takes longer, or use --paste when the browser cannot reach "
                            f"{redirect_uri}); nothing was written")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    return check_redirect(received["query"], state, verifier, redirect_uri)


def by_paste(url: str, state: str, verifier: str | None, redirect_uri: str, *, read_line: Callable[[str], str],
             say: Callable[[str], None]) -> Grant:
    """Print the URL; the user consents and pastes the URL the browser landed on (its query holds the code)."""
    say("Open this URL in a browser, consent, then paste the whole URL the browser landed on (it starts with "
        f"{redirect_uri}; the page itself may fail to load):")
    say(url)
    pasted = read_line("Redirected URL (not echoed)").strip()
    parts = urlsplit(pasted)
    if not parts.query:
        raise AuthError("the pasted text has no query (?code=...&state=...); copy the whole address from the "
                        "browser's address bar; nothing was written")
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return check_redirect(query, state, verifier, redirect_uri)


def check_redirect(query: dict[str, str], state: str, verifier: str | None, redirect_uri: str) -> Grant:
    """The provider's error, a state mismatch or a missing code stop here, before any token request."""
    if query.get("error"):
        advice = ("approve the access when the provider asks, or ask an administrator to allow the app"
                  if query["error"] == "access_denied" else "check the app registration and the spec's auth settings")
        raise AuthError(f"the provider answered error: {query['error'][:100]}; error_description: "
                        f"{query.get('error_description', '(none)')[:300]}. {advice}, then run `adfgen auth login` "
                        "again; nothing was written")
    if not secrets.compare_digest(query.get("state", ""), state):
        raise AuthError("the redirect's state does not match the one this login sent: it may come from another "
                        "login or a forged link; run `adfgen auth login` again; nothing was written")
    if not query.get("code"):
        raise AuthError("the redirect carries no authorization code; run `adfgen auth login` again; nothing was "
                        "written")
    rest = {k: v for k, v in query.items() if k not in ("code", "state")}
    return Grant(query["code"], redirect_uri, verifier, rest)


def _listen(host: str, port: int, path: str, received: dict, arrived: threading.Event) -> HTTPServer:
    class Callback(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # the query holds the code: never logged
            pass

        def do_GET(self) -> None:
            target = urlsplit(self.path)
            if target.path != path or arrived.is_set():
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            received["query"] = {k: v[-1] for k, v in parse_qs(target.query, keep_blank_values=True).items()}
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(DONE_PAGE)))
            self.end_headers()
            self.wfile.write(DONE_PAGE)
            arrived.set()

    server_class = HTTPServer
    if host == "::1":
        import socket

        server_class = type("HTTPServer6", (HTTPServer,), {"address_family": socket.AF_INET6})
    try:
        return server_class((host, port), Callback)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise AuthError(f"cannot listen on {host}:{port} for the redirect ({exc.strerror}); stop the program "
                            "that holds the port, or pass --port N and register http://localhost:N/callback with "
                            "the provider; nothing was written") from None
        raise AuthError(f"cannot listen on {host}:{port} for the redirect ({exc.strerror})") from None
