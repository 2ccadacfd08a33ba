"""The engine's message for a call with a wrong number of arguments, by lower-cased function name and count.

The data is data/arity_messages.json, written by `python tests/regen_arity_messages.py` from Microsoft's engine
(data-factory-testing-framework 1.4.4; observed; generated, do not edit). A count beyond the table uses the message
of the highest count listed, with {count} filled in.
"""

from __future__ import annotations

from .tables import load

# JSON keys are strings; the evaluator looks messages up by the call's argument count.
MESSAGES: dict[str, dict[int, str]] = {
    name: {int(count): text for count, text in by_count.items()}
    for name, by_count in load("arity_messages")["messages"].items()
}
