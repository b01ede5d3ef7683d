"""ISO 6346 freight container numbers."""

import re

from stdnum import iso6346

_SEPARATORS = re.compile(r"[\s\-]")
_SHAPE = re.compile(r"[A-Z]{4}[0-9]{7}")
_CATEGORIES = "UJZ"


def normalize_container(value: str) -> str:
    """Return the 11-character ISO 6346 container number, or raise ValueError."""
    number = _SEPARATORS.sub("", value).upper()
    if not _SHAPE.fullmatch(number):
        raise ValueError(
            "not an ISO 6346 container number: must be 4 letters and 7 digits, e.g. CSQU3054383"
        )
    if number[3] not in _CATEGORIES:
        raise ValueError("fourth letter must be the equipment category U, J or Z")
    expected = iso6346.calc_check_digit(number[:10])
    if number[10] != expected:
        raise ValueError(f"check digit does not match: expected {expected}")
    return number
