"""DS: patterns that lose data or tokens silently: no started keep-alive, a token reply saved unchecked."""

from __future__ import annotations

from typing import Iterator

from adfgen.check.exprs import analyse
from adfgen.check.model import WARNING
from adfgen.check.rules.base import Context, FactoryView, Hit, Rule
from adfgen.check.semantics import body_text, is_keyvault_write, is_refresh_grant, is_token_call, text_of
from adfgen.check.walk import Activity


def _runs(view: FactoryView) -> dict[str, set[str]]:
    """Lower-case pipeline name -> the pipelines it runs through Execute Pipeline (directly)."""
    calls: dict[str, set[str]] = {}
    for name, entry in view.by_kind["pipeline"].items():
        found = calls.setdefault(name.lower(), set())
        for activity in view.context(entry).pipeline.all:
            ref = activity.type_properties.get("pipeline")
            if activity.kind == "executepipeline" and isinstance(ref, dict) and isinstance(ref.get("referenceName"), str):
                found.add(ref["referenceName"].lower())
    return calls


def _reachable(start: str, calls: dict[str, set[str]]) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(calls.get(name, ()))
    return seen


class RefreshWithoutStartedKeepAlive(Rule):
    """A pipeline that redeems a refresh token, with no trigger whose `runtimeState` is a literal `"Started"` running it.

    Refresh tokens expire when unused (Xero: 60 days). Deploying an ARM template never starts a trigger
    (`runtimeState` is read-only in ARM), and Microsoft's pre/post-deployment script starts only triggers whose
    template says `"Started"`; a keep-alive that is not started lets the token lapse and a person must consent again.

    Bad:
        {"pipeline/pl_refresh": {"concurrency": 1, "activities": [
            {"name": "Refresh", "type": "WebActivity", "policy": {"secureInput": true, "secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://identity.example.com/connect/token", "body": "grant_type=refresh_token&refresh_token=x"}}]},
         "trigger/tr_keepalive": {"type": "ScheduleTrigger", "runtimeState": "Stopped",
            "pipelines": [{"pipelineReference": {"referenceName": "pl_refresh", "type": "PipelineReference"}}],
            "typeProperties": {"recurrence": {"frequency": "Day", "interval": 7, "startTime": "2024-01-01T03:00:00Z", "timeZone": "UTC"}}}}

    Good:
        {"pipeline/pl_refresh": {"concurrency": 1, "activities": [
            {"name": "Refresh", "type": "WebActivity", "policy": {"secureInput": true, "secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://identity.example.com/connect/token", "body": "grant_type=refresh_token&refresh_token=x"}}]},
         "trigger/tr_keepalive": {"type": "ScheduleTrigger", "runtimeState": "Started",
            "pipelines": [{"pipelineReference": {"referenceName": "pl_refresh", "type": "PipelineReference"}}],
            "typeProperties": {"recurrence": {"frequency": "Day", "interval": 7, "startTime": "2024-01-01T03:00:00Z", "timeZone": "UTC"}}}}
    """

    code = "DS001"
    name = "refresh-without-started-keep-alive"
    message = "refresh token may expire unused: no started trigger runs its refresh"
    severity = WARNING
    kinds = ("pipeline",)
    factory_wide = True

    def check_factory(self, view: FactoryView) -> Iterator[Hit]:
        calls = _runs(view)
        kept_alive: set[str] = set()
        for entry in view.by_kind["trigger"].values():
            if entry.properties.get("runtimeState") != "Started":
                continue
            for item in entry.properties.get("pipelines") or []:
                ref = item.get("pipelineReference") if isinstance(item, dict) else None
                if isinstance(ref, dict) and isinstance(ref.get("referenceName"), str):
                    kept_alive |= _reachable(ref["referenceName"].lower(), calls)
        for name, entry in view.by_kind["pipeline"].items():
            refresh = next((a for a in view.context(entry).pipeline.all if is_refresh_grant(a)), None)
            if refresh is None or name.lower() in kept_alive:
                continue
            yield Hit(refresh.path, f"'{refresh.name}' redeems a refresh token, but no trigger with runtimeState "
                                    "\"Started\" runs this pipeline: an unused refresh token expires, and an ARM "
                                    "deployment starts only triggers whose template says \"Started\"",
                      activity=refresh.name, entry=entry)


