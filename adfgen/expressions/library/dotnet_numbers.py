"""Number symbols of every .NET culture, as .NET 8 on ICU reports them (observed; generated data, do not edit).

The data is data/dotnet_numbers.json, written by `python tests/regen_dotnet_numbers.py` from the .NET runtime that
data-factory-testing-framework embeds. SYMBOLS rows are (decimal separator, group separator, negative sign, positive
sign, NaN, positive infinity, negative infinity); CULTURES maps lower-cased names (the invariant culture is "") to a
row; UNKNOWN is the row of a well-formed name ICU has no data for.
"""

from __future__ import annotations

from .tables import load

_TABLES = load("dotnet_numbers")
SYMBOLS: list[tuple[str, ...]] = [tuple(row) for row in _TABLES["symbols"]]  # rows stay tuples, as they were
CULTURES: dict[str, int] = _TABLES["cultures"]
UNKNOWN: int = _TABLES["unknown"]
