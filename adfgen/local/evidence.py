"""Every runtime behaviour with its evidence: documented (the ADF page), observed (a public report) or assumed.

The runner records which rows a run relied on (`Relied.use(key)`); the report lists the assumed ones, which are
the checklist for a test in a real factory. docs/run.md is checked against this table by a test.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from adfgen.core.adf_docs import (  # noqa: F401 (cited as evidence.X across the runtime)
    DOCUMENTED, OBSERVED, ASSUMED, LEARN, ERROR_HANDLING, WEB, REST, PAGINATION, LOOKUP, FOREACH, UNTIL, IF, SWITCH,
    FILTER, FAIL, EXECUTE, SET_VARIABLE, GET_METADATA, POLICY, DEPENDENCY, CONCURRENCY,
    INACTIVE, NESTED, SYSTEM_VARIABLES, EXPRESSIONS, RETURN_VALUE, COPY_MONITORING, SECURE, LIMITS, NONE,
    FOREACH_QUEUES)


@dataclass(frozen=True)
class Behaviour:
    """One runtime behaviour and where the claim comes from."""

    key: str
    text: str
    status: str
    source: str


BEHAVIOURS: tuple[Behaviour, ...] = (
    # dependencies and outcome
    Behaviour("dependency.conditions", "An activity runs when every dependency has one of its listed conditions; "
              "Completed means Succeeded or Failed; otherwise it is Skipped", DOCUMENTED, DEPENDENCY),
    Behaviour("outcome.leaves", "A pipeline succeeds when every leaf activity succeeded; a skipped leaf is judged "
              "by its parents (Try-Catch succeeds, Do-If-Else fails when the failure path ran)", DOCUMENTED,
              ERROR_HANDLING),
    Behaviour("outcome.container", "If, Switch, ForEach and Until judge their inner activities with the pipeline's "
              "leaf rule; a container fails when its inner activities fail", ASSUMED, NONE),
    Behaviour("inactive.mark", "An Inactive activity does not run and reports onInactiveMarkAs (default Succeeded)",
              DOCUMENTED, INACTIVE),
    Behaviour("policy.retry", "A failed activity is re-run `retry` times, retryIntervalInSeconds apart", DOCUMENTED,
              POLICY),
    Behaviour("policy.timeout", "An attempt that runs longer than the policy timeout fails (default 12 hours, "
              "at most 7 days)", DOCUMENTED, POLICY),
    Behaviour("policy.timeout.per_attempt", "The policy timeout applies to each attempt separately", ASSUMED, NONE),
    Behaviour("concurrency.queue", "Runs beyond a pipeline's `concurrency` wait in a queue until a run finishes",
              DOCUMENTED, CONCURRENCY),
    Behaviour("scope.container_results", "Activities after an If/Switch/Until can read the outputs of the "
              "activities inside it", ASSUMED, NONE),
    Behaviour("activity.object", "activity('x') gives output, error and status (read as .Status)", ASSUMED,
              "public examples use activity('x').Status and .error.message; no reference page lists the shape"),
    Behaviour("expression.invalid", "An expression that cannot be evaluated fails its activity", DOCUMENTED,
              EXPRESSIONS),
    Behaviour("secure.mask", "secureInput/secureOutput values are not shown in monitoring; this runtime prints "
              "them as \"(secure)\"", DOCUMENTED, SECURE),
    Behaviour("secure.errors", "A secure activity's error message is still shown (secrets in it are scrubbed)",
              ASSUMED, NONE),
    Behaviour("secure.parameters", "SecureString parameter values are masked in monitoring", ASSUMED, NONE),
    # control flow
    Behaviour("execute.wait", "Execute Pipeline with waitOnCompletion waits and fails when the child fails; "
              "without it, it succeeds once the child run starts", DOCUMENTED, EXECUTE),
    Behaviour("execute.return", "The child's return value appears as output.pipelineReturnValue", DOCUMENTED,
              RETURN_VALUE),
    Behaviour("foreach.batch", "ForEach runs at most batchCount iterations at once (default 20, at most 50); "
              "isSequential runs one at a time", DOCUMENTED, FOREACH),
    Behaviour("foreach.queues", "ForEach deals its items round-robin into batchCount queues when it starts and "
              "never rebalances them: a slow item delays the rest of its queue while other queues are idle",
              OBSERVED, FOREACH_QUEUES),
    Behaviour("foreach.failure", "A failed iteration does not stop the others; the ForEach fails when any "
              "iteration failed", ASSUMED, NONE),
    Behaviour("until.continue", "Until keeps looping when an inner activity fails and fails only on timeout or "
              "when its last iteration failed", ASSUMED, UNTIL),
    Behaviour("until.timeout", "Until stops with a failure when its timeout passes (default 7 days)", DOCUMENTED, UNTIL),
    Behaviour("switch.match", "Switch runs the case whose value equals the evaluated `on` string, else the "
              "default activities", DOCUMENTED, SWITCH),
    Behaviour("switch.case_sensitive", "Switch compares case values with `on` case-sensitively", ASSUMED, NONE),
    Behaviour("if.boolean", "If Condition's expression must evaluate to a boolean", DOCUMENTED, IF),
    Behaviour("filter.output", "Filter's output.value holds the items the condition kept", DOCUMENTED, FILTER),
    Behaviour("filter.counts", "Filter's output also has ItemsCount and FilteredItemsCount", ASSUMED, NONE),
    Behaviour("fail.error", "Fail fails with its message and errorCode", DOCUMENTED, FAIL),
    Behaviour("variable.types", "Set Variable refuses a value of another type than the variable's", DOCUMENTED,
              SET_VARIABLE),
    Behaviour("return.value", "setSystemVariable with pipelineReturnValue sets the run's return value from "
              "{key, value: {type, content}} entries", DOCUMENTED, RETURN_VALUE),
    # web
    Behaviour("web.output", "Web's output is the parsed JSON object plus ADFWebActivityResponseHeaders",
              DOCUMENTED, WEB),
    Behaviour("web.shape", "A Web response must be a JSON object of at most 4 MB", DOCUMENTED, WEB),
    Behaviour("web.empty", "An empty 2xx Web response gives an empty output object", ASSUMED, NONE),
    Behaviour("web.text", "A non-JSON 2xx Web response gives {\"Response\": text}", ASSUMED,
              "recalled from public Q&A answers that read activity('x').output.Response; no URL checked"),
    Behaviour("web.status", "A Web response status outside 200-299 fails the activity", DOCUMENTED, WEB),
    Behaviour("web.async", "A 202 with a Location header is polled with GET (waiting Retry-After, 1 s by "
              "default) until the reply is not 202, unless turnOffAsync is true", DOCUMENTED, WEB),
    Behaviour("web.msi", "authentication MSI sends a token of the factory's identity for `resource`", DOCUMENTED, WEB),
    # REST copy
    Behaviour("rest.headers_once", "additionalHeaders are evaluated once when the Copy starts", DOCUMENTED, REST),
    Behaviour("rest.accept", "The REST source sends Accept: application/json whatever additionalHeaders say",
              DOCUMENTED, REST),
    Behaviour("rest.url_join", "The request URL is the linked service URL joined to the dataset's relativeUrl",
              DOCUMENTED, REST),
    Behaviour("rest.204", "HTTP 204 ends pagination", DOCUMENTED, PAGINATION),
    Behaviour("rest.null_ends", "A pagination value whose JSONPath returns null ends pagination", DOCUMENTED,
              PAGINATION),
    Behaviour("rest.end_condition", "EndCondition rules end pagination after the page that meets them",
              DOCUMENTED, PAGINATION),
    Behaviour("rest.end_condition_extra", "EndCondition values NonEmpty and NotExist (beyond the documented Empty, "
              "NonExist, Exist and Const:value) are accepted", ASSUMED, NONE),
    Behaviour("rest.range_first", "A RANGE rule's first request already uses the start value", ASSUMED, PAGINATION),
    Behaviour("rest.range_named", "A RANGE on a named key without braces (QueryParameters.page: RANGE:1::1) sets "
              "that query parameter or header on every request", ASSUMED, NONE),
    Behaviour("rest.max_requests", "Reaching MaxRequestNumber stops paging and the Copy succeeds", ASSUMED,
              PAGINATION),
    Behaviour("rest.rfc5988", "Without pagination rules, RFC 5988 Link rel=next headers are followed",
              DOCUMENTED, PAGINATION),
    Behaviour("rest.empty_body", "An empty 2xx body from the REST source ends pagination with no records", ASSUMED,
              NONE),
    Behaviour("rest.304", "HTTP 304 from the REST source ends pagination with no records", ASSUMED, NONE),
    Behaviour("rest.no_retry_429", "The REST source does not retry a 429 or 5xx itself: the Copy fails and the "
              "activity policy retries", ASSUMED, NONE),
    Behaviour("rest.range_in_value", "A RANGE rule's {var} is replaced wherever it stands in the URL, also inside a "
              "longer, percent-encoded query value (QuickBooks: query=...STARTPOSITION%20{position}%20...)", ASSUMED,
              PAGINATION + " (its examples show {var} as a whole query value or path segment only)"),
    Behaviour("rest.url_as_given", "The REST source sends the relative URL as given: its percent-escapes are neither "
              "decoded nor encoded again", ASSUMED, NONE),
    Behaviour("rest.rule_expressions", "paginationRules values that are expressions are evaluated once at start",
              ASSUMED, NONE),
    Behaviour("rest.request_interval", "requestInterval is waited before each request after the first",
              DOCUMENTED, REST),
    Behaviour("rest.oauth2_client_credential", "OAuth2ClientCredential fetches a token with the client "
              "credentials grant and sends it as a Bearer token", DOCUMENTED, REST),
    Behaviour("rest.oauth2_client_in_body", "OAuth2ClientCredential sends client_id and client_secret in the token "
              "POST's form body, with scope and resource when set", ASSUMED,
              REST + " (the page names the linked service's fields, not how the request carries them)"),
    Behaviour("rest.oauth2_token_per_copy", "OAuth2ClientCredential fetches one token as a Copy starts and sends it "
              "with every page of that Copy", ASSUMED, NONE),
    Behaviour("copy.max_rows_per_file", "A DelimitedText or Parquet sink with maxRowsPerFile writes files of at most "
              "that many rows named <fileNamePrefix>_00000.<ext> in the dataset's folder", DOCUMENTED,
              LEARN + "format-delimited-text#delimited-text-as-sink"),
    Behaviour("copy.file_name", "A file sink dataset without a fileName gets data_<guid>.<extension>", ASSUMED, NONE),
    Behaviour("copy.no_partial_file", "A Copy that fails after reading some pages leaves no sink file (nothing is "
              "written until every page is read)", ASSUMED, NONE),
    Behaviour("copy.empty_file", "A Copy that reads no records still writes an empty sink file", ASSUMED, NONE),
    Behaviour("copy.output", "Copy's output has rowsRead, rowsCopied, dataRead, dataWritten, filesWritten and "
              "copyDuration", DOCUMENTED, COPY_MONITORING),
    # lookup, metadata
    Behaviour("lookup.rows", "Lookup returns at most 5,000 rows (the rest silently dropped) and fails above "
              "4 MB", DOCUMENTED, LOOKUP),
    Behaviour("lookup.output", "Lookup gives output.firstRow, or output.count and output.value", DOCUMENTED, LOOKUP),
    Behaviour("lookup.empty_first_row", "Lookup with firstRowOnly over no rows gives an output without firstRow",
              ASSUMED, "recalled from public Q&A (firstRow missing on an empty result); no URL checked"),
    Behaviour("metadata.missing", "Get Metadata on a missing file fails unless fieldList asks for exists",
              DOCUMENTED, GET_METADATA),
    Behaviour("system.variables", "pipeline() gives RunId, TriggerTime, TriggerType, TriggerName, Pipeline, "
              "DataFactory, GroupId, TriggeredByPipelineName and TriggeredByPipelineRunId", DOCUMENTED,
              SYSTEM_VARIABLES),
)

BY_KEY = {b.key: b for b in BEHAVIOURS}


class Relied:
    """The behaviours one `adfgen run` depended on (thread-safe)."""

    def __init__(self) -> None:
        self._keys: dict[str, int] = {}
        self._lock = threading.Lock()

    def use(self, key: str) -> None:
        """Record that the run depended on behaviour `key`."""
        if key not in BY_KEY:
            raise KeyError(f"unknown behaviour {key!r}")
        with self._lock:
            self._keys[key] = self._keys.get(key, 0) + 1

    def keys(self) -> list[str]:
        """The behaviours used, in table order."""
        with self._lock:
            return [b.key for b in BEHAVIOURS if b.key in self._keys]

    def assumed(self) -> list[Behaviour]:
        """The assumed behaviours used: what a real factory must confirm."""
        return [BY_KEY[k] for k in self.keys() if BY_KEY[k].status == ASSUMED]


def markdown_table() -> str:
    """The evidence table as docs/run.md shows it."""
    lines = ["| key | behaviour | status | source |", "| --- | --- | --- | --- |"]
    for b in BEHAVIOURS:
        lines.append(f"| `{b.key}` | {b.text} | {b.status} | {b.source} |")
    return "\n".join(lines)


def render_doc(template: str) -> str:
    """docs/run.md with the generated tables between their markers replaced by the current ones."""
    from adfgen.core import adf_limits as limits

    for marker, table in (("evidence", markdown_table()), ("limits", limits.markdown_table())):
        begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
        head, _, rest = template.partition(begin)
        _, _, tail = rest.partition(end)
        template = f"{head}{begin}\n{table}\n{end}{tail}"
    return template


if __name__ == "__main__":  # python -m adfgen.local.evidence docs/run.md: regenerate the tables in place
    import sys
    from pathlib import Path

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/run.md")
    target.write_text(render_doc(target.read_text(encoding="utf-8")), encoding="utf-8")
