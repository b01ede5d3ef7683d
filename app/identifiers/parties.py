"""Party identifiers: LEI, VAT and EORI numbers."""

import re

from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.iso7064 import mod_97_10

from app.identifiers.countries import normalize_country

_SEPARATORS = re.compile(r"[\s\-/._,]")
_LEI_SHAPE = re.compile(r"[A-Z0-9]{18}[0-9]{2}")
_VAT_SHAPE = re.compile(r"[A-Z]{2}[A-Z0-9]{2,13}")
_EORI_SHAPE = re.compile(r"[A-Z]{2}[A-Z0-9]{1,15}")
# EU VAT numbers use EL for Greece and XI for Northern Ireland instead of the ISO codes.
_EU_VAT_PREFIXES = frozenset(cc.upper() for cc in eu_vat.MEMBER_STATES) - {"GR"} | {"EL"}
# Northern Ireland traders hold XI EORI numbers; XI is not an ISO 3166-1 code.
_EORI_EXTRA_PREFIXES = frozenset({"XI"})


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def normalize_lei(value: str) -> str:
    """Return the 20-character ISO 17442 Legal Entity Identifier, or raise ValueError."""
    lei = _compact(value)
    if not _LEI_SHAPE.fullmatch(lei):
        raise ValueError("not an LEI: must be 18 letters or digits followed by 2 check digits")
    if mod_97_10.checksum(lei) != 1:
        expected = mod_97_10.calc_check_digits(lei[:18])
        raise ValueError(f"check digits do not match: expected {expected}")
    return lei


def normalize_vat(value: str) -> str:
    """Return the VAT number with its country prefix and no separators, or raise ValueError."""
    number = _compact(value)
    # Greek VAT numbers are prefixed EL, not GR; store one form so they match.
    if number.startswith("GR"):
        number = "EL" + number[2:]
    if not _VAT_SHAPE.fullmatch(number):
        raise ValueError(
            "not a VAT number: must be a 2-letter country prefix and 2 to 13 letters or digits"
        )
    prefix = number[:2]
    if prefix not in _EU_VAT_PREFIXES:
        try:
            normalize_country(prefix)
        except ValueError as exc:
            raise ValueError(f"country prefix {prefix!r} is {exc}") from None
        return number
    try:
        return eu_vat.validate(number)
    except stdnum_errors.InvalidChecksum:
        raise ValueError(f"check digit does not match for a {prefix} VAT number") from None
    except stdnum_errors.InvalidLength:
        raise ValueError(f"wrong length for a {prefix} VAT number") from None
    except stdnum_errors.ValidationError:
        raise ValueError(f"not in the format of a {prefix} VAT number") from None


def normalize_eori(value: str) -> str:
    """Return the EORI number with its country prefix and no separators, or raise ValueError."""
    number = _compact(value)
    if not _EORI_SHAPE.fullmatch(number):
        raise ValueError(
            "not an EORI number: must be a 2-letter country code and 1 to 15 letters or digits"
        )
    prefix = number[:2]
    if prefix not in _EORI_EXTRA_PREFIXES:
        try:
            normalize_country(prefix)
        except ValueError as exc:
            raise ValueError(f"country prefix {prefix!r} is {exc}") from None
    return number
