"""`schedule.time_zone`: one of the IDs ADF's schedule triggers take, or a refusal that names the likely one."""

from __future__ import annotations

import difflib

from adfgen.core import adf_time_zones as tz

_BY_LOWER = {name.lower(): name for name in tz.ACCEPTED}
_BY_IANA = {iana.lower(): name for name, iana in tz.WINDOWS.items()}
_NO_DAYLIGHT = {"utc": "UTC", "gmt": "UTC", "z": "UTC", "etc/utc": "UTC", "etc/gmt": "UTC"}


def _likely(value: str) -> list[str]:
    """The IDs a mistyped, miscased or IANA-named zone most likely means, best first."""
    key = value.strip().lower()
    if key in _BY_LOWER:
        return [_BY_LOWER[key]]
    if key in _NO_DAYLIGHT:
        return [_NO_DAYLIGHT[key]]
    if key in _BY_IANA:  # an IANA name such as Europe/Paris: the Windows ID whose main zone it is
        return [_BY_IANA[key]]
    close = difflib.get_close_matches(key, list(_BY_LOWER), n=3, cutoff=0.75)
    return [_BY_LOWER[c] for c in close]


def checked_time_zone(value: str) -> str:
    """`value` when ADF takes it; else a ValueError naming the likely ID, the documented ones and the source."""
    if value in tz.ACCEPTED:
        return value
    likely = _likely(value)
    hint = f"did you mean {' or '.join(repr(n) for n in likely)}? " if likely else ""
    raise ValueError(
        f"unknown time zone {value!r}: {hint}ADF's schedule triggers take Windows time zone IDs, such as the "
        f"{tz.DOCUMENTED_STATUS} {', '.join(tz.DOCUMENTED)} ({tz.SOURCE}), or any other Windows time zone ID "
        f"({tz.WINDOWS_STATUS}; the list: {tz.WINDOWS_SOURCE})")
