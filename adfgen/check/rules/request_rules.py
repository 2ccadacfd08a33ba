"""RQ: REST requests that run but silently ask for the wrong thing: a placeholder left in a URL, a parameter given
twice, a pagination rule that changes nothing sent, a watermark no request sends, a filter that cannot see it."""

from __future__ import annotations

import re
from typing import Iterator

from adfgen.check.exprs import analyse
from adfgen.check.model import WARNING
from adfgen.check.paths import join_key
from adfgen.check.requests import (ENCODED, Request, dataset_request_texts, is_range, placeholders,
                                   query_keys, query_pairs, requests)
from adfgen.check.rules.base import Context, Hit, Rule
from adfgen.check.walk import Activity, value_text
from adfgen.check.watermarks import reads_watermark, watermark_sources

# query parameters and headers that filter by time (QuickBooks/SOQL WHERE, OData $filter, ServiceNow sysparm_query)
TIME_FILTER = re.compile(r"^(if-modified-since|[\w.$-]*(since|after|modified|updated|changed|from|start)[\w.$-]*"
                         r"|\$filter|filter|where|q|query|sysparm_query)$", re.I)
TIME_LITERAL = re.compile(r"\d{4}-\d\d-\d\d")


def _hit(request: Request, message: str, suffix: str = "") -> Hit:
    path = join_key(request.activity.path, suffix) if suffix else request.activity.path
    return Hit(path, f"'{request.activity.name}': {message}", activity=request.activity.name)


class UnresolvedPlaceholder(Rule):
    """A `{placeholder}` in a REST request's URL or header that no pagination rule fills: it is sent as written.

    The REST source replaces `{var}` only for a `RANGE` rule keyed `AbsoluteUrl.{var}`, `QueryParameters.{var}` or
    `Headers.{var}` (documented: https://learn.microsoft.com/azure/data-factory/connector-rest#pagination-support).
    Any other `{tenant}` or `{realmId}` reaches the API verbatim (URL-encoded as `%7Btenant%7D`): a 404, or worse a
    query the API accepts and answers with nothing. The URL is followed through the Copy's dataset parameters, the
    dataset's `relativeUrl` and its linked service's `url`.

    Bad:
        {"pipeline/pl_load": {"activities": [
            {"name": "Copy Items", "type": "Copy",
             "inputs": [{"referenceName": "ds_rest", "type": "DatasetReference", "parameters": {"RelativeUrl": "v1/{realmId}/items"}}],
             "outputs": [{"referenceName": "ds_out", "type": "DatasetReference"}],
             "typeProperties": {"source": {"type": "RestSource"}, "sink": {"type": "JsonSink"}}}]},
         "dataset/ds_rest": {"type": "RestResource", "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference"},
            "parameters": {"RelativeUrl": {"type": "String"}},
            "typeProperties": {"relativeUrl": {"value": "@dataset().RelativeUrl", "type": "Expression"}}},
         "dataset/ds_out": {"type": "Json", "linkedServiceName": {"referenceName": "ls_lake", "type": "LinkedServiceReference"},
            "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw"}}},
         "linkedService/ls_rest": {"type": "RestService", "typeProperties": {"url": "https://api.example.com", "authenticationType": "Anonymous"}},
         "linkedService/ls_lake": {"type": "AzureBlobFS", "typeProperties": {"url": "https://st.dfs.core.windows.net/"}}}

    Good:
        {"pipeline/pl_load": {"activities": [
            {"name": "Copy Items", "type": "Copy",
             "inputs": [{"referenceName": "ds_rest", "type": "DatasetReference", "parameters": {"RelativeUrl": "v1/1234/items?offset={offset}"}}],
             "outputs": [{"referenceName": "ds_out", "type": "DatasetReference"}],
             "typeProperties": {"source": {"type": "RestSource", "paginationRules": {"QueryParameters.{offset}": "RANGE:0::100", "EndCondition:$.items": "Empty", "MaxRequestNumber": "100"}},
                                "sink": {"type": "JsonSink"}}}]},
         "dataset/ds_rest": {"type": "RestResource", "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference"},
            "parameters": {"RelativeUrl": {"type": "String"}},
            "typeProperties": {"relativeUrl": {"value": "@dataset().RelativeUrl", "type": "Expression"}}},
         "dataset/ds_out": {"type": "Json", "linkedServiceName": {"referenceName": "ls_lake", "type": "LinkedServiceReference"},
            "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw"}}},
         "linkedService/ls_rest": {"type": "RestService", "typeProperties": {"url": "https://api.example.com", "authenticationType": "Anonymous"}},
         "linkedService/ls_lake": {"type": "AzureBlobFS", "typeProperties": {"url": "https://st.dfs.core.windows.net/"}}}
    """

    code = "RQ001"
    name = "unresolved-placeholder"
    message = "a {placeholder} in a REST request that nothing fills is sent as written"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        for request in requests(ctx):
            filled = request.range_vars()
            for part in request.urls + list(request.headers.values()):
                for name in dict.fromkeys(placeholders(part.text)):
                    if name not in filled:
                        yield _hit(request, f"{{{name}}} in {part.what} ({part.text!r}) is filled by no pagination "
                                            f"RANGE rule, so it is sent as written (URL-encoded: %7B{name}%7D); put the "
                                            "value in, or build it with an expression")


