"""Field types shared by the spec model and its variant units (sinks, auth flows, pagination kinds)."""

from __future__ import annotations

import re
import string
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema

from adfgen.spec.time_zones import checked_time_zone


class Strict(BaseModel):
    """Base: unknown keys are errors, models are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def https_url(value: str) -> str:
    """The value when it is an https:// URL; a ValueError otherwise."""
    if not re.match(r"^https://[^\s/?#]+[^\s]*$", value):
        raise ValueError("must be an https:// URL")
    return value


# a base URL may begin with a `{name}` that holds a whole origin (Salesforce's `instance_url`, Zoho's `api_domain`:
# https://host, as the token reply gives it)
ORIGIN_PLACEHOLDER = re.compile(r"^\{[A-Za-z_][A-Za-z0-9_]*\}(?=/|$)")


def base_url(value: str) -> str:
    """An https:// URL, or a URL whose origin is one `{name}` placeholder; a ValueError otherwise."""
    if ORIGIN_PLACEHOLDER.match(value) and not re.search(r"\s", value):
        return value
    if not re.match(r"^https://[^\s/?#]+[^\s]*$", value):
        raise ValueError("must be an https:// URL, or begin with a placeholder that holds the whole origin "
                         "(e.g. {instance_url}/services/data/v59.0, an identity value from the token reply)")
    return value


def placeholders(*allowed: str):
    """A validator: the string may use only these `{placeholders}`."""
    def check(value: str | None) -> str | None:
        if value is None:
            return value
        try:
            used = {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}
        except ValueError as exc:
            raise ValueError(f"bad placeholder syntax ({exc}); allowed: "
                             + ", ".join("{" + a + "}" for a in allowed)) from None
        unknown = sorted(used - set(allowed))
        if unknown:
            raise ValueError(f"unknown placeholder {{{unknown[0]}}}; allowed: "
                             + ", ".join("{" + a + "}" for a in allowed))
        return value
    return AfterValidator(check)


HttpsUrl = Annotated[str, AfterValidator(https_url), Field(json_schema_extra={"format": "uri"})]
BaseUrl = Annotated[str, AfterValidator(base_url), Field(
    json_schema_extra={"pattern": r"^(https://[^\s/?#]+|\{[A-Za-z_][A-Za-z0-9_]*\}(/|$))[^\s]*$"},
    description="https://host/path; {placeholders} as the README's placeholder table says; it may begin with an "
    "identity value or constant holding the whole origin, e.g. {instance_url}/services/data/v59.0")]
# short enough that "For Each <name>" stays within ADF's 55-character activity names
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,45}$")]
EndpointTemplate = Annotated[str, placeholders("api", "endpoint")]


_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)?\s*$")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


def parse_duration(value: Any) -> Any:
    """Accept seconds as an int or a string such as `90s`, `30m`, `1h`, `60d`, `2w`."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 300, '30m', '1h' or '60d'")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return int(match.group(1)) * _DURATION_UNITS[match.group(2)]
    raise ValueError("expected a duration such as 300, '30m', '1h' or '60d'")


Duration = Annotated[int, BeforeValidator(parse_duration), Field(ge=0), WithJsonSchema(
    {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": r"^\d+(s|m|h|d|w)?$"}],
     "description": "seconds, or a number with s, m, h, d or w"})]
SecretName = Annotated[str, StringConstraints(pattern=r"^[0-9a-zA-Z-]{1,127}$")]
HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]
# a Windows time zone ID, as ADF's schedule triggers take (adfgen.spec.time_zones says which and why)
TimeZone = Annotated[str, AfterValidator(checked_time_zone), Field(
    description="a Windows time zone ID, as ADF's schedule triggers take (UTC, W. Europe Standard Time, "
    "Eastern Standard Time, ...)")]
