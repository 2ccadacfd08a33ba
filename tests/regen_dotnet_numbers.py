"""Regenerate adfgen/expressions/library/dotnet_numbers.py from .NET itself (never edit that file by hand).

float(text, culture) parses with .NET's NumberFormatInfo, which on Linux comes from ICU; this script reads the
symbols the parser uses from the .NET runtime that data-factory-testing-framework ships, so the table is what the
engine sees (observed, .NET 8 with the machine's ICU). Run from the repository root:
    python tests/regen_dotnet_numbers.py
"""

from __future__ import annotations

import pprint
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.dftf_support import prepare_dotnet  # noqa: E402

TARGET = Path(__file__).resolve().parent.parent / "adfgen" / "expressions" / "library" / "dotnet_numbers.py"
FIELDS = ["NumberDecimalSeparator", "NumberGroupSeparator", "NegativeSign", "PositiveSign", "NaNSymbol",
          "PositiveInfinitySymbol", "NegativeInfinitySymbol"]
UNKNOWN = "xx-XX"  # a well-formed name ICU has no data for: what every such name gets


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
    text = (
        '"""Number symbols of every .NET culture, as .NET 8 on ICU reports them (generated, do not edit).\n\n'
        "Regenerate with `python tests/regen_dotnet_numbers.py`; the source is the .NET runtime that\n"
        "data-factory-testing-framework embeds (observed). SYMBOLS rows are (decimal separator, group separator,\n"
        "negative sign, positive sign, NaN, positive infinity, negative infinity); CULTURES maps lower-cased names\n"
        '(the invariant culture is "") to a row; UNKNOWN is the row of a well-formed name ICU has no data for.\n"""\n\n'
        f"SYMBOLS = {pprint.pformat(list(distinct), width=116)}\n\n"
        f"CULTURES = {pprint.pformat(cultures, width=116, sort_dicts=True, compact=True)}\n\n"
        f"UNKNOWN = {unknown}\n"
    )
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}: {len(cultures)} cultures, {len(distinct)} distinct rows")


if __name__ == "__main__":
    main()
