"""DS: patterns that lose data or tokens silently: no started keep-alive, a token reply saved unchecked, a watermark
that moves past a failed copy, a Lookup's dropped rows, a copy that outlives its token."""

from __future__ import annotations

from typing import Iterator

from adfgen.check.exprs import analyse
from adfgen.check.model import WARNING
from adfgen.check.rules.base import Context, FactoryView, Hit, Rule
from adfgen.check.requests import request_cap
from adfgen.check.semantics import (body_text, called_pipeline, is_keyvault_write, is_refresh_grant, is_token_call,
                                    secret_producers, secret_reads, text_of)
from adfgen.check.walk import Activity
from adfgen.core import token_lifetime


def _runs(view: FactoryView) -> dict[str, set[str]]:
    """Lower-case pipeline name -> the pipelines it runs through Execute Pipeline (directly)."""
    calls: dict[str, set[str]] = {}
    for name, entry in view.by_kind["pipeline"].items():
        found = calls.setdefault(name.lower(), set())
        for activity in view.context(entry).pipeline.all:
            called = called_pipeline(activity)
            if called is not None:
                found.add(called.lower())
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


def _top(activity: Activity) -> Activity:
    """The top-level activity that holds `activity` (itself when it is top-level)."""
    node = activity
    while node.parent is not None:
        node = node.parent
    return node


def _is_watermark_write(activity: Activity) -> bool:
    if activity.kind not in ("webactivity", "copy") or (activity.kind == "webactivity" and
                                                        str(activity.type_properties.get("method", "")).upper() != "PUT"):
        return False
    text = (text_of(activity.type_properties.get("url")) + text_of(activity.type_properties.get("body"))
            + text_of(activity.body.get("outputs"))).lower()
    return "watermark" in text


def _direct_conditions(target: Activity) -> dict[str, list[str]]:
    """Lower-case name -> dependency conditions, for `target`'s own dependsOn."""
    found = {}
    for dep in target.body.get("dependsOn") or []:
        if isinstance(dep, dict) and isinstance(dep.get("activity"), str):
            found[dep["activity"].lower()] = [str(c) for c in dep.get("dependencyConditions") or []]
    return found


class WatermarkWithoutEveryCopy(Rule):
    """A watermark written without depending on the success of every Copy in the pipeline.

    A watermark that moves while a copy failed, was skipped or never ran skips that copy's records for good: the next
    run starts after them. Make the write depend (with Succeeded) on every copy, or on a check that fails the run
    when one did not land its window.

    Bad:
        {"pipeline/pl_sync": {"activities": [
            {"name": "Copy Items", "type": "Copy", "typeProperties": {"source": {"type": "RestSource"}, "sink": {"type": "JsonSink"}}},
            {"name": "Save Watermark", "type": "WebActivity",
             "typeProperties": {"method": "PUT", "url": "https://st1.blob.core.windows.net/state/watermark.json",
               "body": "{\\"watermark\\": \\"2024-01-01T00:00:00Z\\"}", "authentication": {"type": "MSI", "resource": "https://storage.azure.com/"}}}]}}

    Good:
        {"pipeline/pl_sync": {"activities": [
            {"name": "Copy Items", "type": "Copy", "typeProperties": {"source": {"type": "RestSource"}, "sink": {"type": "JsonSink"}}},
            {"name": "Save Watermark", "type": "WebActivity",
             "dependsOn": [{"activity": "Copy Items", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "PUT", "url": "https://st1.blob.core.windows.net/state/watermark.json",
               "body": "{\\"watermark\\": \\"2024-01-01T00:00:00Z\\"}", "authentication": {"type": "MSI", "resource": "https://storage.azure.com/"}}}]}}
    """

    code = "DS003"
    name = "watermark-without-every-copy"
    message = "watermark written without depending on every copy's success"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        copies = [a for a in ctx.pipeline.all if a.kind == "copy"]
        for write in ctx.pipeline.all:
            if not _is_watermark_write(write):
                continue
            top = _top(write)
            upstream = ctx.pipeline.upstream(top)
            direct = _direct_conditions(top)
            for copy in copies:
                holder = _top(copy)
                if holder is top:
                    continue
                name = holder.name.lower()
                loose = name in direct and direct[name] != ["Succeeded"]
                if name not in upstream or loose:
                    how = "does not depend on" if name not in upstream else \
                        f"depends on it with {direct[name]} instead of Succeeded"
                    yield Hit(f"{write.path}.dependsOn", f"'{write.name}' writes a watermark but {how} "
                                                         f"'{holder.name}' (which copies with '{copy.name}'): a failed "
                                                         "copy's records would be skipped for good", activity=write.name)
                    break


