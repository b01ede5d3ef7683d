"""ISO 3166-1 alpha-2 country codes."""

import re

import pycountry

_ALPHA_2 = frozenset(country.alpha_2 for country in pycountry.countries)
_ALPHA_3_TO_2 = {country.alpha_3: country.alpha_2 for country in pycountry.countries}
# Codes that are common in trade documents but are not ISO 3166-1 country codes.
_NON_ISO_HINTS = {"UK": "GB", "EL": "GR"}
_SHAPE = re.compile(r"[A-Z]{2}")


def normalize_country(value: str) -> str:
    """Return the upper-case ISO 3166-1 alpha-2 code, or raise ValueError."""
    code = value.strip().upper()
    if code in _ALPHA_2:
        return code
    if code in _NON_ISO_HINTS:
        raise ValueError(
            f"not an ISO 3166-1 alpha-2 country code: use {_NON_ISO_HINTS[code]}, not {code}"
        )
    if code in _ALPHA_3_TO_2:
        raise ValueError(
            f"not an ISO 3166-1 alpha-2 country code: use {_ALPHA_3_TO_2[code]}, not {code}"
        )
    if not _SHAPE.fullmatch(code):
        raise ValueError("not an ISO 3166-1 alpha-2 country code: must be two letters")
    raise ValueError("not an ISO 3166-1 alpha-2 country code")
