"""UN/LOCODE place codes."""

import re

from app.identifiers.countries import normalize_country

_SHAPE = re.compile(r"([A-Z]{2})[ -]?([A-Z2-9]{3})")


def normalize_locode(value: str) -> str:
    """Return the 5-character UN/LOCODE, or raise ValueError."""
    match = _SHAPE.fullmatch(value.strip().upper())
    if match is None:
        raise ValueError(
            "not a UN/LOCODE: must be a 2-letter country code and 3 letters or digits 2-9,"
            " e.g. DEHAM"
        )
    country, place = match.groups()
    try:
        normalize_country(country)
    except ValueError as exc:
        raise ValueError(f"country part {country!r} is {exc}") from None
    return country + place
