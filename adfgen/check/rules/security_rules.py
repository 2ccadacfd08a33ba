"""SE: secrets stay out of run logs, Git and URLs."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Iterator

from adfgen.check.model import WARNING
from adfgen.check.paths import join_key
from adfgen.check.rules.base import Context, Hit, Rule
from adfgen.check.semantics import (NO_POLICY_TYPES, is_keyvault_call, is_keyvault_read, is_token_call,
                                    secret_producers, secret_reads, secure_input, secure_output,
                                    sends_credentials, url_of)
from adfgen.check.walk import ARM_EXPRESSION

JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
BEARER = re.compile(r"\bBearer\s+([A-Za-z0-9\-._~+/]{16,}=*)")
BASIC = re.compile(r"\bBasic\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])")
CLIENT_SECRET = re.compile(r"\bclient_secret=([^&\s'\"@{}]+)", re.I)
CONNECTION_KEY = re.compile(r"(?:^|;)\s*(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)\s*=\s*([^;'\"]+)", re.I)
SAS_SIGNATURE = re.compile(r"[?&]sig=([A-Za-z0-9%+/=]{16,})")
QUICK_SECRET = re.compile(r"eyJ|Bearer|Basic|client_secret|AccountKey|SharedAccess|Password|Pwd|sig=", re.I)
SECRET_KEYS = frozenset({"client_secret", "clientsecret", "password", "refresh_token", "access_token", "apikey",
                         "api_key", "accountkey", "sastoken"})
PLACEHOLDER_WORDS = re.compile(r"your|placeholder|changeme|change_me|example|dummy|redacted|replace|todo|sample|"
                               r"secret|password|xxx|\*\*\*|<|>|\{\{|\$\{|%[A-Za-z_]+%", re.I)
SECRET_PARAMETER = re.compile(r"(password|passwd|pwd|secret|token|api_?key|access_?key|account_?key|sas)", re.I)
NOT_A_SECRET_SUFFIX = re.compile(r"(name|names|url|uri|endpoint|id|path|expiry|expiration|expires|type|version|"
                                 r"scope|header|vault|kv|length|ttl|time)$", re.I)
KEYVAULT_PREFIX = re.compile(r"^(kv|akv|keyvault|key_vault)[_-]?", re.I)  # the name of a Key Vault secret
SECRET_CARRIERS = {"executepipeline": ("typeProperties", "parameters"), "setvariable": ("typeProperties", "value"),
                   "appendvariable": ("typeProperties", "value")}


def is_placeholder(value: str) -> bool:
    """True for values that are obviously not a real secret (masks, templates, expressions, sample words)."""
    stripped = value.strip()
    if not stripped or len(stripped) < 6 or stripped.startswith("@") or ARM_EXPRESSION.match(stripped):
        return True
    if set(stripped) <= set("*xX.-_# "):
        return True
    return bool(PLACEHOLDER_WORDS.search(stripped))


def _basic_credentials(token: str) -> bool:
    try:
        decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    user, sep, password = decoded.partition(":")
    return bool(sep and user and password and decoded.isprintable())


def literal_secrets(text: str) -> list[tuple[str, int]]:
    """(what, position) for each literal secret in a string."""
    found = []
    for match in JWT.finditer(text):
        found.append(("a JWT", match.start()))
    for match in BEARER.finditer(text):
        if not is_placeholder(match.group(1)) and not JWT.match(match.group(1)):
            found.append(("a literal Bearer token", match.start()))
    for match in BASIC.finditer(text):
        if _basic_credentials(match.group(1)):
            found.append(("literal Basic credentials", match.start()))
    for match in CLIENT_SECRET.finditer(text):
        if not is_placeholder(match.group(1)):
            found.append(("a literal client_secret", match.start()))
    for match in CONNECTION_KEY.finditer(text):
        if not is_placeholder(match.group(2)):
            found.append((f"a connection string with a literal {match.group(1)}", match.start()))
    for match in SAS_SIGNATURE.finditer(text):
        if not is_placeholder(match.group(1)):
            found.append(("a SAS signature", match.start()))
    return found


def _activity_of_path(path: str) -> str | None:
    marker = path.rfind(' "')
    end = path.find('")', marker)
    return path[marker + 2:end] if marker >= 0 and end > marker else None


class UnsecuredSecretOutput(Rule):
    """A Web activity that reads a Key Vault secret or calls a token endpoint without `secureOutput`.

    Its output (the secret, the tokens) would be shown in run monitoring and kept in run history.

    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Get Secret", "type": "WebActivity", "policy": {"secureOutput": false},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/s1?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}}]}}

    Good:
        {"pipeline/pl_x": {"activities": [
            {"name": "Get Secret", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/s1?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}}]}}
    """

    code = "SE001"
    name = "unsecured-secret-output"
    message = "secret-returning Web activity without secureOutput"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        for activity in ctx.pipeline.all:
            if secure_output(activity):
                continue
            if is_keyvault_read(activity):
                what = "reads a Key Vault secret"
            elif is_token_call(activity):
                what = "calls a token endpoint"
            else:
                continue
            yield Hit(f"{activity.path}.policy.secureOutput",
                      f"'{activity.name}' {what} but policy.secureOutput is not true, so run logs show the secret",
                      activity=activity.name)


class UnsecuredCredentialInput(Rule):
    """A token-endpoint call that sends credentials (client secret, refresh token, password, Authorization) without `secureInput`.

    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Token", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://login.example.com/oauth2/token",
               "body": "grant_type=client_credentials&client_id=app&client_secret=@{pipeline().parameters.S}"}}],
            "parameters": {"S": {"type": "SecureString"}}}}

    Good:
        {"pipeline/pl_x": {"activities": [
            {"name": "Token", "type": "WebActivity", "policy": {"secureOutput": true, "secureInput": true},
             "typeProperties": {"method": "POST", "url": "https://login.example.com/oauth2/token",
               "body": "grant_type=client_credentials&client_id=app&client_secret=@{pipeline().parameters.S}"}}],
            "parameters": {"S": {"type": "SecureString"}}}}
    """

    code = "SE002"
    name = "unsecured-credential-input"
    message = "token call sends credentials without secureInput"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        for activity in ctx.pipeline.all:
            if is_token_call(activity) and sends_credentials(activity) and not secure_input(activity):
                yield Hit(f"{activity.path}.policy.secureInput",
                          f"'{activity.name}' sends credentials to a token endpoint but policy.secureInput is not true",
                          activity=activity.name)


class UnsecuredSecretConsumer(Rule):
    """An activity that uses a secret output (Key Vault `output.value`, a token) without `secureInput`.

    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Get Key", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/api-key?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}},
            {"name": "Call API", "type": "WebActivity", "policy": {"secureInput": false},
             "dependsOn": [{"activity": "Get Key", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "GET", "url": "https://api.example.com/items",
               "headers": {"x-api-key": {"value": "@activity('Get Key').output.value", "type": "Expression"}}}}]}}

    Good:
        {"pipeline/pl_x": {"activities": [
            {"name": "Get Key", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/api-key?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}},
            {"name": "Call API", "type": "WebActivity", "policy": {"secureInput": true},
             "dependsOn": [{"activity": "Get Key", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "GET", "url": "https://api.example.com/items",
               "headers": {"x-api-key": {"value": "@activity('Get Key').output.value", "type": "Expression"}}}}]}}
    """

    code = "SE003"
    name = "unsecured-secret-consumer"
    message = "secret used by an activity without secureInput"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        producers = secret_producers(ctx.pipeline)
        if not producers:
            return
        reported: set[int] = set()
        for site in ctx.sites:
            activity = site.activity
            if (activity is None or id(activity) in reported or activity.kind in NO_POLICY_TYPES
                    or activity.kind in SECRET_CARRIERS or secure_input(activity)):
                continue
            reads = [r for r in secret_reads(site.text, producers) if r[0].lower() != activity.name.lower()]
            if reads:
                reported.add(id(activity))
                producer, position, field = reads[0]
                yield Hit(site.path, f"'{activity.name}' uses activity('{producer}').{field if field == 'output' else 'output.' + field} "
                                     f"but policy.secureInput is not true, so run logs show the secret",
                          position + 1, activity=activity.name)


class SecretThroughLoggedChannel(Rule):
    """A secret or token passed through Execute Pipeline parameters or Set/Append Variable, which ADF logs in clear.

    Let the pipeline that needs the secret read Key Vault itself, and use the output directly.

    Bad:
        {"pipeline/pl_x": {"variables": {"token": {"type": "String"}}, "activities": [
            {"name": "Get Token", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/access-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}},
            {"name": "Keep Token", "type": "SetVariable", "policy": {"secureInput": true, "secureOutput": true},
             "dependsOn": [{"activity": "Get Token", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"variableName": "token", "value": {"value": "@activity('Get Token').output.value", "type": "Expression"}}}]}}

    Good:
        {"pipeline/pl_x": {"variables": {"expires": {"type": "String"}}, "activities": [
            {"name": "Get Token", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/access-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}},
            {"name": "Keep Expiry", "type": "SetVariable",
             "dependsOn": [{"activity": "Get Token", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"variableName": "expires", "value": {"value": "@string(activity('Get Token').output.attributes.exp)", "type": "Expression"}}}]}}
    """

    code = "SE004"
    name = "secret-through-logged-channel"
    message = "secret passed through Execute Pipeline parameters or a variable"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        producers = secret_producers(ctx.pipeline)
        if not producers:
            return
        for site in ctx.sites:
            activity = site.activity
            if activity is None or activity.kind not in SECRET_CARRIERS:
                continue
            if site.keys[:2] != SECRET_CARRIERS[activity.kind]:
                continue
            reads = secret_reads(site.text, producers)
            if reads:
                producer, position, _ = reads[0]
                channel = "Execute Pipeline parameters" if activity.kind == "executepipeline" else "a pipeline variable"
                yield Hit(site.path, f"'{activity.name}' passes the secret from activity('{producer}') through "
                                     f"{channel}, which ADF logs in clear", position + 1, activity=activity.name)


class SecretStringParameter(Rule):
    """A pipeline parameter of type String whose name says it carries a secret (password, token, key, ...).

    String parameters are logged with every run; pass the name of a Key Vault secret instead and read it
    in the pipeline.

    Bad:
        {"pipeline/pl_x": {"parameters": {"ApiToken": {"type": "String"}}, "activities": []}}

    Good:
        {"pipeline/pl_x": {"parameters": {"ApiTokenSecretName": {"type": "String"}}, "activities": []}}
    """

    code = "SE005"
    name = "secret-string-parameter"
    message = "secret-like String pipeline parameter"
    severity = WARNING
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        params = ctx.properties.get("parameters")
        if not isinstance(params, dict):
            return
        for name, spec in params.items():
            kind = spec.get("type") if isinstance(spec, dict) else None
            if not (isinstance(kind, str) and kind.lower() == "string"):
                continue
            if SECRET_PARAMETER.search(name) and not NOT_A_SECRET_SUFFIX.search(name) and not KEYVAULT_PREFIX.match(name):
                yield Hit(f"parameters.{name}", f"String parameter '{name}' looks like a secret; ADF logs parameter "
                                                f"values in clear (read it from Key Vault inside the pipeline)")


class LiteralSecret(Rule):
    """A literal secret in the JSON: a JWT, `Bearer`/`Basic` with a literal value, `client_secret=` with a literal,
    a connection string with a key or password, a SAS signature, or an inline SecureString value.

    Placeholders (`**********`, `<secret>`, `{{...}}`, expressions) are not reported.

    Bad:
        {"linkedService/ls_blob": {"type": "AzureBlobStorage", "typeProperties": {
            "connectionString": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=q8ZbGQ7u0bN3k1vYt2Lw9sXcRf4HdJmPa6Ee5TgUy1Ko0iNl3Bv7Cx2Mz9Aq8Ws4Ed6Rf1Tg5Yh3Uj7Ik0Ol2Pp==;EndpointSuffix=core.windows.net"}}}

    Good:
        {"linkedService/ls_kv": {"type": "AzureKeyVault", "typeProperties": {"baseUrl": "https://kv1.vault.azure.net/"}},
         "linkedService/ls_blob": {"type": "AzureBlobStorage", "typeProperties": {
            "connectionString": {"type": "AzureKeyVaultSecret", "store": {"referenceName": "ls_kv", "type": "LinkedServiceReference"}, "secretName": "blob-connection-string"}}}}
    """

    code = "SE006"
    name = "literal-secret"
    message = "literal secret in the resource"

    def check(self, ctx: Context) -> Iterator[Hit]:
        tree = ctx.tree
        for index, obj in tree.dicts:
            if obj.get("type") == "SecureString" and isinstance(obj.get("value"), str) and not is_placeholder(obj["value"]):
                path = join_key(tree.path(index), "value")
                yield Hit(path, "inline SecureString value: store it in Key Vault and use an AzureKeyVaultSecret reference",
                          activity=_activity_of_path(path))
        for index, member, key, text in tree.strings:
            key = str(key)
            if key.lower() in SECRET_KEYS and not is_placeholder(text):
                path = tree.path(index, member)
                yield Hit(path, f"literal value for '{key}': read it from Key Vault instead", activity=_activity_of_path(path))
                continue
            if not QUICK_SECRET.search(text):
                continue
            for what, position in literal_secrets(text):
                path = tree.path(index, member)
                yield Hit(path, f"{what} in the JSON: read it from Key Vault instead", position + 1,
                          activity=_activity_of_path(path))


class KeyVaultWithoutApiVersion(Rule):
    """A Web activity calling Key Vault without `api-version` in the URL; Key Vault rejects the request.

    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Get Secret", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/s1",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}}]}}

    Good:
        {"pipeline/pl_x": {"activities": [
            {"name": "Get Secret", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/s1?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}}]}}
    """

    code = "SE007"
    name = "keyvault-without-api-version"
    message = "Key Vault URL without api-version"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        for activity in ctx.pipeline.all:
            if not is_keyvault_call(activity):
                continue
            url = url_of(activity)
            lowered = url.lower()
            if ("vault." in lowered or "secrets" in lowered) and "api-version" not in lowered:
                yield Hit(f"{activity.path}.typeProperties.url",
                          f"'{activity.name}' calls Key Vault without ?api-version=... (e.g. 7.4)", activity=activity.name)
