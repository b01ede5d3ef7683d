"""Annotated field types that validate and normalise identifiers in request bodies."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, PlainSerializer, WithJsonSchema

from app import identifiers as ids


def _stripped(fn: Callable[[str], str]) -> Callable[[str], str]:
    def run(value: str) -> str:
        return fn(value.strip())

    return run


def _canonical_decimal(value: Decimal) -> Decimal:
    # 500, 500.0 and 5E+2 must compare equal for idempotent replays.
    normalized = value.normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral() else normalized


def _to_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral() else float(value)


CountryCode = Annotated[
    str,
    Field(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$", examples=["DE"]),
    AfterValidator(ids.normalize_country),
]
Locode = Annotated[
    str,
    Field(
        min_length=5, max_length=6, pattern=r"^[A-Za-z]{2}[ -]?[A-Za-z2-9]{3}$", examples=["DEHAM"]
    ),
    AfterValidator(ids.normalize_locode),
]
ContainerNumber = Annotated[
    str,
    Field(min_length=11, max_length=20, examples=["MSCU1234565"]),
    AfterValidator(_stripped(ids.normalize_container)),
]
AirWaybill = Annotated[
    str,
    Field(min_length=11, max_length=16, examples=["176-12345675"]),
    AfterValidator(_stripped(ids.normalize_awb)),
]
DocumentNumber = Annotated[
    str,
    Field(min_length=1, max_length=60, examples=["MEDU12345678"]),
    AfterValidator(ids.normalize_document_number),
]
Lei = Annotated[str, Field(min_length=20, max_length=24), AfterValidator(ids.normalize_lei)]
Vat = Annotated[str, Field(min_length=4, max_length=24), AfterValidator(ids.normalize_vat)]
Eori = Annotated[str, Field(min_length=3, max_length=24), AfterValidator(ids.normalize_eori)]
# PostgreSQL cannot store NUL in text: refuse it up front instead of failing at INSERT.
NO_NUL = r"^[^\x00]*$"
Reference = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[^\s\x00]([^\x00]*[^\s\x00])?$",
        examples=["DE-2026-000123"],
    ),
]
ShortText = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
Label = Annotated[str, Field(max_length=200, pattern=NO_NUL)]
SaltName = Annotated[str, Field(max_length=40, pattern=NO_NUL, examples=["hydrochloride"])]
Address = Annotated[str, Field(max_length=500, pattern=NO_NUL)]
Reason = Annotated[str, Field(max_length=2000, pattern=NO_NUL)]
LongText = Annotated[str, Field(max_length=4000, pattern=NO_NUL)]

Quantity = Annotated[
    Decimal,
    Field(gt=0, le=Decimal("1e12"), max_digits=20, decimal_places=6),
    AfterValidator(_canonical_decimal),
    PlainSerializer(_to_number, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 1e12}),
]
Percent = Annotated[
    Decimal,
    Field(gt=0, le=100, max_digits=9, decimal_places=6),
    AfterValidator(_canonical_decimal),
    PlainSerializer(_to_number, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 100}),
]

RecordDate = Annotated[date, Field(ge=date(1970, 1, 1), le=date(2100, 12, 31))]