class EncodedPlaceholder(Rule):
    """An encoded placeholder (`%7Bname%7D`) in a REST request's URL: nothing replaces it, the API receives it.

    Pagination rules replace the literal `{var}` (documented:
    https://learn.microsoft.com/azure/data-factory/connector-rest#pagination-support); that they do not decode
    `%7Bvar%7D` first is assumed (adfgen run sends the relative URL as given, `rest.url_as_given`). An encoded
    placeholder usually comes from a URL copied out of a browser or an encoder applied once too often.

    Bad:
        {"pipeline/pl_load": {"activities": [
            {"name": "Copy Items", "type": "WebActivity", "typeProperties": {"method": "GET",
             "url": "https://api.example.com/v1/items?start=%7Bstart%7D"}}]}}

    Good:
        {"pipeline/pl_load": {"activities": [
            {"name": "Copy Items", "type": "WebActivity", "typeProperties": {"method": "GET",
             "url": "https://api.example.com/v1/items?start=0"}}]}}
    """

    code = "RQ002"
    name = "encoded-placeholder"
    message = "an encoded %7Bplaceholder%7D in a REST URL is sent as written"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        for request in requests(ctx):
            for part in request.urls:
                for name in dict.fromkeys(ENCODED.findall(part.text)):
                    yield _hit(request, f"{part.what} holds the encoded placeholder %7B{name}%7D, which no rule "
                                        f"replaces: the API receives it literally; write {{{name}}} for a RANGE rule "
                                        "or put the value in")


class ParameterGivenTwice(Rule):
    """A query parameter given twice: twice in the URL, or in the URL and by a pagination rule that sets it by name.

    Which one the API reads is the API's choice (often the first, sometimes the last or an error), and whether a
    `QueryParameters.<name>` rule replaces a parameter already in the URL or adds a second one is not documented
    (https://learn.microsoft.com/azure/data-factory/connector-rest#pagination-support). Either way one of the two
    values is silently ignored: a `limit=100` next to `limit=10`, a cursor that never moves. A header given twice
    (two `additionalHeaders` differing in case, or one set again by a `Headers.<name>` RANGE rule) is the same mistake.
    An API that takes a list as repeated parameters (`fields=a&fields=b`) is a deliberate exception: ignore the rule
    for that resource.

    Bad:
        {"pipeline/pl_load": {"activities": [
            {"name": "Copy Items", "type": "WebActivity", "typeProperties": {"method": "GET",
             "url": "https://api.example.com/v1/items?limit=10&status=open&limit=100"}}]}}

    Good:
        {"pipeline/pl_load": {"activities": [
            {"name": "Copy Items", "type": "WebActivity", "typeProperties": {"method": "GET",
             "url": "https://api.example.com/v1/items?limit=100&status=open"}}]}}
    """

    code = "RQ003"
    name = "parameter-given-twice"
    message = "a query parameter or header is given twice"
    severity = WARNING
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        for request in requests(ctx):
            seen: dict[str, str] = {}
            for part in request.urls:
                for key in query_keys(part.text):
                    if key in seen:
                        yield _hit(request, f"query parameter '{key}' is given twice ({seen[key]} and {part.what}); "
                                            "the API reads one of them")
                    seen.setdefault(key, part.what)
            for key, rule in request.named_rules("QueryParameters").items():
                if key in seen:
                    yield _hit(request, f"query parameter '{key}' is in {seen[key]} and set again by the pagination "
                                        f"rule '{rule}'; whether the rule replaces it or adds a second one is not "
                                        "documented: keep one")
            lower: dict[str, str] = {}
            for key in request.headers:
                if key.lower() in lower:
                    yield _hit(request, f"header '{key}' is given twice ('{lower[key.lower()]}' too; header names "
                                        "ignore case)")
                lower.setdefault(key.lower(), key)
            for key, rule in request.named_rules("Headers").items():
                if key.lower() in lower and is_range(request.rules.get(rule)):
                    yield _hit(request, f"header '{key}' is in additionalHeaders and set again by the RANGE rule "
                                        f"'{rule}'; keep one")


