"""Regenerate adfgen/expressions/library/data/dotnet_cultures.json from .NET itself (never edit it by hand).

The engine formats dates with .NET's DateTimeFormatInfo, which on Linux comes from ICU; this script reads the
patterns and names the formatter uses from the .NET runtime that data-factory-testing-framework ships, so the
table is what the engine sees (observed, .NET 8 with the machine's ICU). Run from the repository root:
    python tests/regen_dotnet_cultures.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.dftf_support import prepare_dotnet  # noqa: E402
from tests.regen_tables import write_table  # noqa: E402

CULTURES = ["", "en-US", "en-GB", "en-AU", "en-CA", "en-IN", "de-DE", "de-AT", "de-CH", "fr-FR", "fr-CA", "ja-JP",
            "es-ES", "es-MX", "it-IT", "nl-NL", "pt-BR", "pt-PT", "zh-CN", "ko-KR", "ru-RU", "pl-PL", "sv-SE",
            "da-DK", "nb-NO", "fi-FI", "cs-CZ", "tr-TR"]
NEUTRAL = ["en", "de", "fr", "ja", "es", "it", "nl", "pt", "zh", "ko", "ru", "pl", "sv", "da", "nb", "fi", "cs", "tr"]
PATTERNS = ["ShortDatePattern", "LongDatePattern", "ShortTimePattern", "LongTimePattern", "FullDateTimePattern",
            "MonthDayPattern", "YearMonthPattern", "AMDesignator", "PMDesignator", "DateSeparator", "TimeSeparator"]
NAMES = ["MonthNames", "AbbreviatedMonthNames", "MonthGenitiveNames", "AbbreviatedMonthGenitiveNames", "DayNames",
         "AbbreviatedDayNames"]
ABOUT = (
    "The date formatting data of a few .NET cultures, as .NET 8 on ICU reports it (generated, do not edit). "
    "Regenerate with `python tests/regen_dotnet_cultures.py`; the source is the .NET runtime that "
    "data-factory-testing-framework embeds (observed), so names and patterns (e.g. en-US's narrow no-break space "
    "before AM/PM) are exactly what the engine formats with. The invariant culture is the key \"\" of cultures; "
    "specific is what CultureInfo.CreateSpecificCulture(name) resolves each known name to (lower-cased keys)."
)


def main() -> None:
    problem = prepare_dotnet()
    if problem:
        sys.exit(problem)
    import data_factory_testing_framework._pythonnet  # noqa: F401  loads coreclr
    from System.Globalization import CultureInfo  # type: ignore

    cultures = {}
    for name in CULTURES:
        info = CultureInfo.CreateSpecificCulture(name).DateTimeFormat
        # the formatter here knows the Gregorian calendar only (th-TH, ar-SA, ... use others by default)
        assert type(info.Calendar).__name__ == "GregorianCalendar", (name, info.Calendar)
        entry = {key: str(getattr(info, key)) for key in PATTERNS}
        entry.update({key: [str(n) for n in getattr(info, key)][:12 if "Month" in key else 7] for key in NAMES})
        entry["EraName"] = str(info.GetEraName(1))
        cultures[name] = entry
    specific = {name.lower(): str(CultureInfo.CreateSpecificCulture(name).Name) for name in NEUTRAL + CULTURES[1:]}
    target = write_table("dotnet_cultures", ABOUT, {
        "cultures": {name: dict(sorted(entry.items())) for name, entry in cultures.items()},
        "specific": dict(sorted(specific.items())),
    })
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
