"""String functions: concat, endsWith, guid, indexOf, lastIndexOf, replace, split, startsWith, substring, toLower,
toUpper, trim.

The engine's strings are .NET strings: positions and lengths count UTF-16 code units, so a character outside the
Basic Multilingual Plane (an emoji) counts 2 and can be cut in half. startsWith, endsWith, indexOf and lastIndexOf
search the way .NET's culture-aware IgnoreCase search does on ICU: case is ignored, control characters are
ignorable, canonically equal text matches ('é' and 'e' + U+0301) and a match cannot end inside an accented letter;
'ß' does not match 'SS'. contains, replace and split are ordinal and case-sensitive (all observed).
"""

from __future__ import annotations

import unicodedata
import uuid
from functools import lru_cache

from .registry import implements
from .values import FunctionError, NotConvertible, to_string, type_name, usage

_INT32 = 1 << 32


LONG_MIN, LONG_MAX = -(1 << 63), (1 << 63) - 1


def int32(value: int) -> int:
    """value cast to a .NET int the way the engine casts its integer arguments (wraps around, observed)."""
    return (check_long(value) + 0x80000000) % _INT32 - 0x80000000


def check_long(value: int) -> int:
    """value, or the engine's error for an integer beyond 64 bits, which it cannot use as a number (observed)."""
    if LONG_MIN <= value <= LONG_MAX:
        return value
    raise FunctionError("Object must implement IConvertible.")


def is_integer(value) -> bool:
    """True for an integer, not a boolean."""
    return type(value) is int


# ---- UTF-16 code units --------------------------------------------------------------------------------------
# A "unit string" is a Python str holding one UTF-16 code unit per character (surrogates as lone characters), so
# that slicing and indexing behave like .NET's. Text within the BMP is its own unit string.


def _bmp(text: str) -> bool:
    return text.isascii() or max(text) < "\U00010000"


def units(text: str) -> str:
    """text as a unit string."""
    if _bmp(text):
        return text
    return "".join(map(chr, memoryview(text.encode("utf-16-le", "surrogatepass")).cast("H")))


def from_units(unit_text: str) -> str:
    """A unit string back as text: surrogate pairs joined, a lone half kept as it is."""
    if unit_text.isascii() or not any("\ud800" <= c <= "\udfff" for c in unit_text):
        return unit_text
    return unit_text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def unit_length(text: str) -> int:
    """len(text) in UTF-16 code units."""
    if _bmp(text):
        return len(text)
    return len(text) + sum(1 for c in text if c >= "\U00010000")


# ---- case -------------------------------------------------------------------------------------------------------
# .NET's invariant casing maps one UTF-16 unit to one unit (simple case mapping). Python's str.upper() applies full
# mappings ('ß' -> 'SS'), so non-ASCII text goes through tables: a character keeps Python's mapping when that is
# one character, except where the engine was seen to differ (every BMP and supplementary character was compared
# with the engine's toUpper/toLower; toLower had no differences).
_UPPER_EXCEPTIONS = {
    0x0131: 0x0131,  # dotless i stays itself (no Turkish mapping in the invariant culture)
    **{code: code + 8 for start in (0x1F80, 0x1F90, 0x1FA0) for code in range(start, start + 8)},
    0x1FB3: 0x1FBC,
    0x1FC3: 0x1FCC,
    0x1FF3: 0x1FFC,
}
_tables: dict[str, dict[int, int]] = {}


def _table(which: str) -> dict[int, int]:
    table = _tables.get(which)
    if table is None:  # built on first use (about 10 ms); most pipelines never case non-ASCII text
        table = {}
        for code in range(0x41, 0x20000):
            char = chr(code)
            mapped = char.upper() if which == "upper" else char.lower()
            if len(mapped) == 1 and mapped != char:
                table[code] = ord(mapped)
        if which == "upper":
            table.update(_UPPER_EXCEPTIONS)
        _tables[which] = table
    return table


