"""RL: pagination ends, token refreshes cannot race or lose the rotated token, fan-out respects API limits."""

from __future__ import annotations

import re
from typing import Any, Iterator

from adfgen.check.exprs import analyse
from adfgen.check.model import WARNING
from adfgen.check.paths import activity_of_path, join_key
from adfgen.check.requests import request_cap
from adfgen.check.rules.base import Context, Hit, Rule
from adfgen.check.semantics import (body_text, is_keyvault_write, is_refresh_grant,
                                    keyvault_secret_name)
from adfgen.check.walk import Activity

OPEN_RANGE = re.compile(r"^\s*RANGE:([^:]*):\s*(:.*)?$", re.I)
DEFAULT_BATCH_COUNT = 20


def _pagination_rules(ctx: Context) -> Iterator[tuple[str, dict, str | None]]:
    for index, obj in ctx.tree.dicts:
        rules = obj.get("paginationRules")
        if isinstance(rules, dict):
            path = ctx.tree.path(index)
            yield join_key(path, "paginationRules"), rules, activity_of_path(path)


class EndlessPagination(Rule):
    """REST pagination with an open `RANGE` (no end value) and neither an `EndCondition:` rule nor `MaxRequestNumber`.

    Such a copy keeps requesting pages until the API errors; APIs that return the last page again loop forever.

    Bad:
        {"dataset/ds_items": {"type": "RestResource",
            "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference"},
            "typeProperties": {"relativeUrl": "items?offset={offset}",
              "paginationRules": {"QueryParameters.{offset}": "RANGE:0::100"}}},
         "linkedService/ls_rest": {"type": "RestService", "typeProperties": {"url": "https://api.example.com", "authenticationType": "Anonymous"}}}

    Good:
        {"dataset/ds_items": {"type": "RestResource",
            "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference"},
            "typeProperties": {"relativeUrl": "items?offset={offset}",
              "paginationRules": {"QueryParameters.{offset}": "RANGE:0::100", "EndCondition:$.items": "Empty", "MaxRequestNumber": "1000"}}},
         "linkedService/ls_rest": {"type": "RestService", "typeProperties": {"url": "https://api.example.com", "authenticationType": "Anonymous"}}}
    """

    code = "RL001"
    name = "endless-pagination"
    message = "pagination can loop forever"
    kinds = ("pipeline", "dataset")

    def check(self, ctx: Context) -> Iterator[Hit]:
        for path, rules, activity in _pagination_rules(ctx):
            open_keys = [k for k, v in rules.items() if isinstance(v, str) and OPEN_RANGE.match(v)]
            if not open_keys:
                continue
            has_end = any(str(k).lower().startswith("endcondition") for k in rules)
            max_requests = request_cap(rules)
            if has_end or (max_requests not in (None, "") and str(max_requests).strip() not in ("", "0")):
                continue
            yield Hit(join_key(path, open_keys[0]), f"open range {rules[open_keys[0]]!r} without an EndCondition "
                                                    f"or MaxRequestNumber can request pages forever", activity=activity)


def _concurrency(properties: dict) -> Any:
    return properties.get("concurrency")


