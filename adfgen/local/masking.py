"""Secure values: masked as ADF's monitoring masks them, and scrubbed from everything `run` prints or writes.

ADF does not show the input of a secureInput activity or the output of a secureOutput activity in monitoring;
the runtime shows such a payload as SECURE. Every secret the run sees (Key Vault values, token-endpoint tokens,
secure payloads, SecureString parameters) is also registered, and `Secrets.scrub` replaces it in any text.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

from adfgen.core.json_values import strings_in  # noqa: F401 (re-exported: the runtime's walker of strings)

SECURE = "(secure)"
_MIN_SECRET = 4  # shorter strings would mask ordinary words
_TOKEN_KEYS = ("access_token", "refresh_token", "id_token")


class Secrets:
    """The secret strings one run has seen (thread-safe)."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: Any) -> None:
        """Register a secret string, or every string inside a JSON value."""
        for text in strings_in(value):
            if len(text) >= _MIN_SECRET:
                with self._lock:
                    self._values.add(text)

    def add_token_fields(self, document: Any) -> None:
        """Register the OAuth token fields of a JSON reply."""
        if isinstance(document, dict):
            for key in _TOKEN_KEYS:
                if isinstance(document.get(key), str):
                    self.add(document[key])

    def scrub(self, text: str) -> str:
        """`text` with every registered secret replaced by ***."""
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for secret in values:
            if secret in text:
                text = text.replace(secret, "***")
                escaped = json.dumps(secret)[1:-1]
                if escaped != secret:
                    text = text.replace(escaped, "***")
        return text

    def scrub_value(self, value: Any) -> Any:
        """A JSON value with every registered secret replaced inside its strings."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self.scrub_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub_value(v) for v in value]
        return value


def shown(value: Any, secure: bool) -> Any:
    """What monitoring shows of an activity's input or output: the value, or SECURE when secure."""
    return SECURE if secure else value