def upper(text: str) -> str:
    """text upper-cased as .NET's ToUpperInvariant does."""
    return text.upper() if text.isascii() else text.translate(_table("upper"))


def lower(text: str) -> str:
    """text lower-cased as .NET's ToLowerInvariant does."""
    return text.lower() if text.isascii() else text.translate(_table("lower"))


# ---- argument checks ----------------------------------------------------------------------------------------


def _string_param(function: str, ordinal: str, value) -> str:
    # "expects its first parameter to be of type string" (startsWith, endsWith, indexOf, split, ...)
    if type(value) is not str:
        raise FunctionError(
            f"The template language function '{function}' expects its {ordinal} parameter to be of type string. "
            f"The provided value is of type '{type_name(value)}'. {usage(function)}"
        )
    return value


def _named_param(function: str, ordinal: str, name: str, what: str, value) -> None:
    # "expects its second parameter 'start index' to be an integer" (replace, substring, ...)
    raise FunctionError(
        f"The template language function '{function}' expects its {ordinal} parameter '{name}' to be {what}. "
        f"The provided value is of type '{type_name(value)}'. {usage(function)}"
    )


def _only_param(function: str, what: str, value, anchor: str | None = None) -> FunctionError:
    # "expects its parameter to be a string" (toLower, toUpper, guid); the usage anchor keeps the name's case
    return FunctionError(
        f"The template language function '{function}' expects its parameter to be {what}. "
        f"The provided value is of type '{type_name(value)}'. "
        f"Please see https://aka.ms/logicexpressions#{anchor or function.lower()} for usage details."
    )


def _pair(function: str, args) -> tuple[str, str]:
    return _string_param(function, "first", args[0]), _string_param(function, "second", args[1])


# ---- functions ----------------------------------------------------------------------------------------------


@implements("concat")
def concat(scope, args):
    """The arguments as text, joined (numbers, booleans, arrays and objects as the engine writes them)."""
    return "".join(value if type(value) is str else text_of("concat", "parameter", index, value)
                   for index, value in enumerate(args))


def text_of(function: str, what: str, index: int, value):
    """to_string(value), failing as concat/join do where the engine cannot write the value as text (observed)."""
    try:
        return to_string(value)
    except NotConvertible:
        if type(value) is int:  # .NET cannot convert a BigInteger to text here
            raise FunctionError("Object must implement IConvertible.") from None
        raise FunctionError(f"The template language function '{function}' was invoked with invalid parameters. "
                            f"The {what} at index '{index}' cannot be converted to string.") from None


@implements("startsWith")
def starts_with(scope, args):
    """True when the text starts with the search text, ignoring case."""
    text, search = _pair("startsWith", args)
    if _plain(text) and _plain(search):
        return text.upper().startswith(search.upper())
    key, boundary = _search_key(text)[::2]
    wanted = _search_key(search)[0]
    if not wanted:  # '' or only ignorable text: the latter is false before a leading accent (observed)
        return not search or not key or unicodedata.category(key[0]) != "Mn"
    return key.startswith(wanted) and boundary[len(wanted)]


@implements("endsWith")
def ends_with(scope, args):
    """True when the text ends with the search text, ignoring case."""
    text, search = _pair("endsWith", args)
    if _plain(text) and _plain(search):
        return text.upper().endswith(search.upper())
    key = _search_key(text)[0]
    wanted = _search_key(search)[0]
    return key.endswith(wanted)  # even from inside a letter: 'ж' + U+0300 ends with U+0300 (observed)


@implements("indexOf")
def index_of(scope, args):
    """The first UTF-16 position of the search text, ignoring case; -1 when absent, 0 for ''."""
    text, search = _pair("indexOf", args)
    if _plain(text) and _plain(search):
        return text.upper().find(search.upper())
    key, origin, boundary = _search_key(text)
    wanted = _search_key(search)[0]
    if not wanted:
        return 0
    at = key.find(wanted)
    while at >= 0 and not _whole(boundary, at, len(wanted)):
        at = key.find(wanted, at + 1)
    return origin[at] if at >= 0 else -1


