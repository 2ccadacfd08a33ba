"""SE: secrets stay out of run logs: secure input and output where they flow, no logged channel or String parameter."""

from __future__ import annotations

import re
from typing import Callable, Iterator

from adfgen.check.exprs import analyse
from adfgen.check.model import WARNING
from adfgen.check.rules.base import Context, Hit, Rule
from adfgen.check.semantics import (NO_POLICY_TYPES, Producer, Read, called_pipeline, credential_named,
                                    is_keyvault_call, is_token_call, secret_producers, secret_reads, secret_variables,
                                    secure_input, secure_output, sends_credentials)
from adfgen.check.walk import Activity, Site


SECRET_CARRIERS = {"executepipeline": ("typeProperties", "parameters"), "setvariable": ("typeProperties", "value"),
                   "appendvariable": ("typeProperties", "value")}


def _severity(producer: Producer) -> str | None:
    """The rule's own severity for a value surely secret; a warning for one that is merely kept in Key Vault."""
    return None if producer.certain else WARNING


def _secret_uses(ctx: Context, looked_at: Callable[[Site], bool]) -> Iterator[tuple[Site, list[Read]]]:
    """(site, its reads of secrets) for each site of an activity that `looked_at` accepts and that reads a secret.

    Secrets are activity outputs (semantics.secret_producers) and the variables set from them.
    """
    producers = secret_producers(ctx.pipeline)
    if not producers:
        return
    variables = secret_variables(ctx.pipeline)
    for site in ctx.sites:
        if site.activity is not None and looked_at(site):
            reads = secret_reads(site.text, producers, variables)
            if reads:
                yield site, reads


