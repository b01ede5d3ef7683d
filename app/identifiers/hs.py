"""Harmonized System commodity codes."""

import re

_SEPARATORS = re.compile(r"[\s.\-]")
_SHAPE = re.compile(r"[0-9]*")


def normalize_hs_code(value: str) -> str:
    """Return the HS code as 6, 8 or 10 digits, or raise ValueError."""
    digits = _SEPARATORS.sub("", value)
    if not _SHAPE.fullmatch(digits):
        raise ValueError("not an HS code: may contain only digits, spaces, dots and hyphens")
    if len(digits) not in (6, 8, 10):
        raise ValueError(f"not an HS code: must have 6, 8 or 10 digits, not {len(digits)}")
    if digits.startswith("00"):
        raise ValueError("not an HS code: there is no chapter 00")
    return digits