@implements("lastIndexOf")
def last_index_of(scope, args):
    """The last UTF-16 position of the search text, ignoring case; -1 when absent, the length for ''."""
    text, search = _pair("lastIndexOf", args)
    if _plain(text) and _plain(search):
        return text.upper().rfind(search.upper())
    key, origin, boundary = _search_key(text)
    wanted = _search_key(search)[0]
    if not wanted:
        return unit_length(text)
    at = key.rfind(wanted)
    while at >= 0 and not _whole(boundary, at, len(wanted)):
        at = key.rfind(wanted, 0, at + len(wanted) - 1)
    return origin[at] if at >= 0 else -1


def equal_ignoring_case(a: str, b: str) -> bool:
    """True when a and b are equal under the engine's culture-aware IgnoreCase comparison (contains on keys)."""
    if _plain(a) and _plain(b):
        return a.upper() == b.upper()
    return _search_key(a)[0] == _search_key(b)[0]


# ---- culture-aware search ----------------------------------------------------------------------------------------
# ASCII text without control characters searches as ordinal ignore-case does. Other text is compared through a
# key: each character decomposed (compatibility forms too, as ICU equates 'ﬁ' with 'fi' and '𝐀' with 'A', but not
# full-width forms nor 'ſ', observed), ignorable characters (controls, format characters) dropped, upper-cased.
# This models what was observed; ICU's full collation (contractions, expansions such as 'æ') is not modelled.

_ASCII_IGNORABLE = frozenset(chr(c) for c in (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F))
_KEEP_FORM_TAGS = ("<wide>", "<narrow>", "<small>", "<square>", "<vertical>")


def _plain(text: str) -> bool:
    return text.isascii() and _ASCII_IGNORABLE.isdisjoint(text)


@lru_cache(maxsize=8192)
def _fold(char: str) -> str:
    """The search key of one character: '' for an ignorable one."""
    if char.isascii():
        return "" if char in _ASCII_IGNORABLE else char.upper()
    if char == "\u017f":  # long s: ICU keeps it apart from 's' although it upper-cases to 'S' (observed)
        return char
    decomposition = unicodedata.decomposition(char)
    compatible = decomposition.startswith("<") and not decomposition.startswith(_KEEP_FORM_TAGS)
    parts = unicodedata.normalize("NFKD" if compatible else "NFD", char)
    return upper("".join(c for c in parts if unicodedata.category(c) not in ("Cc", "Cf")))


def _search_key(text: str) -> tuple[str, list[int], list[bool]]:
    """The key of text, the UTF-16 position each key character comes from, and where a match may start or end.

    A match may not start or end inside a character's decomposition, nor before an accent that belongs to the
    letter before it; an accent after an ignorable character stands on its own (observed).
    """
    pieces: list[str] = []
    origin: list[int] = []
    boundary: list[bool] = []
    position = 0
    after_ignorable = True
    for char in text:
        folded = _fold(char)
        if folded:
            pieces.append(folded)
            origin.extend([position] * len(folded))
            boundary.append(after_ignorable or unicodedata.category(folded[0]) != "Mn")
            boundary.extend([False] * (len(folded) - 1))
        after_ignorable = not folded
        position += 2 if char >= "\U00010000" else 1
    boundary.append(True)  # the end of the text
    return "".join(pieces), origin, boundary


def _whole(boundary: list[bool], at: int, size: int) -> bool:
    """True when a match of size key characters at key position at starts and ends between letters."""
    return boundary[at] and boundary[at + size]


@implements("replace")
def replace(scope, args):
    """Every occurrence of the old text replaced, case-sensitively."""
    text, old, new = args
    named = ((text, "first", "string"), (old, "second", "old string"), (new, "third", "new string"))
    for value, ordinal, name in named:
        if type(value) is not str:
            _named_param("replace", ordinal, name, "a string", value)
    if not text:  # the engine returns empty text as it is, whatever old is (observed)
        return text
    if not old:
        raise FunctionError("The value cannot be an empty string. (Parameter 'oldValue')")
    return text.replace(old, new)


