"""The errors `adfgen auth` raises: each names what to do and never carries a token or secret value."""

from __future__ import annotations

from adfgen.core.errors import AdfgenError


class AuthError(AdfgenError):
    """A login, refresh or store failure the user can act on (exit 1); nothing was written unless it says so."""

    exit_code = 1


class ConsentProblem(AuthError):
    """`auth status`: consent is near its end (exit 3) or gone (exit 4), so that CI can alert."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


NEAR_EXPIRY_EXIT = 3
CONSENT_GONE_EXIT = 4