class RuleChangesNothingSent(Rule):
    """A pagination `RANGE` rule whose `{var}` the request never sends: every page requests the first page again.

    `QueryParameters.{offset}: RANGE:0::100` advances `{offset}`, but only where `{offset}` is written in the URL
    (or, for `Headers.{var}`, in a header value) (documented:
    https://learn.microsoft.com/azure/data-factory/connector-rest#pagination-support). Without it each request is
    the same: the first page lands again and again until `MaxRequestNumber` or an end condition, duplicating its
    records and never reaching the rest.

    Bad:
        {"pipeline/pl_load": {"activities": [
            {"name": "Copy Items", "type": "Copy",
             "inputs": [{"referenceName": "ds_rest", "type": "DatasetReference", "parameters": {"RelativeUrl": "v1/items?offset=0"}}],
             "outputs": [{"referenceName": "ds_out", "type": "DatasetReference"}],
             "typeProperties": {"source": {"type": "RestSource", "paginationRules": {"QueryParameters.{offset}": "RANGE:0::100", "EndCondition:$.items": "Empty", "MaxRequestNumber": "100"}},
                                "sink": {"type": "JsonSink"}}}]},
         "dataset/ds_rest": {"type": "RestResource", "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference"},
            "parameters": {"RelativeUrl": {"type": "String"}},
            "typeProperties": {"relativeUrl": {"value": "@dataset().RelativeUrl", "type": "Expression"}}},
         "dataset/ds_out": {"type": "Json", "linkedServiceName": {"referenceName": "ls_lake", "type": "LinkedServiceReference"},
            "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw"}}},
         "linkedService/ls_rest": {"type": "RestService", "typeProperties": {"url": "https://api.example.com", "authenticationType": "Anonymous"}},
         "linkedService/ls_lake": {"type": "AzureBlobFS", "typeProperties": {"url": "https://st.dfs.core.windows.net/"}}}

    Good:
        {"pipeline/pl_load": {"activities": [
            {"name": "Copy Items", "type": "Copy",
             "inputs": [{"referenceName": "ds_rest", "type": "DatasetReference", "parameters": {"RelativeUrl": "v1/items?offset={offset}"}}],
             "outputs": [{"referenceName": "ds_out", "type": "DatasetReference"}],
             "typeProperties": {"source": {"type": "RestSource", "paginationRules": {"QueryParameters.{offset}": "RANGE:0::100", "EndCondition:$.items": "Empty", "MaxRequestNumber": "100"}},
                                "sink": {"type": "JsonSink"}}}]},
         "dataset/ds_rest": {"type": "RestResource", "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference"},
            "parameters": {"RelativeUrl": {"type": "String"}},
            "typeProperties": {"relativeUrl": {"value": "@dataset().RelativeUrl", "type": "Expression"}}},
         "dataset/ds_out": {"type": "Json", "linkedServiceName": {"referenceName": "ls_lake", "type": "LinkedServiceReference"},
            "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw"}}},
         "linkedService/ls_rest": {"type": "RestService", "typeProperties": {"url": "https://api.example.com", "authenticationType": "Anonymous"}},
         "linkedService/ls_lake": {"type": "AzureBlobFS", "typeProperties": {"url": "https://st.dfs.core.windows.net/"}}}
    """

    code = "RQ004"
    name = "rule-changes-nothing-sent"
    message = "a pagination RANGE rule's {var} is not in the request: every page is the first"
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        for request in requests(ctx):
            url_vars = {name for part in request.urls for name in placeholders(part.text)}
            header_vars = {name for part in request.headers.values() for name in placeholders(part.text)}
            for var, (key, target) in request.range_vars().items():
                parts = list(request.headers.values()) if target == "Headers" else request.urls
                sent = header_vars if target == "Headers" else url_vars
                # a URL we cannot see (no dataset found, a value from a parameter or activity) may hold it
                unknown = (target != "Headers" and not parts) or any(_opaque(p.text) for p in parts)
                if var not in sent and not unknown:
                    where = "a header value" if target == "Headers" else "the URL"
                    yield _hit(request, f"pagination rule '{key}' advances {{{var}}}, which {where} never contains: "
                                        "every request asks for the same page (duplicates, and the rest never "
                                        f"lands); write {{{var}}} where the API reads it")


