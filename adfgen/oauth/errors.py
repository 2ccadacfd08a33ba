"""The errors `adfgen auth` raises: each names what to do and never carries a token or secret value."""

from __future__ import annotations

from adfgen.core.errors import AdfgenError


class AuthError(AdfgenError):
    """A login, refresh or store failure the user can act on (exit 1); nothing was written unless it says so."""

    exit_code = 1




NEAR_EXPIRY_EXIT = 3
CONSENT_GONE_EXIT = 4
