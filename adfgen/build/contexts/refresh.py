"""The refresh pipeline's context: read credentials, POST the token endpoint, save refresh token then access token."""

from __future__ import annotations

from typing import Any

from adfgen.build import activity_names as act
from adfgen.build import fragments as fx
from adfgen.build.contexts.common import ANNOTATIONS, CONTROLLER_FOLDER
from adfgen.spec.model import Api, FactoryConfig
from adfgen.spec.variants.auth import flow_of


REQUESTED_AT = "RequestedAt"


def token_post(api: Api) -> tuple[dict[str, Any], dict[str, str]]:
    """The token POST's headers and form body: the flow's grant fields, scope, token_params, client authentication."""
    auth, secrets = api.auth, api.secrets
    flow = flow_of(auth)
    client_id = fx.secret_value(act.read_secret("client_id"))
    client_secret = fx.secret_value(act.read_secret("client_secret"))
    fields: list[tuple[str, str | None]] = [
        (fx.form_pair(f.name, f.value), None) if f.secret_role is None else (f.name, fx.secret_value(
            act.read_secret(f.secret_role))) for f in flow.token_form(auth)]
    if auth.scopes and flow.sends_scope(auth):
        fields.append((fx.form_pair("scope", " ".join(auth.scopes)), None))
    fields += [(fx.form_pair(k, v), None) for k, v in sorted(auth.token_params.items())]
    headers: dict[str, Any] = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if flow.client_authentication(auth) == "basic" and secrets.client_secret:
        headers["Authorization"] = fx.basic_auth_header(client_id, client_secret)
    else:
        fields.append(("client_id", client_id))
        if secrets.client_secret:
            fields.append(("client_secret", client_secret))
    return headers, fx.form_body(fields)


def refresh_context(config: FactoryConfig, api: Api, name: str) -> dict[str, Any]:
    """Context for pipeline/refresh.json.jinja."""
    auth, secrets = api.auth, api.secrets
    flow = flow_of(auth)
    version = config.key_vault_api_version
    reads = [{"activity": act.read_secret(role), "secret": getattr(secrets, role)} for role in flow.secrets_read(api)]
    headers, body = token_post(api)
    token = act.output(act.REQUEST_TOKEN)
    retry_request = 1 if flow.retry_token_request(auth) else 0
    rotating = flow.rotating(auth)
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
                   "after": act.SAVE_REFRESH_TOKEN if save_refresh else act.CHECK_TOKEN_REPLY}
    wanted = ["access_token"] + (["refresh_token"] if rotating else [])
    missing = [f"empty({fx.reply_field(act.REQUEST_TOKEN, field)})" for field in wanted]
    check_reply = {
        "expression": fx.expression(missing[0] if len(missing) == 1 else f"or({', '.join(missing)})"),
        # a Fail message is logged in clear: only the provider's error code and description, nothing else
        "message": fx.expression(fx.concat(
            fx.quote_literal(f"The {api.name} token endpoint answered without {' and '.join(wanted)}; "
                             "nothing was saved. error: "),
            f"string({fx.reply_field(act.REQUEST_TOKEN, 'error')})", "'; error_description: '",
            f"string({fx.reply_field(act.REQUEST_TOKEN, 'error_description')})")),
    }
    return {
        "name": name, "api": api.name, "folder": CONTROLLER_FOLDER, "annotations": ANNOTATIONS,
        "description": f"Refreshes the {api.name} access token"
                       f"{' and rotates the refresh token' if save_refresh else ''} in Key Vault, after checking the "
                       "reply. concurrency 1: two runs must never rotate the same token at once.",
        "key_vault_url": config.key_vault_url, "vault_auth": fx.MSI_VAULT_AUTH,
        "reads": [dict(r, url=fx.key_vault_secret_url(r["secret"], version)) for r in reads],
        "token_url": fx.literal(auth.token_url), "token_headers": headers, "token_body": body,
        "retry_request": retry_request, "save_refresh": save_refresh, "save_access": save_access,
        "requested_at": REQUESTED_AT, "check_reply": check_reply,
    }
