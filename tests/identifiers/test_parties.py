import pytest

from app.identifiers import normalize_eori, normalize_lei, normalize_vat

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("529900T8BM49AURSDO55", "529900T8BM49AURSDO55"),
        ("5299 00t8 bm49 aurs do55", "529900T8BM49AURSDO55"),
        ("529900-T8BM49AURSDO55", "529900T8BM49AURSDO55"),
    ],
)
def test_lei_valid(raw, expected):
    assert normalize_lei(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("529900T8BM49AURSDO56", "check digits do not match: expected 55"),
        ("529900T8BM49AURSDO5", "must be 18 letters or digits followed by 2 check digits"),
        ("529900T8BM49AURSDO555", "must be 18 letters or digits followed by 2 check digits"),
        ("529900T8BM49AURSDOAA", "must be 18 letters or digits followed by 2 check digits"),
        ("529900T8BM49AURSD#55", "must be 18 letters or digits followed by 2 check digits"),
        ("", "must be 18 letters or digits followed by 2 check digits"),
    ],
)
def test_lei_invalid(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_lei(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DE 136 695 976", "DE136695976"),
        ("de136695976", "DE136695976"),
        ("ATU13585627", "ATU13585627"),
        ("EL094259216", "EL094259216"),
        ("GR 094259216", "EL094259216"),
        ("GB 980 7806 84", "GB980780684"),
        ("CHE-123.456.788", "CHE123456788"),
        ("NG 12345678-0001", "NG123456780001"),
    ],
)
def test_vat_valid(raw, expected):
    assert normalize_vat(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("DE136695977", "check digit does not match for a DE VAT number"),
        ("DE13669597", "wrong length for a DE VAT number"),
        ("ATX13585627", "not in the format of a AT VAT number"),
        ("UK980780684", "country prefix 'UK' is not an ISO 3166-1 alpha-2 country code: use GB"),
        ("XX123456", "country prefix 'XX' is not an ISO 3166-1 alpha-2 country code"),
        ("DE1", "must be a 2-letter country prefix and 2 to 13 letters or digits"),
        ("US12345678901234", "must be a 2-letter country prefix and 2 to 13 letters or digits"),
        ("123456789", "must be a 2-letter country prefix and 2 to 13 letters or digits"),
        ("DE#136695976", "must be a 2-letter country prefix and 2 to 13 letters or digits"),
    ],
)
def test_vat_invalid(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_vat(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DE 1234567890123", "DE1234567890123"),
        ("gb123456789000", "GB123456789000"),
        ("XI123456789000", "XI123456789000"),
        ("NL-8", "NL8"),
        ("FR" + "A" * 15, "FR" + "A" * 15),
    ],
)
def test_eori_valid(raw, expected):
    assert normalize_eori(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("UK123456789000", "use GB"),
        ("XX123", "country prefix 'XX' is not an ISO 3166-1 alpha-2 country code"),
        ("DE", "must be a 2-letter country code and 1 to 15 letters or digits"),
        ("DE" + "1" * 16, "must be a 2-letter country code and 1 to 15 letters or digits"),
        ("1E123", "must be a 2-letter country code and 1 to 15 letters or digits"),
    ],
)
def test_eori_invalid(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_eori(raw)
