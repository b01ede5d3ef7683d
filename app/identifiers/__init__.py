"""Validate and normalise trade identifiers and quantities; pure functions, no I/O."""

from app.identifiers.awb import awb_check_digit, normalize_awb
from app.identifiers.cas import normalize_cas
from app.identifiers.containers import normalize_container
from app.identifiers.countries import normalize_country
from app.identifiers.documents import normalize_document_number
from app.identifiers.hs import normalize_hs_code
from app.identifiers.locode import normalize_locode
from app.identifiers.parties import normalize_eori, normalize_lei, normalize_vat
from app.identifiers.units import UNITS, base_mg, kg_to_mg, mg_to_kg, net_mg

__all__ = [
    "UNITS",
    "awb_check_digit",
    "base_mg",
    "kg_to_mg",
    "mg_to_kg",
    "net_mg",
    "normalize_awb",
    "normalize_cas",
    "normalize_container",
    "normalize_country",
    "normalize_document_number",
    "normalize_eori",
    "normalize_hs_code",
    "normalize_lei",
    "normalize_locode",
    "normalize_vat",
]
