"""String order for greater/less/greaterOrEquals/lessOrEquals: the engine's culture-aware comparison.

The engine compares two strings with .NET's culture comparison, which on Linux is ICU's root collation (observed
through data-factory-testing-framework 1.4.4 on ICU 72: 'a' < 'A' < 'b', '-' < ',' < digits < letters, control
characters ignored). For ASCII text the order below is the engine's, read off it character by character, and so
is the place of common non-ASCII punctuation, symbols and currency signs (_PLACED). Other text is modelled on
DUCET: three levels (base letter, then accents, then case and compatibility form, e.g. 'a' < 'ａ' < 'A' < 'ª'),
with the ligatures and special letters ICU treats apart (ß, æ, ø, ı, ſ, final sigma). Scripts sort by code point
and unplaced symbols together; see tests/evaluator_cases/logic.py KNOWN_QUIRKS for what is not modelled.
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
        primary[ord(char)] = chr(0x100 + 4 * weight)  # room between letters for others (ı after i)
        tertiary[ord(char)] = "0"
    return primary, tertiary


_PRIMARY, _TERTIARY = _ascii_tables()
_COMMON = 0  # the secondary weight of a plain base character


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


# Letters that ICU sorts as a base letter with a stroke or as two letters (DUCET/CLDR root).
_SPECIAL = {  # char: spelled out (a stroke as its combining overlay)
    "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe", "\u0152": "OE", "\u00f8": "o\u0338",
    "\u00d8": "O\u0338", "\u0111": "d\u0335", "\u0110": "D\u0335", "\u0142": "l\u0337", "\u0141": "L\u0337",
    "\u00f0": "d\u0336", "\u00d0": "D\u0336", "\u0127": "h\u0335", "\u0126": "H\u0335",
}
# Punctuation, symbols and currency signs of Latin-1 and the General Punctuation and Currency blocks: each group
# sorts just before the ASCII character named, in this order (observed: each placed among ASCII by the engine's
# less/greater, then the whole list sorted by it).
_PLACED = (
    (',', '‐‒–—―'),
    ('?', '¡'),
    ('.', '¿‽'),
    ("'", '·'),
    ('"', '‘’‚‛‹›'),
    ('(', '“”„‟«»'),
    ('@', '‖§¶'),
    ('`', '‰‱†‡•‣‧⁃′‵‸※‿⁀⁁⁂'),
    ('+', '°©®'),
    ('<', '±÷×'),
    ('|', '¬'),
    ('~', '¦'),
    ('$', '⁄¤¢'),
    ('0', '£¥₠₡₢₣₤₥₦₧₩₪₫€₭₮₯₰₱₲₳₴₵₶₷₸₹₺₻₼₽₾₿'),
)
# Latin letters without a decomposition that ICU sorts as letters of their own, just after the ASCII letter named,
# in this order (observed, as _PLACED); 'ð' and 'ħ' are d and h with a stroke (in _SPECIAL).
_LETTERS_AFTER = {
    'b': 'ƀƃ',
    'c': 'ȼƈ',
    'd': 'ȸƌȡ',
    'e': 'ɇǝ',
    'f': 'ƒ',
    'g': 'ǥƣ',
    'h': 'ƕ',
    'j': 'ȷɉ',
    'k': 'ƙ',
    'l': 'ƚȴƛ',
    'n': 'ƞȵŋ',
    'o': 'ȣ',
    'p': 'ƥ',
    'q': 'ȹɋĸ',
    'r': 'ɍ',
    's': 'ȿƪ',
    't': 'ƾŧƫƭȶ',
    'y': 'ɏƴȝ',
    'z': 'ƍƶȥɀƹƺþƿƻƨƽƅɂǀǁǂǃ',
}
_SYMBOL = ord(_PRIMARY[ord("~")]) + 0.5  # other symbols (emoji, ...) sort after '~' and before '$' and digits


def _placed_weights() -> dict[str, float]:
    weights: dict[str, float] = {}
    for before, chars in _PLACED:
        top = ord(_PRIMARY[ord(before)])  # type: ignore[arg-type]
        for rank, char in enumerate(chars, 1):
            weights[char] = top - 3 + 2 * rank / (len(chars) + 1)  # strictly between the ASCII neighbours
    for letter, chars in _LETTERS_AFTER.items():
        base = ord(_PRIMARY[ord(letter)])  # type: ignore[arg-type]
        for rank, char in enumerate(chars, 1):
            weights[char] = base + 0.5 + 2 * rank / (len(chars) + 1)  # after the letter, before the next (+4)
    return weights


_PLACED_WEIGHTS = _placed_weights()
_DOTLESS_I = ord(_PRIMARY[ord("i")]) + 2  # 'ı' is a letter of its own right after i
# The combining marks U+0300..U+036F in the engine's secondary order, marks of one string weighing the same
# (observed: 'a' + each mark sorted by the engine's less/greater); U+034F is ignorable, later blocks by code point.
_ACCENT_ORDER = (
    "\u0332", "\u0313\u0343", "\u0314", "\u0301\u0341", "\u0300\u0340", "\u0306", "\u0302", "\u030c", "\u030a",
    "\u0342", "\u0308", "\u0344", "\u030b", "\u0303", "\u0307", "\u0338", "\u0327", "\u0328", "\u0304",
    "\u030d\u030e\u0312\u0315\u031a\u033d\u033e\u033f\u0346\u034a"
    "\u034b\u034c\u0350\u0351\u0352\u0357\u035b\u035d\u035e",
    "\u0316\u0317\u0318\u0319\u031c\u031d\u031e\u031f\u0320\u0329\u032a"
    "\u032b\u032c\u032f\u0333\u033a\u033b\u033c\u0347\u0348\u0349\u034d"
    "\u034e\u0353\u0354\u0355\u0356\u0359\u035a\u035c\u035f\u0362",
    "\u0336\u0337", "\u0335", "\u0305", "\u0309", "\u030f", "\u0310", "\u0311", "\u031b", "\u0321", "\u0322",
    "\u0323", "\u0324", "\u0325", "\u0326", "\u032d", "\u032e", "\u0330", "\u0331", "\u0334", "\u0339", "\u0345",
    "\u0358", "\u0360", "\u0361", "\u0363", "\u0368", "\u0369", "\u0364", "\u036a", "\u0365", "\u036b", "\u0366",
    "\u036c", "\u036d", "\u0367", "\u036e", "\u036f",
)
_ACCENTS = {mark: rank for rank, group in enumerate(_ACCENT_ORDER, 1) for mark in group}
_ACCENTS["\u034f"] = 0


# DUCET's tertiary weights (UTS #10, tertiary weight table): plain lower case or uncased 2, upper case 8, and a
# compatibility form by its decomposition tag, 6 higher when upper case for the first four tags (observed order:
# a < ａ < 𝐚 < ⓐ < A < Ａ < 𝐀 < Ⓐ < ª < ₐ, and ' ' < U+3000 < U+2003 < U+00A0).
_LOWER, _UPPER = 2, 8
_TAG_TERTIARY = {
    "<wide>": 3, "<compat>": 4, "<font>": 5, "<circle>": 6, "<narrow>": 0x0E, "<small>": 0x0F, "<square>": 0x10,
    "<initial>": 0x11, "<medial>": 0x12, "<final>": 0x13, "<super>": 0x14, "<sub>": 0x15, "<vertical>": 0x16,
    "<isolated>": 0x17, "<fraction>": 0x1A, "<noBreak>": 0x1B,
}


@lru_cache(maxsize=4096)
def _elements(char: str) -> tuple[tuple[float, int, int], ...]:
    """The collation elements (primary, secondary, tertiary) of one character; primary 0 is ignorable."""
    code = ord(char)
    if code < 128:
        weight = _PRIMARY[code]
        if not weight:
            return ()
        return ((ord(weight), _COMMON, _UPPER if _TERTIARY[code] == "1" else _LOWER),)
    if unicodedata.category(char) in ("Cc", "Cf"):
        return ()
    if char == "\u0131":
        return ((_DOTLESS_I, _COMMON, _LOWER),)
    if char == "\u03c2":  # final sigma: sigma with a tertiary weight of its own, above upper case
        return ((0x10000 + 0x03C3, _COMMON, 0x19),)
    if char in _SPECIAL:
        letters = tuple(e for c in _SPECIAL[char] for e in _elements(c))
        if "\u0330" <= _SPECIAL[char][-1] <= "\u0340":  # a letter with a stroke: an accent, spelled out
            return letters
        # a ligature: its letters with a secondary element after the first and a compatibility tertiary (DUCET)
        first, *rest = ((p, s, t + 2) for p, s, t in letters)
        return (first, (0, 0x1111 if char == "\u00df" else 0x1110, 4), *rest)
    if char == "\u017f":  # long s: an s with a secondary difference (observed: 'aſ' > 'AS')
        return ((ord(_PRIMARY[ord("s")]), _COMMON, 4), (0, 0x1112, 4))  # type: ignore[arg-type]
    decomposition = unicodedata.decomposition(char)
    tag = decomposition.split(" ", 1)[0] if decomposition.startswith("<") else ""
    base = _TAG_TERTIARY.get(tag, _LOWER) if tag else _LOWER
    cased = base <= 6  # upper-case forms exist for plain, wide, compat, font and circle
    decomposed = unicodedata.normalize("NFKD" if tag else "NFD", char)
    elements: list[tuple[int, int, int]] = []
    for part in decomposed:
        kind = unicodedata.category(part)
        if kind in ("Mn", "Me"):
            elements.append((0, _ACCENTS.get(part, ord(part)), _COMMON))  # rank 0: ignorable
            continue
        lower = part.lower()[:1] or part
        tertiary = base + (6 if cased and lower != part else 0)
        if ord(lower) < 128:
            weight = _PRIMARY[ord(lower)]
            if weight:
                elements.append((ord(weight), _COMMON, tertiary))
        elif lower in _PLACED_WEIGHTS:
            elements.append((_PLACED_WEIGHTS[lower], _COMMON, tertiary))
        elif kind == "Nd":  # every script's digits sort with the ASCII digit of the same value
            elements.append((ord(_PRIMARY[48 + unicodedata.digit(part)]), _COMMON, tertiary))  # type: ignore[arg-type]
        elif kind.startswith(("L", "N")):
            elements.append((0x10000 + ord(lower), _COMMON, tertiary))
        else:
            elements.append((_SYMBOL, _COMMON, tertiary))
    return tuple(elements)