def _checked_by(pipeline_activities: list[Activity], call: Activity) -> list[Activity]:
    """If/Switch activities that read `call`'s output and can fail the run (a Fail inside)."""
    found = []
    for activity in pipeline_activities:
        if activity.kind not in ("ifcondition", "switch"):
            continue
        condition = activity.type_properties.get("expression" if activity.kind == "ifcondition" else "on")
        reads = {ref.name.lower() for ref in analyse(text_of(condition)).refs if ref.kind == "activity" and ref.name}
        if call.name.lower() in reads and any(d.kind == "fail" for d in activity.descendants()):
            found.append(activity)
    return found


class TokenReplySavedUnchecked(Rule):
    """A Key Vault write of a token endpoint's reply with no check of that reply upstream (an If with a Fail).

    Some providers answer an error with HTTP 200 (`{"error": "invalid_code"}`): the write then stores an empty or
    stale value, or fails with an expression error that hides the provider's message. Check that the reply has
    `access_token` (and `refresh_token` where tokens rotate) and fail with its `error` and `error_description`.

    Bad:
        {"pipeline/pl_refresh": {"concurrency": 1, "activities": [
            {"name": "Refresh", "type": "WebActivity", "policy": {"secureInput": true, "secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://identity.example.com/connect/token", "body": "grant_type=client_credentials"}},
            {"name": "Save Access", "type": "WebActivity", "policy": {"retry": 3, "secureInput": true, "secureOutput": true},
             "dependsOn": [{"activity": "Refresh", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "PUT", "url": "https://kv1.vault.azure.net/secrets/access-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"},
               "body": {"value": "{\\"value\\": \\"@{activity('Refresh').output.access_token}\\"}", "type": "Expression"}}}]}}

    Good:
        {"pipeline/pl_refresh": {"concurrency": 1, "activities": [
            {"name": "Refresh", "type": "WebActivity", "policy": {"secureInput": true, "secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://identity.example.com/connect/token", "body": "grant_type=client_credentials"}},
            {"name": "Check Reply", "type": "IfCondition",
             "dependsOn": [{"activity": "Refresh", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"expression": {"value": "@not(contains(activity('Refresh').output, 'access_token'))", "type": "Expression"},
               "ifTrueActivities": [{"name": "Refused", "type": "Fail", "typeProperties": {"message": "no access_token", "errorCode": "TokenReplyRefused"}}]}},
            {"name": "Save Access", "type": "WebActivity", "policy": {"retry": 3, "secureInput": true, "secureOutput": true},
             "dependsOn": [{"activity": "Check Reply", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "PUT", "url": "https://kv1.vault.azure.net/secrets/access-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"},
               "body": {"value": "{\\"value\\": \\"@{activity('Refresh').output.access_token}\\"}", "type": "Expression"}}}]}}
    """

    code = "DS002"
    name = "token-reply-saved-unchecked"
    message = "token reply saved without checking it"
    severity = WARNING  # providers that always answer errors with a 4xx are safe without the check
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        calls = {a.name.lower(): a for a in ctx.pipeline.all if is_token_call(a)}
        if not calls:
            return
        for write in ctx.pipeline.all:
            if not is_keyvault_write(write):
                continue
            reads = {ref.name.lower() for ref in analyse(body_text(write)).refs if ref.kind == "activity" and ref.name}
            upstream = ctx.pipeline.upstream(write)
            for name in sorted(reads & set(calls)):
                checks = [c for c in _checked_by(ctx.pipeline.all, calls[name]) if c.name.lower() in upstream]
                if not checks:
                    yield Hit(f"{write.path}.dependsOn", f"'{write.name}' saves the reply of '{calls[name].name}' "
                                                         "without an upstream check that fails when it lacks a token",
                              activity=write.name)
