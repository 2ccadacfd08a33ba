""".NET's DateTime.ToString(format, culture): standard format letters and custom format strings.

A port of .NET's DateTimeFormat.FormatCustomized / ExpandStandardFormatToCustomPattern (dotnet/runtime,
src/libraries/System.Private.CoreLib/src/System/Globalization/DateTimeFormat.cs) for the Gregorian calendar,
checked against the engine. The host's local time zone is UTC (see dotnet_datetime), so 'z' and the offset of a
Local value are always +00:00. FormatError is .NET's FormatException (the engine's "format ... is not supported").
"""

from __future__ import annotations

from .dotnet_cultures import CULTURES
from .dotnet_datetime import LOCAL, UTC, DateTime

ROUNDTRIP = "yyyy'-'MM'-'dd'T'HH':'mm':'ss.fffffffK"


class FormatError(Exception):
    """System.FormatException: the format string is not valid."""


class Culture:
    """The DateTimeFormatInfo fields the formatter reads, from the generated table."""

    def __init__(self, name: str) -> None:
        data = CULTURES[name]
        self.name = name
        self.data = data
        self.read: set[str] = set()  # the fields a formatting read (see culture_free)
        # DateTimeFormatFlags.UseGenitiveMonth: set when a culture's genitive month names differ (DateTimeFormatInfo)
        self.genitive = (data["MonthNames"] != data["MonthGenitiveNames"]
                         or data["AbbreviatedMonthNames"] != data["AbbreviatedMonthGenitiveNames"])

    def __getitem__(self, key: str):
        self.read.add(key)
        return self.data[key]


INVARIANT = Culture("")
_CULTURES: dict[str, Culture] = {}


def culture(name: str) -> Culture:
    """The Culture for a key of CULTURES ('' is the invariant culture)."""
    if name not in _CULTURES:
        _CULTURES[name] = Culture(name)
    return _CULTURES[name]


def culture_free(value: DateTime, fmt: str) -> str | None:
    """value.ToString(fmt) when no culture's data enters the result (digits and literals only), else None."""
    probe = Culture("")
    text = format_datetime(value, fmt, probe)
    return None if probe.read else text


def format_datetime(value: DateTime, fmt: str | None, info: Culture = INVARIANT) -> str:
    """value.ToString(fmt, info); FormatError for an invalid format."""
    if not fmt:
        fmt = "G"
    if len(fmt) == 1:
        fmt, info, value = _expand_standard(fmt, info, value)
    return _custom(value, fmt, info)


def _expand_standard(letter: str, info: Culture, value: DateTime) -> tuple[str, Culture, DateTime]:
    if letter in "oO":
        return ROUNDTRIP, INVARIANT, value
    if letter in "rR":
        return _RFC1123, INVARIANT, value
    if letter == "s":
        return "yyyy'-'MM'-'dd'T'HH':'mm':'ss", INVARIANT, value
    if letter == "u":
        return "yyyy'-'MM'-'dd HH':'mm':'ss'Z'", INVARIANT, value
    if letter == "U":
        # ToUniversalTime(): a Local or Unspecified value is host-local, i.e. already UTC here
        return info["FullDateTimePattern"], info, DateTime(value.ticks, UTC)
    patterns = {
        "d": info["ShortDatePattern"],
        "D": info["LongDatePattern"],
        "f": info["LongDatePattern"] + " " + info["ShortTimePattern"],
        "F": info["FullDateTimePattern"],
        "g": info["ShortDatePattern"] + " " + info["ShortTimePattern"],
        "G": info["ShortDatePattern"] + " " + info["LongTimePattern"],
        "m": info["MonthDayPattern"],
        "M": info["MonthDayPattern"],
        "t": info["ShortTimePattern"],
        "T": info["LongTimePattern"],
        "y": info["YearMonthPattern"],
        "Y": info["YearMonthPattern"],
    }
    if letter not in patterns:
        raise FormatError(letter)
    return patterns[letter], info, value


_RFC1123 = "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'"


def _repeat(fmt: str, pos: int) -> int:
    end = pos
    while end < len(fmt) and fmt[end] == fmt[pos]:
        end += 1
    return end - pos


def _digits(value: int, length: int) -> str:
    return str(value).zfill(min(length, 2)) if length > 1 else str(value)


