"""Regenerate adfgen/expressions/library/data/dotnet_numbers.json from .NET itself (never edit it by hand).

float(text, culture) parses with .NET's NumberFormatInfo, which on Linux comes from ICU; this script reads the
symbols the parser uses from the .NET runtime that data-factory-testing-framework ships, so the table is what the
engine sees (observed, .NET 8 with the machine's ICU). Run from the repository root:
    python tests/regen_dotnet_numbers.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.dftf_support import prepare_dotnet  # noqa: E402
from tests.regen_tables import write_table  # noqa: E402

FIELDS = ["NumberDecimalSeparator", "NumberGroupSeparator", "NegativeSign", "PositiveSign", "NaNSymbol",
          "PositiveInfinitySymbol", "NegativeInfinitySymbol"]
UNKNOWN = "xx-XX"  # a well-formed name ICU has no data for: what every such name gets
ABOUT = (
    "Number symbols of every .NET culture, as .NET 8 on ICU reports them (generated, do not edit). Regenerate with "
    "`python tests/regen_dotnet_numbers.py`; the source is the .NET runtime that data-factory-testing-framework "
    "embeds (observed). symbols rows are (decimal separator, group separator, negative sign, positive sign, NaN, "
    "positive infinity, negative infinity); cultures maps lower-cased names (the invariant culture is \"\") to a row; "
    "unknown is the row of a well-formed name ICU has no data for."
)


def main() -> None:
    problem = prepare_dotnet()
    if problem:
        sys.exit(problem)
    import data_factory_testing_framework._pythonnet  # noqa: F401  loads coreclr
    from System.Globalization import CultureInfo, CultureTypes  # type: ignore

    def symbols(info) -> tuple[str, ...]:
        return tuple(str(getattr(info.NumberFormat, field)) for field in FIELDS)

    distinct: dict[tuple[str, ...], int] = {}
    cultures: dict[str, int] = {}
    for info in CultureInfo.GetCultures(CultureTypes.AllCultures):
        entry = symbols(info)
        cultures[str(info.Name).lower()] = distinct.setdefault(entry, len(distinct))
    unknown = distinct.setdefault(symbols(CultureInfo(UNKNOWN)), len(distinct))
    target = write_table("dotnet_numbers", ABOUT, {
        "symbols": list(distinct), "cultures": dict(sorted(cultures.items())), "unknown": unknown})
    print(f"wrote {target}: {len(cultures)} cultures, {len(distinct)} distinct rows")


if __name__ == "__main__":
    main()