class TokenCallWithoutConcurrencyOne(Rule):
    """A pipeline that redeems a refresh token and saves the rotated one back, without `concurrency: 1`.

    Two runs redeeming the same rotating refresh token at once lock each other out (`invalid_grant`), and
    the run that saves last may store a token the provider has already revoked. Password and
    client-credentials grants, and refresh grants whose token is never saved back, have no rotating
    token to race on and are not reported.

    Bad:
        {"pipeline/pl_refresh": {"activities": [
            {"name": "Refresh", "type": "WebActivity", "policy": {"secureInput": true, "secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://identity.example.com/connect/token",
               "body": "grant_type=refresh_token&refresh_token=@{pipeline().parameters.R}"}},
            {"name": "Save Refresh", "type": "WebActivity", "policy": {"retry": 3, "secureInput": true, "secureOutput": true},
             "dependsOn": [{"activity": "Refresh", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "PUT", "url": "https://kv1.vault.azure.net/secrets/refresh-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"},
               "body": {"value": "{\\"value\\": \\"@{activity('Refresh').output.refresh_token}\\"}", "type": "Expression"}}}],
            "parameters": {"R": {"type": "SecureString"}}}}

    Good:
        {"pipeline/pl_refresh": {"concurrency": 1, "activities": [
            {"name": "Refresh", "type": "WebActivity", "policy": {"secureInput": true, "secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://identity.example.com/connect/token",
               "body": "grant_type=refresh_token&refresh_token=@{pipeline().parameters.R}"}},
            {"name": "Save Refresh", "type": "WebActivity", "policy": {"retry": 3, "secureInput": true, "secureOutput": true},
             "dependsOn": [{"activity": "Refresh", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "PUT", "url": "https://kv1.vault.azure.net/secrets/refresh-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"},
               "body": {"value": "{\\"value\\": \\"@{activity('Refresh').output.refresh_token}\\"}", "type": "Expression"}}}],
            "parameters": {"R": {"type": "SecureString"}}}}
    """

    code = "RL002"
    name = "token-call-without-concurrency-1"
    message = "rotating refresh token redeemed by a pipeline without concurrency 1"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        if _concurrency(ctx.properties) == 1:
            return
        refreshes, saves = _refresh_saved_back(ctx)
        if not saves:
            return
        yield Hit("concurrency", f"'{refreshes[0].name}' redeems a refresh token and '{saves[0].name}' saves the "
                                 f"rotated one, but the pipeline's concurrency is not 1, so two runs can race",
                  activity=refreshes[0].name)


NOT_A_SAVE = frozenset({"setvariable", "appendvariable", "filter", "ifcondition", "switch", "until", "foreach", "wait",
                        "fail", "validation"})


def _refresh_saved_back(ctx: Context) -> tuple[list[Activity], list[Activity]]:
    """(refresh-token grants, activities that write the rotated refresh token somewhere that outlives the run)."""
    refreshes, kv_saves, _ = _token_saves(ctx)
    if not refreshes:
        return [], []
    names = {a.name.lower() for a in refreshes}
    saves = list(kv_saves)
    for site in ctx.sites:
        activity = site.activity
        if (activity is None or activity in saves or activity.name.lower() in names or activity.kind in NOT_A_SAVE
                or "refresh_token" not in site.text):
            continue
        if "refresh_token" in _reply_fields(site.text, names):
            saves.append(activity)
    return refreshes, saves


def _reply_fields(text: str, calls: set[str]) -> set[str]:
    """Lower-case reply fields (`output.<field>`) that `text` reads from the activities named in `calls`."""
    return {ref.members[1].lower() for ref in analyse(text).refs
            if ref.kind == "activity" and ref.name and ref.name.lower() in calls and len(ref.members) > 1}


def _token_saves(ctx: Context) -> tuple[list[Activity], list[Activity], list[Activity]]:
    """(refresh calls, Key Vault writes of the refresh token, Key Vault writes of the access token)."""
    refreshes = [a for a in ctx.pipeline.all if is_refresh_grant(a)]
    if not refreshes:
        return [], [], []
    names = {a.name.lower() for a in refreshes}
    refresh_saves, access_saves = [], []
    for activity in ctx.pipeline.all:
        if not is_keyvault_write(activity):
            continue
        fields = _reply_fields(body_text(activity), names)
        secret = keyvault_secret_name(activity).lower()
        if "refresh_token" in fields or (not fields and "refresh" in secret):
            refresh_saves.append(activity)
        elif "access_token" in fields or (not fields and "access" in secret):
            access_saves.append(activity)
    return refreshes, refresh_saves, access_saves