def _custom(value: DateTime, fmt: str, info: Culture) -> str:
    out: list[str] = []
    pos = 0
    while pos < len(fmt):
        ch = fmt[pos]
        if ch in "hHmsdMyfFtgzK":
            length = _repeat(fmt, pos)
            out.append(_field(value, ch, length, fmt, pos, info, out))
            pos += 1 if ch == "K" else length
        elif ch == ":":
            out.append(info["TimeSeparator"])
            pos += 1
        elif ch == "/":
            out.append(info["DateSeparator"])
            pos += 1
        elif ch in "'\"":
            pos = _quoted(fmt, pos, out)
        elif ch == "%":
            # '%x' formats x alone; '%' at the end and '%%' are invalid
            if pos + 1 >= len(fmt) or fmt[pos + 1] == "%":
                raise FormatError(fmt)
            out.append(_custom(value, fmt[pos + 1], info))
            pos += 2
        elif ch == "\\":
            if pos + 1 >= len(fmt):
                raise FormatError(fmt)
            out.append(fmt[pos + 1])
            pos += 2
        else:
            out.append(ch)
            pos += 1
    return "".join(out)


def _quoted(fmt: str, pos: int, out: list[str]) -> int:
    quote = fmt[pos]
    pos += 1
    while pos < len(fmt):
        ch = fmt[pos]
        pos += 1
        if ch == quote:
            return pos
        if ch == "\\":
            if pos >= len(fmt):
                raise FormatError(fmt)
            out.append(fmt[pos])
            pos += 1
        else:
            out.append(ch)
    raise FormatError(fmt)  # no closing quote


def _field(value: DateTime, ch: str, length: int, fmt: str, pos: int, info: Culture, out: list[str]) -> str:
    if ch == "h":
        return _digits(value.hour % 12 or 12, length)
    if ch == "H":
        return _digits(value.hour, length)
    if ch == "m":
        return _digits(value.minute, length)
    if ch == "s":
        return _digits(value.second, length)
    if ch == "d":
        if length <= 2:
            return _digits(value.day, length)
        names = info["AbbreviatedDayNames"] if length == 3 else info["DayNames"]
        return names[value.day_of_week]
    if ch == "M":
        return _month(value, length, fmt, pos, info)
    if ch == "y":
        if length <= 2:
            return _digits(value.year % 100, length)
        return str(value.year).zfill(length)
    if ch in "fF":
        return _fraction(value, ch, length, out)
    if ch == "t":
        designator = info["AMDesignator"] if value.hour < 12 else info["PMDesignator"]
        return designator[:1] if length == 1 else designator
    if ch == "g":
        return info["EraName"]
    if ch == "z":
        # the offset of a DateTime is the host's (UTC): always zero
        return "+0" if length == 1 else "+00" if length == 2 else "+00:00"
    # 'K': Z for Utc, the host offset for Local, nothing for Unspecified
    return "Z" if value.kind == UTC else "+00:00" if value.kind == LOCAL else ""


def _month(value: DateTime, length: int, fmt: str, pos: int, info: Culture) -> str:
    if length <= 2:
        return _digits(value.month, length)
    index = value.month - 1
    if info.genitive and _genitive(fmt, pos, length):
        names = info["AbbreviatedMonthGenitiveNames"] if length == 3 else info["MonthGenitiveNames"]
    else:
        names = info["AbbreviatedMonthNames"] if length == 3 else info["MonthNames"]
    return names[index]


def _genitive(fmt: str, index: int, length: int) -> bool:
    """.NET's IsUseGenitiveForm: a 'd' or 'dd' (not 'ddd') before or after the month, quotes not considered."""
    i = index - 1
    while i >= 0 and fmt[i] != "d":
        i -= 1
    if i >= 0:
        repeat = 0
        i -= 1
        while i >= 0 and fmt[i] == "d":
            repeat += 1
            i -= 1
        if repeat <= 1:
            return True
    i = index + length
    while i < len(fmt) and fmt[i] != "d":
        i += 1
    if i < len(fmt):
        repeat = 0
        i += 1
        while i < len(fmt) and fmt[i] == "d":
            repeat += 1
            i += 1
        if repeat <= 1:
            return True
    return False


def _fraction(value: DateTime, ch: str, length: int, out: list[str]) -> str:
    if length > 7:
        raise FormatError(ch * length)
    fraction = value.fraction // 10 ** (7 - length)
    if ch == "f":
        return str(fraction).zfill(length)
    digits = length
    while digits > 0 and fraction % 10 == 0:
        fraction //= 10
        digits -= 1
    if digits > 0:
        return str(fraction).zfill(digits)
    # 'F' with nothing to show also drops a '.' written just before it
    for index in range(len(out) - 1, -1, -1):
        if out[index]:
            if out[index].endswith("."):
                out[index] = out[index][:-1]
            break
    return ""