def _foreach_lookups(ctx: Context) -> Iterator[tuple[Activity, Activity]]:
    lookups = {a.name.lower(): a for a in ctx.pipeline.all
               if a.kind == "lookup" and a.type_properties.get("firstRowOnly") is False}
    for foreach in ctx.pipeline.all:
        if foreach.kind != "foreach":
            continue
        for ref in analyse(text_of(foreach.type_properties.get("items"))).refs:
            if ref.kind == "activity" and ref.name and ref.name.lower() in lookups:
                yield foreach, lookups[ref.name.lower()]


class LookupRowsUnchecked(Rule):
    """A ForEach over a Lookup's rows with no check of the Lookup's `count` that can fail the run.

    Lookup returns at most 5,000 rows and succeeds: beyond that the rest are dropped silently. Check
    `activity('<lookup>').output.count` upstream of the ForEach (an If with a Fail when it reaches 5,000), or read the
    rows in files of fewer than 5,000.

    Bad:
        {"pipeline/pl_fan": {"activities": [
            {"name": "Read Keys", "type": "Lookup", "typeProperties": {"source": {"type": "JsonSource"}, "firstRowOnly": false}},
            {"name": "Each Key", "type": "ForEach", "dependsOn": [{"activity": "Read Keys", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"items": {"value": "@activity('Read Keys').output.value", "type": "Expression"}, "activities": []}}]}}

    Good:
        {"pipeline/pl_fan": {"activities": [
            {"name": "Read Keys", "type": "Lookup", "typeProperties": {"source": {"type": "JsonSource"}, "firstRowOnly": false,
               "dataset": {"referenceName": "ds_keys", "type": "DatasetReference"}}},
            {"name": "Check Rows", "type": "IfCondition", "dependsOn": [{"activity": "Read Keys", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"expression": {"value": "@greaterOrEquals(activity('Read Keys').output.count, 5000)", "type": "Expression"},
               "ifTrueActivities": [{"name": "Too Many", "type": "Fail", "typeProperties": {"message": "more than a Lookup returns", "errorCode": "LookupRowLimit"}}]}},
            {"name": "Each Key", "type": "ForEach", "dependsOn": [{"activity": "Check Rows", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"items": {"value": "@activity('Read Keys').output.value", "type": "Expression"}, "activities": []}}]},
         "dataset/ds_keys": {"type": "Json", "linkedServiceName": {"referenceName": "ls_lake", "type": "LinkedServiceReference"},
            "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw", "fileName": "keys.json"}}},
         "linkedService/ls_lake": {"type": "AzureBlobFS", "typeProperties": {"url": "https://st1.dfs.core.windows.net/"}}}
    """

    code = "DS004"
    name = "lookup-rows-unchecked"
    message = "ForEach over a Lookup that may drop rows beyond 5,000 silently"
    severity = WARNING
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        for foreach, lookup in _foreach_lookups(ctx):
            upstream = ctx.pipeline.upstream(foreach)
            checked = False
            for guard in ctx.pipeline.all:
                if guard.kind != "ifcondition" or guard.name.lower() not in upstream:
                    continue
                refs = analyse(text_of(guard.type_properties.get("expression"))).refs
                reads_count = any(r.kind == "activity" and r.name and r.name.lower() == lookup.name.lower()
                                  and tuple(m.lower() for m in r.members[:2]) == ("output", "count") for r in refs)
                if reads_count and any(d.kind == "fail" for d in guard.descendants()):
                    checked = True
            if not checked:
                yield Hit(f"{foreach.path}.typeProperties.items", f"'{foreach.name}' iterates over '{lookup.name}', "
                                                                  "which returns at most 5,000 rows and drops the rest "
                                                                  "silently; no upstream check of its count fails the "
                                                                  "run", activity=foreach.name)


SHORTEST_TOKEN = 1800  # seconds: common access-token lifetimes are 30 to 60 minutes (Xero: 30)


def _seconds(value: object, default: float) -> float:
    text = text_of(value)
    parts = text.split(":") if text else []
    if len(parts) != 3:
        return default
    try:
        return int(parts[0]) * 3600 + int(parts[1]) * 60 + float(parts[2])
    except ValueError:
        return default