class AccessTokenSavedFirst(Rule):
    """A refresh that saves the access token before (or without waiting for) the rotated refresh token.

    If the run fails between the two writes, the new refresh token is lost and a person must consent again.
    Save the refresh token first and make the access-token write depend on it.

    Bad:
        {"pipeline/pl_refresh": {"concurrency": 1, "activities": [
            {"name": "Refresh", "type": "WebActivity", "policy": {"secureInput": true, "secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://identity.example.com/connect/token", "body": "grant_type=refresh_token&refresh_token=x"}},
            {"name": "Save Access", "type": "WebActivity", "policy": {"retry": 3, "secureInput": true, "secureOutput": true},
             "dependsOn": [{"activity": "Refresh", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "PUT", "url": "https://kv1.vault.azure.net/secrets/access-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"},
               "body": {"value": "{\\"value\\": \\"@{activity('Refresh').output.access_token}\\"}", "type": "Expression"}}},
            {"name": "Save Refresh", "type": "WebActivity", "policy": {"retry": 3, "secureInput": true, "secureOutput": true},
             "dependsOn": [{"activity": "Save Access", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "PUT", "url": "https://kv1.vault.azure.net/secrets/refresh-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"},
               "body": {"value": "{\\"value\\": \\"@{activity('Refresh').output.refresh_token}\\"}", "type": "Expression"}}}]}}

    Good:
        {"pipeline/pl_refresh": {"concurrency": 1, "activities": [
            {"name": "Refresh", "type": "WebActivity", "policy": {"secureInput": true, "secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://identity.example.com/connect/token", "body": "grant_type=refresh_token&refresh_token=x"}},
            {"name": "Save Refresh", "type": "WebActivity", "policy": {"retry": 3, "secureInput": true, "secureOutput": true},
             "dependsOn": [{"activity": "Refresh", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "PUT", "url": "https://kv1.vault.azure.net/secrets/refresh-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"},
               "body": {"value": "{\\"value\\": \\"@{activity('Refresh').output.refresh_token}\\"}", "type": "Expression"}}},
            {"name": "Save Access", "type": "WebActivity", "policy": {"retry": 3, "secureInput": true, "secureOutput": true},
             "dependsOn": [{"activity": "Save Refresh", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "PUT", "url": "https://kv1.vault.azure.net/secrets/access-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"},
               "body": {"value": "{\\"value\\": \\"@{activity('Refresh').output.access_token}\\"}", "type": "Expression"}}}]}}
    """

    code = "RL003"
    name = "access-token-saved-first"
    message = "access token saved before the refresh token"
    severity_note = "warning when the new refresh token is never saved"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        refreshes, refresh_saves, access_saves = _token_saves(ctx)
        if not refreshes:
            return
        if not refresh_saves:
            if access_saves:
                yield Hit(access_saves[0].path, f"'{refreshes[0].name}' redeems a refresh token but the pipeline never "
                                                f"saves the new refresh token", severity=WARNING,
                          activity=access_saves[0].name)
            return
        refresh_names = {a.name.lower() for a in refresh_saves}
        for save in access_saves:
            if not refresh_names & ctx.pipeline.upstream(save):
                yield Hit(f"{save.path}.dependsOn", f"'{save.name}' saves the access token without depending on "
                                                    f"'{refresh_saves[0].name}': save the refresh token first",
                          activity=save.name)


