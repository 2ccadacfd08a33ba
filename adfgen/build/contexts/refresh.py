"""The refresh pipeline's context: read credentials, POST the token endpoint, save refresh token then access token."""

from __future__ import annotations

from typing import Any

from adfgen.build import fragments as fx
from adfgen.build.contexts.common import ANNOTATIONS, CONTROLLER_FOLDER
from adfgen.spec.model import Api, FactoryConfig


REQUESTED_AT = "RequestedAt"
CHECK_REPLY = "Check Token Reply"


def _read_secret(activity: str, secret: str) -> dict[str, str]:
    return {"activity": activity, "secret": secret}



def refresh_context(config: FactoryConfig, api: Api, name: str) -> dict[str, Any]:
    """Context for pipeline/refresh.json.jinja."""
    auth, secrets = api.auth, api.secrets
    version = config.key_vault_api_version
    reads = [_read_secret("Get Client Id", secrets.client_id)]
    if secrets.client_secret:
        reads.append(_read_secret("Get Client Secret", secrets.client_secret))
    if auth.flow == "authorization_code":
        reads.append(_read_secret("Get Refresh Token", secrets.refresh_token))
    if auth.flow == "password":
        reads += [_read_secret("Get Username", secrets.username), _read_secret("Get Password", secrets.password)]
    client_id, client_secret = fx.secret_value("Get Client Id"), fx.secret_value("Get Client Secret")

    fields: list[tuple[str, str | None]] = []
    if auth.flow == "authorization_code":
        fields += [("grant_type=refresh_token", None), ("refresh_token", fx.secret_value("Get Refresh Token"))]
    elif auth.flow == "client_credentials":
        fields.append(("grant_type=client_credentials", None))
    else:
        fields += [("grant_type=password", None), ("username", fx.secret_value("Get Username")),
                   ("password", fx.secret_value("Get Password"))]
    if auth.scopes and auth.flow != "authorization_code":
        fields.append((fx.form_pair("scope", " ".join(auth.scopes)), None))
    fields += [(fx.form_pair(k, v), None) for k, v in sorted(auth.token_params.items())]
    headers: dict[str, Any] = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if auth.client_auth == "basic" and secrets.client_secret:
        headers["Authorization"] = fx.basic_auth_header(client_id, client_secret)
    else:
        fields.append(("client_id", client_id))
        if secrets.client_secret:
            fields.append(("client_secret", client_secret))

    token = "activity('Request Token').output"
    # A retried POST re-sends the old refresh token: safe only where the API accepts it again for a while
    retry_request = 1 if (not auth.rotating_refresh_tokens or auth.refresh_token_reuse_grace > 0
                          or auth.flow != "authorization_code") else 0
    rotating = auth.flow == "authorization_code" and auth.rotating_refresh_tokens
    save_refresh = None
    if rotating:
        # the reply was checked for a refresh_token before anything is saved: never re-save the old one
        save_refresh = {"url": fx.key_vault_secret_url(secrets.refresh_token, version),
                        "body": fx.secret_put_body(f"{token}.refresh_token")}
    # expiry counts from before the POST (not after the save retries), so it is never later than the real one
    requested_at = f"div(sub(ticks(variables('{REQUESTED_AT}')), ticks('1970-01-01T00:00:00Z')), 10000000)"
    expires_at = f"add({requested_at}, int(coalesce({token}?.expires_in, {auth.access_token_lifetime})))"
    save_access = {"url": fx.key_vault_secret_url(secrets.access_token, version),
                   "body": fx.secret_put_body(f"{token}.access_token", expires_at),
                   "after": "Save Refresh Token" if save_refresh else CHECK_REPLY}
    wanted = ["access_token"] + (["refresh_token"] if rotating else [])
    missing = [f"empty({fx.reply_field('Request Token', field)})" for field in wanted]
    check_reply = {
        "expression": fx.expression(missing[0] if len(missing) == 1 else f"or({', '.join(missing)})"),
        # a Fail message is logged in clear: only the provider's error code and description, nothing else
        "message": fx.expression(fx.concat(
            fx.quote_literal(f"The {api.name} token endpoint answered without {' and '.join(wanted)}; "
                             "nothing was saved. error: "),
            f"string({fx.reply_field('Request Token', 'error')})", "'; error_description: '",
            f"string({fx.reply_field('Request Token', 'error_description')})")),
    }
    return {
        "name": name, "api": api.name, "folder": CONTROLLER_FOLDER, "annotations": ANNOTATIONS,
        "description": f"Refreshes the {api.name} access token"
                       f"{' and rotates the refresh token' if save_refresh else ''} in Key Vault, after checking the "
                       "reply. concurrency 1: two runs must never rotate the same token at once.",
        "key_vault_url": config.key_vault_url, "vault_auth": fx.MSI_VAULT_AUTH,
        "reads": [dict(r, url=fx.key_vault_secret_url(r["secret"], version)) for r in reads],
        "token_url": fx.literal(auth.token_url), "token_headers": headers, "token_body": fx.form_body(fields),
        "retry_request": retry_request, "save_refresh": save_refresh, "save_access": save_access,
        "requested_at": REQUESTED_AT, "check_reply": check_reply,
    }
