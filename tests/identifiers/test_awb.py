import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.identifiers import awb_check_digit, normalize_awb

pytestmark = pytest.mark.pure

PROPERTY = settings(max_examples=200, deadline=None)


@st.composite
def canonical_awbs(draw):
    prefix = draw(st.text(string.digits, min_size=3, max_size=3))
    serial7 = draw(st.text(string.digits, min_size=7, max_size=7))
    return f"{prefix}-{serial7}{int(serial7) % 7}"


def substitute(number: str, position: int, char: str) -> str:
    return number[:position] + char + number[position + 1 :]


def is_rejected(number: str) -> bool:
    try:
        normalize_awb(number)
    except ValueError:
        return True
    return False


@pytest.mark.parametrize(
    ("serial7", "expected"), [("1234567", 5), ("0000000", 0), ("6999999", 6), ("0000007", 0)]
)
def test_check_digit(serial7, expected):
    assert awb_check_digit(serial7) == expected


@pytest.mark.parametrize("serial7", ["123456", "12345678", "123456a", ""])
def test_check_digit_needs_seven_digits(serial7):
    with pytest.raises(ValueError, match="serial must be 7 digits"):
        awb_check_digit(serial7)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("176-12345675", "176-12345675"),
        ("176 1234 5675", "176-12345675"),
        ("17612345675", "176-12345675"),
        (" 176-1234-5675 ", "176-12345675"),
        ("020-00000000", "020-00000000"),
    ],
)
def test_valid(raw, expected):
    assert normalize_awb(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("176-12345676", "check digit does not match: expected 5"),
        ("176-12345670", "check digit does not match: expected 5"),
        ("176-1234567", "3-digit airline prefix and an 8-digit serial"),
        ("176-123456755", "3-digit airline prefix and an 8-digit serial"),
        ("ABC-12345675", "3-digit airline prefix and an 8-digit serial"),
        ("176/12345675", "3-digit airline prefix and an 8-digit serial"),
        ("", "3-digit airline prefix and an 8-digit serial"),
    ],
)
def test_invalid(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_awb(raw)


@PROPERTY
@given(st.data(), canonical_awbs())
def test_round_trip_and_idempotent(data, canonical):
    digits = canonical.replace("-", "")
    raw = "".join(c + data.draw(st.sampled_from(["", "", " ", "-"])) for c in digits)
    assert normalize_awb(raw) == canonical
    assert normalize_awb(canonical) == canonical


# Canonical layout "PPP-SSSSSSSC": indexes 4-10 hold the first seven serial digits, 11 the check.
# Mod 7 cannot see a change of exactly 7 in one digit (0<->7, 1<->8, 2<->9), because 7 * 10**k is
# a multiple of 7: 176-12345675 and 176-82345675 are both valid. The airline prefix is not covered
# by the check digit at all.


def test_documented_undetectable_substitutions():
    assert normalize_awb("176-82345675") == "176-82345675"
    assert normalize_awb("176-12345605") == "176-12345605"
    assert normalize_awb("999-12345675") == "999-12345675"


@PROPERTY
@given(canonical_awbs(), st.integers(min_value=4, max_value=10), st.sampled_from(string.digits))
def test_serial_substitution_rejected_unless_it_changes_a_digit_by_seven(number, position, digit):
    if digit == number[position]:
        return
    changed = substitute(number, position, digit)
    assert is_rejected(changed) == (abs(int(digit) - int(number[position])) != 7)


@PROPERTY
@given(canonical_awbs(), st.sampled_from(string.digits))
def test_check_digit_substitution_always_rejected(number, digit):
    if digit != number[11]:
        assert is_rejected(substitute(number, 11, digit))
