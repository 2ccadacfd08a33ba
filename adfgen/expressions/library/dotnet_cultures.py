"""The date formatting data of a few .NET cultures, as .NET 8 on ICU reports it (observed; generated, do not edit).

The data is data/dotnet_cultures.json, written by `python tests/regen_dotnet_cultures.py` from the .NET runtime that
data-factory-testing-framework embeds, so names and patterns (e.g. en-US's narrow no-break space before AM/PM) are
exactly what the engine formats with. CULTURES: name -> DateTimeFormatInfo fields (the invariant culture is "");
SPECIFIC: what CultureInfo.CreateSpecificCulture(name) resolves each known name to (lower-cased keys).
"""

from __future__ import annotations

from typing import Any

from .tables import load

_TABLES = load("dotnet_cultures")
CULTURES: dict[str, dict[str, Any]] = _TABLES["cultures"]
SPECIFIC: dict[str, str] = _TABLES["specific"]
