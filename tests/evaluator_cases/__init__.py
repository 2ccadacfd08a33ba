"""Expression cases for the evaluator, one module per function category, each with `CASES: list[str]`.

A case is a JSON string value ('@expr' or text with '@{...}'); tests/test_evaluator_cases.py evaluates each one
with adfgen's evaluator and with Microsoft's engine on `SCOPE` (below, or the module's own) and requires equal
values or failure on both sides. No case carries an expected value: the engine is the oracle.
"""

from __future__ import annotations

import datetime as dt

from adfgen.expressions.evaluator import Scope


def default_scope() -> Scope:
    """A scope with a value of each JSON type in parameters, variables, an activity output and the item."""
    return Scope(
        parameters={"s": "Hello", "n": 42, "f": 1.5, "b": True, "z": None, "a": [1, "two", 3.0], "o": {"k": "v"}},
        global_parameters={"env": "dev"},
        system={"RunId": "3b1f5e0c-0000-4000-8000-000000000001", "Pipeline": "pl_test", "DataFactory": "adf-test",
                "TriggerTime": "2026-01-02T03:04:05.1234567Z", "TriggerType": "Manual", "TriggerName": "Sandbox",
                "GroupId": "3b1f5e0c-0000-4000-8000-000000000002"},
        variables={"v": "text", "list": ["a", "b"], "count": 3},
        activities={"Lookup": {"output": {"count": 2, "value": [{"id": 1, "name": "x"}, {"id": 2, "name": None}],
                                          "firstRow": {"id": 1}},
                               "status": "Succeeded", "error": None}},
        item={"id": 7, "tags": ["a"]},
        dataset={"FolderPath": "xero/_state", "FileName": "watermark.json"},
        linked_service={"BaseUrl": "https://api.example.com/"},
        clock=lambda: dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=dt.timezone.utc),
    )