@implements("split")
def split(scope, args):
    """The text cut at every occurrence of the delimiter; an empty delimiter gives the whole text."""
    text, delimiter = _pair("split", args)
    return text.split(delimiter) if delimiter else [text]


_START_RANGE = (
    "The template language function 'substring' parameter is out of range: 'start index' must be non-negative "
    "integer and should be less than the length of the string. " + usage("substring")
)
_LENGTH_RANGE = (
    "The template language function 'substring' parameters are out of range: 'start index' and 'length' must be "
    "non-negative integers and their sum must be no larger than the length of the string. " + usage("substring")
)


@implements("substring")
def substring(scope, args):
    """length UTF-16 units from start (to the end when length is absent); the engine's range errors otherwise."""
    text, start = args[0], args[1]
    if type(text) is not str:
        _named_param("substring", "first", "string", "a string", text)
    if not is_integer(start):
        _named_param("substring", "second", "start index", "an integer", start)
    text = units(text)
    start = int32(start)
    if start < 0 or start >= len(text):  # checked before the length's type (observed)
        raise FunctionError(_START_RANGE)
    if len(args) == 2:
        return from_units(text[start:])
    if not is_integer(args[2]):
        _named_param("substring", "third", "length", "an integer", args[2])
    length = int32(args[2])
    if length < 0 or int32(start + length) > len(text):  # the engine's sum is a .NET int too, and can wrap
        raise FunctionError(_LENGTH_RANGE)
    if start + length > len(text):  # wrapped past the engine's check; .NET's Substring refuses it (observed)
        raise FunctionError("Index and length must refer to a location within the string. (Parameter 'length')")
    return from_units(text[start : start + length])


@implements("toLower")
def to_lower(scope, args):
    """The text in lower case (invariant culture)."""
    if type(args[0]) is not str:
        raise _only_param("toLower", "a string", args[0], "toLower")
    return lower(args[0])


@implements("toUpper")
def to_upper(scope, args):
    """The text in upper case (invariant culture)."""
    if type(args[0]) is not str:
        raise _only_param("toUpper", "a string", args[0], "toUpper")
    return upper(args[0])


@implements("trim")
def trim(scope, args):
    """The text without leading and trailing white space."""
    text = args[0]
    if type(text) is not str:
        raise FunctionError("The provided parameters for template language function 'trim' are not valid.")
    return text.strip(_WHITE_SPACE)


# .NET's String.Trim() removes the characters for which Char.IsWhiteSpace is true: Unicode categories Zs, Zl, Zp
# and U+0009..U+000D, U+0085. Python's str.strip() also strips U+001C..U+001F, which .NET keeps.
_WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

_GUID_FORMATS = {
    "D": lambda g: str(g),
    "N": lambda g: g.hex,
    "B": lambda g: "{" + str(g) + "}",
    "P": lambda g: "(" + str(g) + ")",
    "X": lambda g: "{0x%s,0x%s,0x%s,{%s}}" % (
        g.hex[:8], g.hex[8:12], g.hex[12:16], ",".join("0x" + g.hex[i : i + 2] for i in range(16, 32, 2))
    ),
}


@implements("guid")
def guid(scope, args):
    """A random (version 4) GUID from the scope's random source, in format N, D (default), B, P or X."""
    form = args[0] if args else "D"
    if type(form) is not str:
        raise _only_param("guid", "of type string", form)
    writer = _GUID_FORMATS.get(form)
    if writer is None:
        raise FunctionError(
            f"The template language function 'guid' format parameter '{form}' is not supported. "
            f"The supported formats are: 'N, D, B, P, X'. {usage('guid')}"
        )
    return writer(uuid.UUID(int=scope.random.getrandbits(128), version=4))
