"""CAS Registry Numbers."""

import re

from stdnum import casrn

_SEPARATORS = re.compile(r"[\s\-]")
_SHAPE = re.compile(r"[1-9][0-9]{4,9}")


def normalize_cas(value: str) -> str:
    """Return the CAS RN in its hyphenated form, e.g. '50-00-0', or raise ValueError."""
    digits = _SEPARATORS.sub("", value)
    if not _SHAPE.fullmatch(digits):
        raise ValueError(
            "not a CAS Registry Number: must be 5 to 10 digits without a leading zero, e.g. 50-00-0"
        )
    expected = casrn.calc_check_digit(digits[:-1])
    if digits[-1] != expected:
        raise ValueError(f"check digit does not match: expected {expected}")
    return casrn.validate(f"{digits[:-3]}-{digits[-3:-1]}-{digits[-1]}")
