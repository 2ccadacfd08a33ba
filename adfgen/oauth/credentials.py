"""The client's id and secret (and a password grant's user): from environment variables, the store, or hidden
prompts; never from the command line, where they would land in shell history and process listings."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from adfgen.oauth.errors import AuthError
from adfgen.oauth.stores import SecretStore
from adfgen.oauth.tokens import Client
from adfgen.spec.model import Api

ENV_CLIENT_ID, ENV_CLIENT_SECRET = "ADFGEN_CLIENT_ID", "ADFGEN_CLIENT_SECRET"
ENV_USERNAME, ENV_PASSWORD = "ADFGEN_USERNAME", "ADFGEN_PASSWORD"


@dataclass(frozen=True)
class Given:
    """Credentials for this login, and those the user gave now (to be written to the store)."""

    client: Client
    to_store: dict[str, str] = field(repr=False, default_factory=dict)  # secret name -> value


def resolve(api: Api, store: SecretStore, ask: Callable[[str, bool], str] | None) -> Given:
    """Client id/secret: environment, else the store, else asked (`ask(label, hidden)`)."""
    names = api.secrets
    to_store: dict[str, str] = {}

    def one(env: str, secret_name: str | None, label: str, hidden: bool) -> str | None:
        if secret_name is None:
            return None
        value = os.environ.get(env)
        if value:
            to_store[secret_name] = value
            return value
        stored = store.get(secret_name)
        if stored is not None and stored.value:
            return stored.value
        if ask is None:
            raise AuthError(f"no {label}: set {env}, put it in {store.description} as {secret_name}, or run "
                            "interactively to be asked; nothing was written")
        value = ask(f"{api.name} {label}", hidden).strip()
        if not value:
            raise AuthError(f"no {label} given; nothing was written")
        to_store[secret_name] = value
        return value

    # a flow whose linked service takes the client id as a value (client_credentials_native) has it in the spec
    client_id = one(ENV_CLIENT_ID, names.client_id, "client id", False) or api.auth.client_id
    client_secret = one(ENV_CLIENT_SECRET, names.client_secret, "client secret", True)
    return Given(Client(client_id or "", client_secret), to_store)


def resource_owner(api: Api, ask: Callable[[str, bool], str] | None) -> tuple[str, str]:
    """The password grant's username and password: environment, else asked (the password hidden)."""
    username = os.environ.get(ENV_USERNAME) or (ask(f"{api.name} username", False).strip() if ask else "")
    password = os.environ.get(ENV_PASSWORD) or (ask(f"{api.name} password", True) if ask else "")
    if not username or not password:
        raise AuthError(f"the password flow needs a username and password: set {ENV_USERNAME} and {ENV_PASSWORD} or "
                        "run interactively to be asked (the password is not echoed); nothing was written")
    return username, password