class RefreshTokenSavedWithoutRetry(Rule):
    """The Key Vault write of a rotated refresh token without retries (`policy.retry` ≥ 1).

    Once the refresh has succeeded, a single failed write loses the only valid refresh token.

    Bad:
        {"pipeline/pl_refresh": {"concurrency": 1, "activities": [
            {"name": "Refresh", "type": "WebActivity", "policy": {"secureInput": true, "secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://identity.example.com/connect/token", "body": "grant_type=refresh_token&refresh_token=x"}},
            {"name": "Save Refresh", "type": "WebActivity", "policy": {"retry": 0, "secureInput": true, "secureOutput": true},
             "dependsOn": [{"activity": "Refresh", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "PUT", "url": "https://kv1.vault.azure.net/secrets/refresh-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"},
               "body": {"value": "{\\"value\\": \\"@{activity('Refresh').output.refresh_token}\\"}", "type": "Expression"}}}]}}

    Good:
        {"pipeline/pl_refresh": {"concurrency": 1, "activities": [
            {"name": "Refresh", "type": "WebActivity", "policy": {"secureInput": true, "secureOutput": true},
             "typeProperties": {"method": "POST", "url": "https://identity.example.com/connect/token", "body": "grant_type=refresh_token&refresh_token=x"}},
            {"name": "Save Refresh", "type": "WebActivity", "policy": {"retry": 3, "secureInput": true, "secureOutput": true},
             "dependsOn": [{"activity": "Refresh", "dependencyConditions": ["Succeeded"]}],
             "typeProperties": {"method": "PUT", "url": "https://kv1.vault.azure.net/secrets/refresh-token?api-version=7.4",
               "authentication": {"type": "MSI", "resource": "https://vault.azure.net"},
               "body": {"value": "{\\"value\\": \\"@{activity('Refresh').output.refresh_token}\\"}", "type": "Expression"}}}]}}
    """

    code = "RL004"
    name = "refresh-token-saved-without-retry"
    message = "rotated refresh token saved without retries"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        _, refresh_saves, _ = _token_saves(ctx)
        for save in refresh_saves:
            retry = save.policy.get("retry", 0)
            if isinstance(retry, bool) or not isinstance(retry, int) or retry < 1:
                if isinstance(retry, str) and retry.strip().isdigit() and int(retry) >= 1:
                    continue
                if isinstance(retry, (str, dict)) and not str(retry).strip().isdigit():
                    continue  # an expression: cannot tell
                yield Hit(f"{save.path}.policy.retry", f"'{save.name}' saves the rotated refresh token with retry "
                                                       f"{retry!r}; give it retries (e.g. 3)", activity=save.name)


class BatchCountAboveLimit(Rule):
    """A parallel ForEach whose `batchCount` (default 20) exceeds the API's concurrency limit from the spec.

    Only adfgen builds know the limit (the spec's `concurrency`), so this rule runs on `adfgen check` without a path.

    Bad:
        {"_concurrency_limits": {"pl_controller": 2},
         "pipeline/pl_controller": {"activities": [
            {"name": "Each", "type": "ForEach", "typeProperties": {"isSequential": false, "batchCount": 4,
              "items": {"value": "@createArray(1, 2, 3)", "type": "Expression"},
              "activities": [{"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}}]}}]}}

    Good:
        {"_concurrency_limits": {"pl_controller": 2},
         "pipeline/pl_controller": {"activities": [
            {"name": "Each", "type": "ForEach", "typeProperties": {"isSequential": false, "batchCount": 2,
              "items": {"value": "@createArray(1, 2, 3)", "type": "Expression"},
              "activities": [{"name": "Pause", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}}]}}]}}
    """

    code = "RL005"
    name = "batch-count-above-limit"
    message = "ForEach batchCount exceeds the API's concurrency limit"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        limit = ctx.factory.concurrency_limits.get(ctx.entry.name)
        if not isinstance(limit, int) or isinstance(limit, bool):
            return
        for activity in ctx.pipeline.all:
            if activity.kind != "foreach":
                continue
            props = activity.type_properties
            if props.get("isSequential") is True:
                continue
            count = props.get("batchCount", DEFAULT_BATCH_COUNT)
            if isinstance(count, int) and not isinstance(count, bool) and count > limit:
                yield Hit(f"{activity.path}.typeProperties.batchCount",
                          f"'{activity.name}' runs {count} iterations at once but the API allows {limit} concurrent "
                          f"requests", activity=activity.name)
