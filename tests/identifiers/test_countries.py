import pytest

from app.identifiers import normalize_country, normalize_locode

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("DE", "DE"), ("de", "DE"), (" gb ", "GB"), ("Ng", "NG"), ("ae\t", "AE")],
)
def test_country_valid(raw, expected):
    assert normalize_country(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("XX", "not an ISO 3166-1 alpha-2 country code"),
        ("UK", "use GB"),
        ("el", "use GR"),
        ("DEU", "use DE"),
        ("nga", "use NG"),
        ("", "must be two letters"),
        ("D", "must be two letters"),
        ("D1", "must be two letters"),
        ("D E", "must be two letters"),
        ("EU", "not an ISO 3166-1 alpha-2 country code"),
    ],
)
def test_country_invalid(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_country(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DEHAM", "DEHAM"),
        ("de ham", "DEHAM"),
        ("de-ham", "DEHAM"),
        (" NLRTM ", "NLRTM"),
        ("ng-los", "NGLOS"),
        ("cnsh9", "CNSH9"),
    ],
)
def test_locode_valid(raw, expected):
    assert normalize_locode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("DEHA", "not a UN/LOCODE"),
        ("DEHAMB", "not a UN/LOCODE"),
        ("DE  HAM", "not a UN/LOCODE"),
        ("DE_HAM", "not a UN/LOCODE"),
        ("DE-HAM-", "not a UN/LOCODE"),
        ("DEHA1", "not a UN/LOCODE"),
        ("DEHA0", "not a UN/LOCODE"),
        ("D1HAM", "not a UN/LOCODE"),
        ("", "not a UN/LOCODE"),
        ("XXHAM", "country part 'XX' is not an ISO 3166-1 alpha-2 country code"),
        ("uk lon", "use GB"),
    ],
)
def test_locode_invalid(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_locode(raw)