class CopyOutlivesToken(Rule):
    """A REST Copy that sends a Key Vault token and may page for longer than an access token lives.

    The lifetime is the one the pipeline's `adfgen:access_token_lifetime=<seconds>` annotation records (adfgen's build
    writes it), else an assumed 30 minutes, and the message says which.

    A Copy's headers are evaluated once when it starts; every page (and every retry of the activity) sends the same
    token. With a literal `MaxRequestNumber` of N, paging may take N × (requestInterval + httpRequestTimeout): beyond
    the token's life the Copy fails with 401 part-way. Copy in chunks the token covers (a loop that checks the token
    before each chunk), or lower the cap.

    Bad:
        {"pipeline/pl_sync": {"activities": [
            {"name": "Get Token", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/access-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}},
            {"name": "Copy Items", "type": "Copy", "policy": {"secureInput": true},
             "dependsOn": [{"activity": "Get Token", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"source": {"type": "RestSource", "requestInterval": "00:00:05",
                 "additionalHeaders": {"Authorization": {"value": "@concat('Bearer ', activity('Get Token').output.value)", "type": "Expression"}},
                 "paginationRules": {"QueryParameters.{page}": "RANGE:1::1", "EndCondition:$.items": "Empty", "MaxRequestNumber": "1000"}},
               "sink": {"type": "JsonSink"}}}]}}

    Good:
        {"pipeline/pl_sync": {"activities": [
            {"name": "Get Token", "type": "WebActivity", "policy": {"secureOutput": true},
             "typeProperties": {"method": "GET", "url": "https://kv1.vault.azure.net/secrets/access-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"}}},
            {"name": "Copy Items", "type": "Copy", "policy": {"secureInput": true},
             "dependsOn": [{"activity": "Get Token", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"source": {"type": "RestSource", "requestInterval": "00:00:05", "httpRequestTimeout": "00:00:30",
                 "additionalHeaders": {"Authorization": {"value": "@concat('Bearer ', activity('Get Token').output.value)", "type": "Expression"}},
                 "paginationRules": {"QueryParameters.{page}": "RANGE:1::1", "EndCondition:$.items": "Empty", "MaxRequestNumber": "40"}},
               "sink": {"type": "JsonSink"}}}]}}
    """

    code = "DS005"
    name = "copy-outlives-token"
    message = "REST copy may page for longer than its access token lives"
    severity = WARNING
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        producers = secret_producers(ctx.pipeline)
        if not producers:
            return
        recorded = token_lifetime.recorded(ctx.properties)
        lifetime = recorded or SHORTEST_TOKEN
        # say where the lifetime came from: the factory's own record, or this rule's assumption
        told = (f"the {lifetime:g} s access token the pipeline records ({token_lifetime.PREFIX}{lifetime})"
                if recorded else f"a {SHORTEST_TOKEN // 60}-minute access token (assumed: the pipeline records no "
                f"{token_lifetime.PREFIX}<seconds> annotation)")
        for copy in ctx.pipeline.all:
            source = copy.type_properties.get("source")
            if copy.kind != "copy" or not isinstance(source, dict) or source.get("type") != "RestSource":
                continue
            headers = source.get("additionalHeaders")
            values = headers.values() if isinstance(headers, dict) else [headers]
            if not any(secret_reads(text_of(v), producers) for v in values):
                continue
            rules = source.get("paginationRules")
            if not isinstance(rules, dict) or not rules:
                continue  # no pagination rules: one request (or RFC 5988 links, not bounded here)
            cap = request_cap(rules)
            if isinstance(cap, dict):
                continue  # an expression: sized at run time (a chunk loop)
            try:
                pages = int(str(cap).strip()) if cap not in (None, "") else None
            except ValueError:
                continue
            per_page = _seconds(source.get("requestInterval"), 1.0) + _seconds(source.get("httpRequestTimeout"), 100.0)
            if pages is None or pages * per_page > lifetime:
                bound = "no MaxRequestNumber" if pages is None else f"MaxRequestNumber {pages}"
                yield Hit(f"{copy.path}.typeProperties.source.paginationRules",
                          f"'{copy.name}' sends a Key Vault token fixed at its start and, with {bound} at up to "
                          f"{per_page:g} s a page, may page for longer than {told} lives: copy in chunks the token "
                          "covers, or lower the cap", activity=copy.name)
