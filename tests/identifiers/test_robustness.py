import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.identifiers import (
    normalize_awb,
    normalize_cas,
    normalize_container,
    normalize_country,
    normalize_document_number,
    normalize_eori,
    normalize_hs_code,
    normalize_lei,
    normalize_locode,
    normalize_vat,
)

pytestmark = pytest.mark.pure

NORMALIZERS = [
    normalize_awb,
    normalize_cas,
    normalize_container,
    normalize_country,
    normalize_document_number,
    normalize_eori,
    normalize_hs_code,
    normalize_lei,
    normalize_locode,
    normalize_vat,
]

# Mostly characters these identifiers are made of, so that some inputs are valid.
TEXT = st.one_of(
    st.text(st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdez -./_,"), max_size=24),
    st.text(max_size=24),
)


@pytest.mark.parametrize("normalize", NORMALIZERS, ids=lambda f: f.__name__)
@settings(max_examples=200, deadline=None)
@given(raw=TEXT)
def test_returns_a_fixed_point_or_raises_value_error(normalize, raw):
    try:
        value = normalize(raw)
    except ValueError as exc:
        message = str(exc)
    else:
        assert normalize(value) == value
        return
    assert message