def _opaque(text: str) -> bool:
    """A value built from something the checker cannot see (a parameter, variable, activity output or item)."""
    return any(ref.kind in ("parameter", "variable", "activity", "item") for ref in analyse(text).refs) \
        if text else False


def _passes_on(activity: Activity) -> str:
    """The parameters an Execute Pipeline passes (a child may send the watermark)."""
    if activity.kind != "executepipeline":
        return ""
    params = activity.type_properties.get("parameters")
    return " ".join(value_text(v) for v in params.values()) if isinstance(params, dict) else ""


class WatermarkNotSent(Rule):
    """A pipeline with a watermark (a parameter, variable or Lookup named so) whose REST requests never send it.

    The incremental load then reads everything on every run (or, with the watermark still moved forward, a reader
    downstream believes it got only changes). The watermark must reach a request: a query value, a header such as
    `If-Modified-Since`, the body, or a pipeline it runs. Requests are REST-source Copies and Web activities that
    call neither Key Vault nor storage; a pipeline without any is not reported.

    Bad:
        {"pipeline/pl_load": {"parameters": {"Watermark": {"type": "String", "defaultValue": "2024-01-01T00:00:00Z"}},
          "activities": [
            {"name": "Copy Items", "type": "Copy",
             "inputs": [{"referenceName": "ds_rest", "type": "DatasetReference", "parameters": {"RelativeUrl": "v1/items"}}],
             "outputs": [{"referenceName": "ds_out", "type": "DatasetReference"}],
             "typeProperties": {"source": {"type": "RestSource"}, "sink": {"type": "JsonSink"}}}]},
         "dataset/ds_rest": {"type": "RestResource", "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference"},
            "parameters": {"RelativeUrl": {"type": "String"}},
            "typeProperties": {"relativeUrl": {"value": "@dataset().RelativeUrl", "type": "Expression"}}},
         "dataset/ds_out": {"type": "Json", "linkedServiceName": {"referenceName": "ls_lake", "type": "LinkedServiceReference"},
            "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw"}}},
         "linkedService/ls_rest": {"type": "RestService", "typeProperties": {"url": "https://api.example.com", "authenticationType": "Anonymous"}},
         "linkedService/ls_lake": {"type": "AzureBlobFS", "typeProperties": {"url": "https://st.dfs.core.windows.net/"}}}

    Good:
        {"pipeline/pl_load": {"parameters": {"Watermark": {"type": "String", "defaultValue": "2024-01-01T00:00:00Z"}},
          "activities": [
            {"name": "Copy Items", "type": "Copy",
             "inputs": [{"referenceName": "ds_rest", "type": "DatasetReference", "parameters": {"RelativeUrl": {"value": "@concat('v1/items?updated_since=', pipeline().parameters.Watermark)", "type": "Expression"}}}],
             "outputs": [{"referenceName": "ds_out", "type": "DatasetReference"}],
             "typeProperties": {"source": {"type": "RestSource"}, "sink": {"type": "JsonSink"}}}]},
         "dataset/ds_rest": {"type": "RestResource", "linkedServiceName": {"referenceName": "ls_rest", "type": "LinkedServiceReference"},
            "parameters": {"RelativeUrl": {"type": "String"}},
            "typeProperties": {"relativeUrl": {"value": "@dataset().RelativeUrl", "type": "Expression"}}},
         "dataset/ds_out": {"type": "Json", "linkedServiceName": {"referenceName": "ls_lake", "type": "LinkedServiceReference"},
            "typeProperties": {"location": {"type": "AzureBlobFSLocation", "fileSystem": "raw"}}},
         "linkedService/ls_rest": {"type": "RestService", "typeProperties": {"url": "https://api.example.com", "authenticationType": "Anonymous"}},
         "linkedService/ls_lake": {"type": "AzureBlobFS", "typeProperties": {"url": "https://st.dfs.core.windows.net/"}}}
    """

    code = "RQ005"
    name = "watermark-not-sent"
    message = "the pipeline's watermark reaches no request"
    severity = WARNING
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        found = requests(ctx)
        sources = watermark_sources(ctx.pipeline)
        if not sources or not any(r.activity.kind == "copy" for r in found):
            return  # an API load is a Copy from a REST source; Web calls alone may be anything
        sent = [text for request in found for text in request.sent_texts() + list(request.passed.values())]
        sent += [_passes_on(a) for a in ctx.pipeline.all]
        if any(reads_watermark(text, sources) for text in sent):
            return
        first = next(iter(sources.values()))
        yield Hit("activities" if not first.startswith("parameter") else f"parameters.{first.split(chr(39))[1]}",
                  f"{first} holds a watermark, but no request of this pipeline sends it "
                  f"({', '.join(r.activity.name for r in found)}): every run reads everything; send it in a filter "
                  "(query value, If-Modified-Since header, body)")


