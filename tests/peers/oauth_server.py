"""A real OAuth 2.0 authorization server for tests, built from Authlib: rotating single-use refresh tokens."""

from __future__ import annotations

import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import trustme
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask
from werkzeug.serving import make_server


@dataclass
class Client(ClientMixin):
    """A registered client: id, secret, the auth methods and grants it may use."""

    client_id: str
    client_secret: str
    auth_methods: tuple[str, ...] = ("client_secret_basic", "client_secret_post")
    grant_types: tuple[str, ...] = ("refresh_token", "client_credentials", "password", "authorization_code")
    scope: str = "read offline_access"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return "http://127.0.0.1/callback"

    def get_allowed_scope(self, scope: str) -> str:
        return scope or self.scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return True

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in self.auth_methods

    def check_response_type(self, response_type: str) -> bool:
        return True

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


@dataclass
class Token(TokenMixin):
    """An issued token pair; `rotated_at` marks a refresh token that has been exchanged."""

    client_id: str
    access_token: str
    refresh_token: str | None
    scope: str
    expires_in: int
    issued_at: float = field(default_factory=time.time)
    rotated_at: float | None = None

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return self.rotated_at is not None


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    """A code issued at consent, with its PKCE challenge; single use."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    code_challenge: str | None = None
    code_challenge_method: str | None = None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class User:
    """A resource owner for the password grant and for tokens minted by `seed_refresh_token`."""

    username: str

    def get_user_id(self) -> str:
        return self.username


class OAuthServer:
    """HTTPS token endpoint on 127.0.0.1 with the grace period (seconds) a rotated refresh token stays usable."""

    def __init__(self, ca: trustme.CA, *, grace_seconds: float = 0.0, access_ttl: int = 1800):
        self.grace_seconds = grace_seconds
        self.clients: dict[str, Client] = {}
        self.tokens: list[Token] = []
        self.users = {"svc.user": "pa&ss"}
        self.requests: list[dict[str, Any]] = []
        self.codes: dict[str, AuthorizationCode] = {}
        self.token_overrides: list[tuple[int, dict[str, Any]]] = []  # scripted replies for the next token POSTs
        self.require_pkce = True
        self._lock = threading.Lock()
        app = Flask("oauth-test-server")
        app.config.update(OAUTH2_REFRESH_TOKEN_GENERATOR=True,
                          OAUTH2_TOKEN_EXPIRES_IN={"refresh_token": access_ttl, "client_credentials": access_ttl,
                                                   "password": access_ttl, "authorization_code": access_ttl})
        server = AuthorizationServer(app, query_client=self.clients.get, save_token=self._save_token)
        methods = ["client_secret_basic", "client_secret_post"]
        for grant in (_refresh_grant(self), _password_grant(self), grants.ClientCredentialsGrant):
            grant.TOKEN_ENDPOINT_AUTH_METHODS = methods
            server.register_grant(grant)
        code_grant = _code_grant(self)
        code_grant.TOKEN_ENDPOINT_AUTH_METHODS = methods
        server.register_grant(code_grant, [_Pkce(self)])

        @app.post("/token")
        def token() -> Any:
            from flask import jsonify, request

            self.requests.append({"form": dict(request.form), "authorization": request.headers.get("Authorization")})
            if self.token_overrides:
                status, body = self.token_overrides.pop(0)
                return jsonify(body), status
            return server.create_token_response()

        @app.get("/authorize")
        def authorize_page() -> Any:
            """The consent page a browser shows: a form the test (playing the user) posts back."""
            from flask import request

            try:
                server.get_consent_grant(end_user=None)
            except Exception as exc:  # noqa: BLE001 - Authlib's OAuth2Error: shown as the page, as providers do
                return f"invalid authorization request: {getattr(exc, 'error', exc)}", 400
            return (f"<form method='post' action='/authorize?{request.query_string.decode()}'>"
                    "<input name='username'><button name='decision' value='allow'>Allow</button>"
                    "<button name='decision' value='deny'>Deny</button></form>")

        @app.post("/authorize")
        def authorize_decision() -> Any:
            from flask import request

            user = request.form.get("username")
            allowed = request.form.get("decision") == "allow" and user
            return server.create_authorization_response(grant_user=User(user) if allowed else None)

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=context)
        self.token_url = f"https://127.0.0.1:{self._server.server_port}/token"
        self.authorize_url = f"https://127.0.0.1:{self._server.server_port}/authorize"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def add_client(self, client_id: str, client_secret: str, **kwargs: Any) -> Client:
        """Register a client."""
        self.clients[client_id] = Client(client_id, client_secret, **kwargs)
        return self.clients[client_id]

    def seed_refresh_token(self, client_id: str) -> str:
        """A refresh token as the one-time user consent would have issued it."""
        value = secrets.token_urlsafe(24)
        self.tokens.append(Token(client_id, secrets.token_urlsafe(24), value, "read offline_access", 1800))
        return value

    def find(self, refresh_token: str) -> Token | None:
        """The token record holding `refresh_token`."""
        return next((t for t in self.tokens if t.refresh_token == refresh_token), None)

    def answer_next_token(self, status: int, body: dict[str, Any]) -> None:
        """Answer the next token POST with this reply instead (e.g. an error with HTTP 200)."""
        self.token_overrides.append((status, body))

    def _save_token(self, token: dict, request: Any) -> None:
        with self._lock:
            self.tokens.append(Token(request.client.client_id, token["access_token"], token.get("refresh_token"),
                                     token.get("scope", ""), token.get("expires_in", 0)))

    def stop(self) -> None:
        """Shut the server down."""
        self._server.shutdown()
        self._thread.join(timeout=5)


def _refresh_grant(server: OAuthServer) -> type:
    class RotatingRefreshTokenGrant(grants.RefreshTokenGrant):
        INCLUDE_NEW_REFRESH_TOKEN = True  # rotate on every refresh, as Xero does

        def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
            token = server.find(refresh_token)
            if token is None:
                return None
            if token.rotated_at is not None and time.time() - token.rotated_at > server.grace_seconds:
                return None  # single use: a rotated token is refused once its grace period is over
            return token

        def authenticate_user(self, refresh_token: Token) -> User:
            return User("consenting-user")

        def revoke_old_credential(self, refresh_token: Token) -> None:
            if refresh_token.rotated_at is None:
                refresh_token.rotated_at = time.time()

    return RotatingRefreshTokenGrant


def _password_grant(server: OAuthServer) -> type:
    class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
        def authenticate_user(self, username: str, password: str) -> User | None:
            expected = server.users.get(username)
            return User(username) if expected and secrets.compare_digest(expected, password) else None

    return PasswordGrant


class _Pkce(CodeChallenge):
    """PKCE: required unless the test server says otherwise; S256 only (no plain)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def __init__(self, server: OAuthServer):
        super().__init__(required=True)
        self._server = server

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        self.required = self._server.require_pkce
        super().validate_code_challenge(grant, redirect_uri)


def _code_grant(server: OAuthServer) -> type:
    class CodeGrant(grants.AuthorizationCodeGrant):
        def save_authorization_code(self, code: str, request: Any) -> None:
            data = request.payload.data
            server.codes[code] = AuthorizationCode(
                code, request.client.client_id, data.get("redirect_uri", ""), data.get("scope", ""),
                request.user.username, data.get("code_challenge"), data.get("code_challenge_method"))

        def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
            found = server.codes.get(code)
            return found if found and found.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
            server.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: AuthorizationCode) -> User:
            return User(authorization_code.user)

    return CodeGrant
