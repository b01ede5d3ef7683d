import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.identifiers import normalize_cas, normalize_document_number, normalize_hs_code

pytestmark = pytest.mark.pure

PROPERTY = settings(max_examples=200, deadline=None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MEDU12345678", "MEDU12345678"),
        ("inv-2026/88", "INV202688"),
        ("NG-IP-7781", "NGIP7781"),
        (" a.b_c d ", "ABCD"),
        ("A" * 35, "A" * 35),
        ("-".join(["AB"] * 17) + "-C", "AB" * 17 + "C"),
    ],
)
def test_document_number_valid(raw, expected):
    assert normalize_document_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "must contain at least one letter or digit"),
        (" - / . _ ", "must contain at least one letter or digit"),
        ("INV#1", "may contain only letters A-Z, digits and the separators"),
        ("RÉF-1", "may contain only letters A-Z, digits and the separators"),
        ("A" * 36, "must be at most 35 letters and digits"),
    ],
)
def test_document_number_invalid(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_document_number(raw)


@PROPERTY
@given(st.text(string.ascii_letters + string.digits + " -/._", max_size=50))
def test_document_number_idempotent_and_canonical(raw):
    try:
        number = normalize_document_number(raw)
    except ValueError:
        return
    assert normalize_document_number(number) == number
    assert 1 <= len(number) <= 35
    assert set(number) <= set(string.ascii_uppercase + string.digits)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2939.41", "293941"),
        ("293941", "293941"),
        ("2939 41 00", "29394100"),
        ("2939.41.00.10", "2939410010"),
        ("2915-24", "291524"),
    ],
)
def test_hs_code_valid(raw, expected):
    assert normalize_hs_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2939", "must have 6, 8 or 10 digits, not 4"),
        ("2939.4", "must have 6, 8 or 10 digits, not 5"),
        ("2939410", "must have 6, 8 or 10 digits, not 7"),
        ("29394100101", "must have 6, 8 or 10 digits, not 11"),
        ("", "must have 6, 8 or 10 digits, not 0"),
        ("29x941", "may contain only digits"),
        ("000000", "there is no chapter 00"),
    ],
)
def test_hs_code_invalid(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_hs_code(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("50-00-0", "50-00-0"),
        ("7732-18-5", "7732-18-5"),
        ("7732185", "7732-18-5"),
        (" 7732 18 5 ", "7732-18-5"),
        ("64-17-5", "64-17-5"),
        ("1234567-89-5", "1234567-89-5"),
    ],
)
def test_cas_valid(raw, expected):
    assert normalize_cas(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("7732-18-6", "check digit does not match: expected 5"),
        ("64-17-4", "check digit does not match: expected 5"),
        ("0050-00-0", "without a leading zero"),
        ("12-3", "must be 5 to 10 digits"),
        ("12345678-90-1", "must be 5 to 10 digits"),
        ("7732/18/5", "must be 5 to 10 digits"),
        ("", "must be 5 to 10 digits"),
    ],
)
def test_cas_invalid(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_cas(raw)


@PROPERTY
@given(
    st.from_regex(r"[1-9][0-9]{1,6}", fullmatch=True),
    st.text(string.digits, min_size=2, max_size=2),
)
def test_cas_round_trip(head, middle):
    body = head + middle
    check = sum(i * int(d) for i, d in enumerate(reversed(body), start=1)) % 10
    canonical = f"{head}-{middle}-{check}"
    assert normalize_cas(canonical) == canonical
    assert normalize_cas(body + str(check)) == canonical
    with pytest.raises(ValueError, match=f"expected {check}"):
        normalize_cas(f"{head}-{middle}-{(check + 1) % 10}")