class FilterBlindToWatermark(Rule):
    """A time filter in a REST request that cannot see the pipeline's watermark: a fixed date, or a dataset
    parameter the dataset never sends.

    In a pipeline that keeps a watermark, a request whose time filter (`updated_since`, `$filter`, `where`,
    `sysparm_query`, `If-Modified-Since`, ...) holds a literal date reads from that date on every run; and a Copy
    that passes the watermark to a dataset parameter that the dataset's URL does not use sends nothing at all.

    Bad:
        {"pipeline/pl_load": {"parameters": {"Watermark": {"type": "String", "defaultValue": "2024-01-01T00:00:00Z"}},
          "activities": [
            {"name": "Get Items", "type": "WebActivity", "typeProperties": {"method": "GET",
             "url": "https://api.example.com/v1/items?updated_since=2024-01-01",
             "headers": {"X-Since": {"value": "@pipeline().parameters.Watermark", "type": "Expression"}}}}]}}

    Good:
        {"pipeline/pl_load": {"parameters": {"Watermark": {"type": "String", "defaultValue": "2024-01-01T00:00:00Z"}},
          "activities": [
            {"name": "Get Items", "type": "WebActivity", "typeProperties": {"method": "GET",
             "url": {"value": "@concat('https://api.example.com/v1/items?updated_since=', pipeline().parameters.Watermark)", "type": "Expression"}}}]}}
    """

    code = "RQ006"
    name = "filter-blind-to-watermark"
    message = "a time filter in a request cannot see the watermark"
    severity = WARNING
    kinds = ("pipeline",)

    def check(self, ctx: Context) -> Iterator[Hit]:
        sources = watermark_sources(ctx.pipeline)
        if not sources:
            return
        for request in requests(ctx):
            for part in request.urls:
                for key, value in query_pairs(part.text):
                    if _fixed_date(key, value, part.text, sources):
                        yield _hit(request, f"the time filter {key}={value!r} in {part.what} is a fixed date, "
                                            "while this pipeline keeps a watermark: every run reads from that date")
            for name, header in request.headers.items():
                if _fixed_date(name, header.text, header.text, sources):
                    yield _hit(request, f"header {name} holds a fixed date ({header.text!r}), while this pipeline "
                                        "keeps a watermark: every run reads from that date")
            yield from self._unsent_parameters(request, sources)

    def _unsent_parameters(self, request: Request, sources: dict) -> Iterator[Hit]:
        """The Copy passes the watermark to a dataset parameter that the dataset's request never reads."""
        if request.dataset is None:
            return
        used = {ref.name.lower() for text in dataset_request_texts(request.dataset.properties)
                for ref in analyse(text).refs if ref.kind == "dataset_parameter"}
        for name, text in request.passed.items():
            if reads_watermark(text, sources) and name.lower() not in used:
                yield _hit(request, f"the watermark goes to dataset parameter '{name}' of {request.dataset.name}, "
                                    "which its relative URL and linked service parameters never use: the API never "
                                    "sees it", f"inputs[0].parameters.{name}")


def _fixed_date(name: str, value: str, text: str, sources: dict[tuple[str, str], str]) -> bool:
    """A time filter (judged by its name) whose value holds a literal date, in a text that reads no watermark."""
    return bool(TIME_FILTER.match(name) and TIME_LITERAL.search(value)) and not reads_watermark(text, sources)
