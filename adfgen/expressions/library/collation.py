"""String order for greater/less/greaterOrEquals/lessOrEquals: the engine's culture-aware comparison.

The engine compares two strings with .NET's culture comparison, which on Linux is ICU's root collation (observed
through data-factory-testing-framework 1.4.4 on ICU 72: 'a' < 'A' < 'b', '-' < ',' < digits < letters, control
characters ignored). For ASCII text the order below is the engine's, read off it character by character. Other
text is approximated: a character sorts by its decomposed base letter, then its accents, then its case, which is
what ICU does for Latin, Greek and Cyrillic letters; symbols, CJK and expansions such as 'ß' = 'ss' are not
modelled (tests/evaluator_cases/logic.py KNOWN_QUIRKS).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# ASCII characters from lowest to highest primary weight; a letter's two cases share a weight, lower case first
# (observed: single characters sorted by the engine's less/greater). Absent characters (NUL..BS, SO..US, DEL)
# are ignorable: 'a' followed by U+0001 equals 'a' (observed).
_ASCII_ORDER = (
    "\t\n\x0b\x0c\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789"
    "aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ"
)


def _ascii_tables() -> tuple[dict[int, str | None], dict[int, str | None]]:
    primary: dict[int, str | None] = {code: None for code in range(128)}
    tertiary: dict[int, str | None] = {code: None for code in range(128)}
    weight = 0
    for char in _ASCII_ORDER:
        if char.isupper():
            primary[ord(char)] = primary[ord(char.lower())]
            tertiary[ord(char)] = "1"
            continue
        weight += 1
        primary[ord(char)] = chr(0x100 + weight)
        tertiary[ord(char)] = "0"
    return primary, tertiary


_PRIMARY, _TERTIARY = _ascii_tables()
_COMMON = 0  # the secondary and tertiary weight of a plain base character


def compare_text(a: str, b: str) -> int:
    """-1, 0 or 1: a against b in the engine's culture order; equal when only ignorable characters differ."""
    if a == b:
        return 0
    if a.isascii() and b.isascii():
        result = _cmp(a.translate(_PRIMARY), b.translate(_PRIMARY))
        return result or _cmp(a.translate(_TERTIARY), b.translate(_TERTIARY))
    ka, kb = _key(a), _key(b)
    return _cmp(ka[0], kb[0]) or _cmp(ka[1], kb[1]) or _cmp(ka[2], kb[2])


def _cmp(x, y) -> int:
    return (x > y) - (x < y)


def _key(text: str) -> tuple[list[int], list[int], list[int]]:
    primaries: list[int] = []
    secondaries: list[int] = []
    tertiaries: list[int] = []
    for char in text:
        for primary, secondary, tertiary in _elements(char):
            if primary:
                primaries.append(primary)
            if primary or secondary:
                secondaries.append(secondary)
                tertiaries.append(tertiary)
    return primaries, secondaries, tertiaries


@lru_cache(maxsize=4096)
def _elements(char: str) -> tuple[tuple[int, int, int], ...]:
    """The collation elements (primary, secondary, tertiary) of one character; primary 0 is ignorable."""
    code = ord(char)
    if code < 128:
        weight = _PRIMARY[code]
        return ((ord(weight), _COMMON, int(_TERTIARY[code])),) if weight else ()  # type: ignore[arg-type]
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    elements: list[tuple[int, int, int]] = []
    if unicodedata.category(base) in ("Mn", "Me", "Cc", "Cf"):
        marks = decomposed
    else:
        lower = base.lower()[:1] or base
        case = 1 if lower != base else _COMMON
        code = ord(lower)
        weight = ord(_PRIMARY[code]) if code < 128 and _PRIMARY[code] else 0x10000 + code  # type: ignore[arg-type]
        elements.append((weight, _COMMON, case))
    elements.extend((0, 1 + ord(mark), _COMMON) for mark in marks if unicodedata.category(mark) in ("Mn", "Me"))
    return tuple(elements)
