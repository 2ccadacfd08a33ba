"""The function table of the ADF pipeline expression language, and the name/arity check over an AST.

Arities are what the engine accepts: Microsoft's expression engine as embedded in data-factory-testing-framework
1.4.4 (the Logic Apps template-language engine), verified call by call in tests/test_expressions_dftf.py.
Where the documentation (MicrosoftDocs control-flow-expression-language-functions.md, reference adf-json.md 17.2)
says otherwise, the engine wins and the entry carries a `doc` note.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ExpressionError
from .nodes import Call, Node, Template, walk


@dataclass(frozen=True, slots=True)
class Function:
    """One function: canonical name, minimum and maximum argument count (None: no maximum)."""

    name: str
    min_args: int
    max_args: int | None
    category: str
    doc: str = ""  # how the documentation differs from the engine, if it does

    def accepts(self, count: int) -> bool:
        """True when the engine accepts a call with count arguments."""
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)

    def arity_text(self) -> str:
        """The valid argument counts in words, e.g. 'exactly 2 arguments', '1 to 2 arguments'."""
        low, high = self.min_args, self.max_args
        if high is None:
            return f"at least {low} argument{'s' if low != 1 else ''}"
        if low == high:
            return "no arguments" if low == 0 else f"exactly {low} argument{'s' if low != 1 else ''}"
        return f"{low} to {high} arguments"


def _table(category: str, entries: Iterable[tuple]) -> list[Function]:
    return [Function(e[0], e[1], e[2], category, *e[3:]) for e in entries]


_DOC_2PLUS = "the documentation says at least 2 arguments; the engine accepts 1"

FUNCTIONS_LIST: list[Function] = [
    *_table(
        "string",
        [
            ("concat", 1, None, _DOC_2PLUS),
            ("endsWith", 2, 2),
            ("guid", 0, 1),
            ("indexOf", 2, 2),
            ("lastIndexOf", 2, 2),
            ("replace", 3, 3),
            ("split", 2, 2),
            ("startsWith", 2, 2),
            ("substring", 2, 3, "the documentation lists 3 arguments; the engine makes length optional"),
            ("toLower", 1, 1),
            ("toUpper", 1, 1),
            ("trim", 1, 1),
        ],
    ),
    *_table(
        "collection",
        [
            ("contains", 2, 2),
            ("empty", 1, 1),
            ("first", 1, 1),
            ("intersection", 2, None),
            ("join", 2, 2),
            ("last", 1, 1),
            ("length", 1, 1),
            ("skip", 2, 2),
            ("take", 2, 2),
            ("union", 2, None),
        ],
    ),
    *_table(
        "logical",
        [
            ("and", 1, None, "the documentation says exactly 2 arguments; the engine accepts 1 or more"),
            ("equals", 2, None, "the documentation says exactly 2 arguments; the engine accepts 2 or more"),
            ("greater", 2, 2),
            ("greaterOrEquals", 2, 2),
            ("if", 3, 3),
            ("less", 2, 2),
            ("lessOrEquals", 2, 2),
            ("not", 1, 1),
            ("or", 1, None, "the documentation says exactly 2 arguments; the engine accepts 1 or more"),
        ],
    ),
    *_table(
        "conversion",
        [
            ("array", 1, 1),
            ("base64", 1, 1),
            ("base64ToBinary", 1, 1),
            ("base64ToString", 1, 1),
            ("binary", 1, 1),
            ("bool", 1, 1),
            ("coalesce", 1, None),
            ("createArray", 1, None, "the documentation's table says at least two items; the engine accepts 1"),
            ("dataUri", 1, 1),
            ("dataUriToBinary", 1, 1),
            ("dataUriToString", 1, 1),
            ("decodeBase64", 1, 1),
            ("decodeDataUri", 1, 1),
            ("decodeUriComponent", 1, 1),
            (
                "encodeUriComponent",
                1,
                None,
                "the documentation says 1 argument; the engine encodes and joins 1 or more",
            ),
            ("float", 1, 2, "the documentation says 1 argument; the engine takes an optional culture, e.g. 'de-DE'"),
            ("int", 1, 1),
            ("json", 1, 1),
            ("string", 1, 1),
            ("uriComponent", 1, None, "the documentation says 1 argument; the engine encodes and joins 1 or more"),
            ("uriComponentToBinary", 1, 1),
            ("uriComponentToString", 1, 1),
            ("xml", 1, 1),
            ("xpath", 2, 2),
        ],
    ),
    *_table(
        "math",
        [
            ("add", 2, 2),
            ("div", 2, 2),
            ("max", 1, None),
            ("min", 1, None),
            ("mod", 2, 2),
            ("mul", 2, 2),
            ("rand", 2, 2),
            ("range", 2, 2),
            ("sub", 2, 2),
        ],
    ),
    *_table(
        "date",
        [
            ("addDays", 2, 3),
            ("addHours", 2, 3),
            ("addMinutes", 2, 3),
            ("addSeconds", 2, 3),
            ("addToTime", 3, 4),
            ("convertFromUtc", 2, 3),
            ("convertTimeZone", 3, 4),
            ("convertToUtc", 2, 3),
            ("dayOfMonth", 1, 1),
            ("dayOfWeek", 1, 1),
            ("dayOfYear", 1, 1),
            ("formatDateTime", 1, 3, "the documentation lists 1 to 2 arguments; the engine also takes a locale"),
            ("getFutureTime", 2, 3),
            ("getPastTime", 2, 3),
            ("startOfDay", 1, 2),
            ("startOfHour", 1, 2),
            ("startOfMonth", 1, 2),
            ("subtractFromTime", 3, 4),
            ("ticks", 1, 1),
            ("utcNow", 0, 1),
        ],
    ),
    # Accessors: ADF's own context functions. Their arguments are names (activity, variable) as literals.
    *_table(
        "accessor",
        [
            ("activity", 1, 1),
            ("dataset", 0, 0),
            ("item", 0, 0),
            ("linkedService", 0, 0),
            ("pipeline", 0, 0),
            ("trigger", 0, 0),
            ("triggerBody", 0, 0),
            ("triggerOutputs", 0, 0),
            ("variables", 1, 1),
        ],
    ),
]

# The 84 documented functions, i.e. every category but the accessors.
DOCUMENTED = tuple(f.name for f in FUNCTIONS_LIST if f.category != "accessor")

FUNCTIONS: dict[str, Function] = {f.name.lower(): f for f in FUNCTIONS_LIST}
_CANONICAL = {f.name.lower(): f.name for f in FUNCTIONS_LIST}


def lookup(name: str) -> Function | None:
    """The table entry for a function name, case-insensitively."""
    return FUNCTIONS.get(name.lower())


def suggest(name: str) -> str | None:
    """The closest known function name to name, if any is close."""
    match = difflib.get_close_matches(name.lower(), list(FUNCTIONS), n=1, cutoff=0.6)
    return _CANONICAL[match[0]] if match else None


def check_call(call: Call) -> ExpressionError | None:
    """The unknown-function or arity error of one call, or None."""
    function = FUNCTIONS.get(call.name.lower())
    if function is None:
        hint = suggest(call.name)
        tail = f"; did you mean {hint!r}?" if hint else ""
        return ExpressionError(f"unknown function {call.name!r}{tail}", call.position, "unknown_function")
    count = len(call.args)
    if not function.accepts(count):
        return ExpressionError(
            f"function {function.name!r} takes {function.arity_text()}, got {count}", call.position, "arity"
        )
    return None


def check_functions(node: Node | Template) -> list[ExpressionError]:
    """Every unknown-function and wrong-arity error in node (an expression or a parsed Template), in source order."""
    errors = [e for n in walk(node) if isinstance(n, Call) and (e := check_call(n)) is not None]
    errors.sort(key=lambda e: e.position)
    return errors