class UnsecuredSecretOutput(Rule):
    """A Web activity that returns a secret (a Key Vault read, a token call, a reply read through a credential-named
    field such as `output['secret-access-key']` or a `Set-Cookie` header) without `secureOutput`.

    Its output (the secret, the tokens) would be shown in run monitoring and kept in run history. A Key Vault
    read through MSI whose URL is built from (global) parameters or variables counts too. The message says which
    value and why it may be secret: an error for a token reply, a credential-named reply field or a Key Vault
    secret named like a credential (password, secret, token, key, ...); a warning for other Key Vault values
    (a base URL or a subscription id may sit in Key Vault too).

    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Get Secret", "type": "WebActivity", "policy": {"secureOutput": false},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/s1?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}}]}}


    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Get Licence", "type": "WebActivity",
             "typeProperties": {"method": "GET", "url": {"value": "@pipeline().globalParameters.LicenceKeyUrl", "type": "Expression"},
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
    severity_note = "warning for a Key Vault secret not named like a credential"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        producers = secret_producers(ctx.pipeline)
        for activity in ctx.pipeline.all:
            producer = producers.get(activity.name.lower())
            if producer is None or secure_output(activity):
                continue
            yield Hit(f"{activity.path}.policy.secureOutput",
                      f"'{activity.name}' returns {producer.what} without policy.secureOutput, so run logs show it",
                      severity=_severity(producer), activity=activity.name)


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

    Secrets are followed through variables, and into dataset parameters of Copy and Lookup activities (AWS
    credentials from a Web call handed to an S3 dataset). Severity as for SE001.

    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Get Key", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/api-key?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}},
            {"name": "Call API", "type": "WebActivity", "policy": {"secureInput": false},
             "dependsOn": [{"activity": "Get Key", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "GET", "url": "https://api.example.com/items",
               "headers": {"x-api-key": {"value": "@activity('Get Key').output.value", "type": "Expression"}}}}]}}


    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Get Aws", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://creds.example.com/aws"}},
            {"name": "Copy S3", "type": "Copy", "dependsOn": [{"activity": "Get Aws", "dependencyConditions": ["Succeeded"]}],
             "inputs": [{"referenceName": "ds_s3", "type": "DatasetReference", "parameters": {
               "secretAccessKey": {"value": "@activity('Get Aws').output['secret-access-key']", "type": "Expression"}}}],
             "outputs": [{"referenceName": "ds_lake", "type": "DatasetReference"}],
             "typeProperties": {"source": {"type": "BinarySource"}, "sink": {"type": "BinarySink"}}}]}}
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
    severity_note = "warning for a Key Vault secret not named like a credential"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        reported: set[int] = set()  # one finding per activity
        for site, reads in _secret_uses(ctx, lambda site: id(site.activity) not in reported
                                        and _shows_inputs(site.activity)):
            activity = site.activity
            reads = [r for r in reads
                     if r.producer.name.lower() != activity.name.lower() or r.shown.startswith("variables(")]
            if reads:
                reported.add(id(activity))
                read = reads[0]
                yield Hit.at(site, f"'{activity.name}' uses {read.shown}, {_why(read)}, without policy.secureInput, "
                                   f"so run logs show it", read.position + 1, _severity(read.producer))


def _shows_inputs(activity: Activity) -> bool:
    """An activity whose inputs run logs show (the logged channels are SE004's)."""
    return not (activity.kind in NO_POLICY_TYPES or activity.kind in SECRET_CARRIERS or secure_input(activity))


def _why(read) -> str:
    """Which value a read carries and why it may be secret."""
    if read.shown.startswith("variables("):
        return f"set from '{read.producer.name}', {read.producer.what}"
    return read.producer.what


class SecretThroughLoggedChannel(Rule):
    """A secret or token passed through Execute Pipeline parameters or Set/Append Variable, which ADF logs in clear.

    Let the pipeline that needs the secret read Key Vault itself, and use the output directly. Secrets are
    followed through variables (a variable set from a secret is one). An error when the value is surely a
    credential (a token endpoint's reply, a credential-named Key Vault secret or reply field); a warning for
    other Key Vault values, and for a Set Variable with secureInput and secureOutput (whether monitoring
    honours them there is unverified).

    Bad:
        {"pipeline/pl_x": {"variables": {"token": {"type": "String"}}, "activities": [
            {"name": "Get Token", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/access-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}},
            {"name": "Keep Token", "type": "SetVariable",
             "dependsOn": [{"activity": "Get Token", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"variableName": "token", "value": {"value": "@activity('Get Token').output.value", "type": "Expression"}}}]}}


    Bad:
        {"pipeline/pl_x": {"activities": [
            {"name": "Token", "type": "WebActivity", "policy": {"secureInput": true, "secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://login.example.com/oauth2/token",
               "body": "grant_type=client_credentials&client_id=app&client_secret=@{pipeline().parameters.S}"}},
            {"name": "Run Child", "type": "ExecutePipeline", "dependsOn": [{"activity": "Token", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"pipeline": {"referenceName": "pl_child", "type": "PipelineReference"}, "waitOnCompletion": true,
               "parameters": {"Token": {"value": "@activity('Token').output.access_token", "type": "Expression"}}}}],
            "parameters": {"S": {"type": "SecureString"}}}}
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
    severity_note = "warning for a Key Vault secret not named like a credential"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        for site, reads in _secret_uses(ctx, self._in_channel):
            activity, read = site.activity, reads[0]
            channel = "Execute Pipeline parameters" if activity.kind == "executepipeline" else "a pipeline variable"
            # Set Variable has secureInput/secureOutput in the schema; whether run monitoring honours them
            # there is unverified (shared/reference/adf-json.md), so such a finding is a warning.
            hidden = activity.kind != "executepipeline" and secure_input(activity) and secure_output(activity)
            note = " (its secureInput/secureOutput may hide it; unverified for Set Variable)" if hidden else ""
            yield Hit.at(site, f"'{activity.name}' passes {read.shown}, {_why(read)}, through {channel}, "
                               f"which ADF logs in clear{note}", read.position + 1,
                         WARNING if hidden else _severity(read.producer))

    @staticmethod
    def _in_channel(site: Site) -> bool:
        """The value an Execute Pipeline passes or a Set/Append Variable sets."""
        return site.keys[:2] == SECRET_CARRIERS.get(site.activity.kind)


class SecretStringParameter(Rule):
    """A String pipeline parameter that the pipeline uses as a credential (judged by use, not by its name).

    A credential use is a request header named like a credential (`Authorization`, `x-api-key`), a value
    written right after a credential key (`client_secret=`, `"password": `, `Bearer `), or the same in a
    child pipeline it is passed to. A parameter holding the *name* of a Key Vault secret (used in the vault
    URL) is not a secret. String parameters are logged with every run: pass the secret's name and read it
    from Key Vault in the pipeline, or make the parameter a SecureString.

    Bad:
        {"pipeline/pl_x": {"parameters": {"ApiToken": {"type": "String"}}, "activities": [
            {"name": "Call", "type": "WebActivity", "policy": {"secureInput": true},
             "typeProperties": {"method": "GET", "url": "https://api.example.com/items",
               "headers": {"Authorization": {"value": "@concat('Bearer ', pipeline().parameters.ApiToken)", "type": "Expression"}}}}]}}

    Good:
        {"pipeline/pl_x": {"parameters": {"ApiTokenSecret": {"type": "String"}}, "activities": [
            {"name": "Get Token", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET",
               "url": {"value": "@concat('https://kv1.vault.azure.net/secrets/', pipeline().parameters.ApiTokenSecret, '?api-version=7.4')", "type": "Expression"},
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}}]}}
    """

    code = "SE005"
    name = "secret-string-parameter"
    message = "String pipeline parameter used as a credential"
    severity = WARNING
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        params = ctx.properties.get("parameters")
        if not isinstance(params, dict):
            return
        strings = {name.lower(): name for name, spec in params.items()
                   if isinstance(spec, dict) and isinstance(spec.get("type"), str) and spec["type"].lower() == "string"}
        if not strings:
            return
        uses = _credential_uses(ctx)
        for lower, name in strings.items():
            if lower in uses:
                yield Hit(f"parameters.{name}", f"String parameter '{name}' is used as a credential ({uses[lower]}); ADF "
                                                f"logs parameter values in clear: make it a SecureString or read it from "
                                                f"Key Vault")


CREDENTIAL_BEFORE = re.compile(r"(client_secret|password|passwd|pwd|secret|token|api[-_]?key|apikey|bearer|basic)"
                               r"[\s'\"=:,(]{0,8}(concat\(|@\{|\+)?[\s'\",]{0,4}$", re.I)


def _credential_uses(ctx: Context) -> dict[str, str]:
    """Lower-case names of the pipeline's parameters used as credentials, each with its first such use described.

    Computed once per pipeline (children are shared by many callers); a call cycle reads as no use.
    """
    cached = ctx.memo.get("credential_uses")
    if cached is not None:
        return cached
    found: dict[str, str] = {}
    ctx.memo["credential_uses"] = found  # set first: a cycle of Execute Pipelines ends here
    for site in ctx.sites:
        if site.activity is None or "parameters" not in site.text.lower():
            continue
        refs = [r for r in analyse(site.text).refs if r.kind == "parameter" and r.name and r.name.lower() not in found]
        if not refs:
            continue
        activity = site.activity
        if activity.kind == "executepipeline" and site.keys[:2] == ("typeProperties", "parameters") and len(site.keys) > 2:
            child = _child(ctx, activity)
            inner = _credential_uses(child).get(site.keys[2].lower()) if child is not None else None
            if inner:
                for ref in refs:
                    found.setdefault(ref.name.lower(), f"passed to '{child.entry.name}', where it is {inner}")
            continue
        credential_key = next((k for k in site.keys[1:] if credential_named(k)), None)
        for ref in refs:
            start = site.text.rfind("pipeline()", 0, ref.position)
            before = site.text[max(0, start - 40):start] if start >= 0 else ""
            if credential_key and site.keys[:2] == ("typeProperties", "headers"):
                found.setdefault(ref.name.lower(), f"header '{credential_key}' of '{activity.name}'")
            elif not is_keyvault_call(activity):
                match = CREDENTIAL_BEFORE.search(before)
                if match:
                    found.setdefault(ref.name.lower(), f"after '{match.group(1)}' in '{activity.name}'")
    return found


def _child(ctx: Context, activity: Activity) -> Context | None:
    """The Context of the pipeline an Execute Pipeline runs, when the factory has it."""
    name = called_pipeline(activity)
    target = ctx.view.lookup("pipeline", name) if name is not None else None
    return ctx.view.context(target) if target is not None else None
