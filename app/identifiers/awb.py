"""IATA air waybill numbers."""

import re

_SEPARATORS = re.compile(r"[\s\-]")
_SHAPE = re.compile(r"[0-9]{11}")


def awb_check_digit(serial7: str) -> int:
    """Return the check digit for the first seven digits of an air waybill serial."""
    if not re.fullmatch(r"[0-9]{7}", serial7):
        raise ValueError("serial must be 7 digits")
    return int(serial7) % 7


def normalize_awb(value: str) -> str:
    """Return the air waybill as 'PPP-SSSSSSSS', or raise ValueError."""
    digits = _SEPARATORS.sub("", value)
    if not _SHAPE.fullmatch(digits):
        raise ValueError(
            "not an air waybill number: must be a 3-digit airline prefix and an 8-digit serial,"
            " e.g. 176-12345675"
        )
    expected = awb_check_digit(digits[3:10])
    if int(digits[10]) != expected:
        raise ValueError(f"check digit does not match: expected {expected}")
    return f"{digits[:3]}-{digits[3:]}"
