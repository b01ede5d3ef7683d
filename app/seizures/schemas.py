"""Request and response bodies of the seizure API."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from app.alerts.schemas import AlertOut
from app.kit.schemas import Strict
from app.kit.types import (
    AirWaybill,
    ContainerNumber,
    CountryCode,
    DocumentNumber,
    Label,
    Locode,
    LongText,
    RecordDate,
    Reference,
)
from app.records.schemas import ItemIn, ItemOut, RolePartyIn, RolePartyOut

IncidentType = Literal[
    "seizure", "stopped_shipment", "illicit_laboratory", "suspicious_order", "theft"
]
ModusOperandi = Literal[
    "mislabelled",
    "concealed",
    "falsified_documents",
    "diverted_from_licit_trade",
    "split_consignment",
    "other",
]


class SeizureItemIn(ItemIn):
    """A seized substance line, with what the goods were declared to be."""

    declared_as: Label | None = None


class SeizureItemOut(ItemOut):
    """A stored seized substance line."""

    declared_as: str | None = None


class SeizureFields(Strict):
    """Fields of a seizure that can be given at creation and amended later."""

    occurred_on: RecordDate
    country: CountryCode | None = Field(
        default=None, description="Where it happened; defaults to the reporting country."
    )
    place: Locode | None = None
    items: list[SeizureItemIn] = Field(min_length=1, max_length=100)
    origin_country: CountryCode | None = None
    transit_countries: list[CountryCode] = Field(default_factory=list, max_length=20)
    destination_country: CountryCode | None = None
    parties: list[RolePartyIn] = Field(default_factory=list, max_length=50)
    containers: list[ContainerNumber] = Field(default_factory=list, max_length=200)
    bill_of_lading: DocumentNumber | None = None
    air_waybill: AirWaybill | None = None
    invoice_number: DocumentNumber | None = None
    modus_operandi: list[ModusOperandi] = Field(default_factory=list, max_length=6)
    notes: LongText | None = None


class SeizureCreate(SeizureFields):
    """A seizure or other incident; the reporting country is the caller's country."""

    reference: Reference = Field(description="The authority's own id; unique per authority.")
    type: IncidentType


class SeizurePatch(Strict):
    """An amendment: the fields given replace the stored ones."""

    occurred_on: RecordDate | None = None
    country: CountryCode | None = None
    place: Locode | None = None
    items: list[SeizureItemIn] | None = Field(default=None, min_length=1, max_length=100)
    origin_country: CountryCode | None = None
    transit_countries: list[CountryCode] | None = Field(default=None, max_length=20)
    destination_country: CountryCode | None = None
    parties: list[RolePartyIn] | None = Field(default=None, max_length=50)
    containers: list[ContainerNumber] | None = Field(default=None, max_length=200)
    bill_of_lading: DocumentNumber | None = None
    air_waybill: AirWaybill | None = None
    invoice_number: DocumentNumber | None = None
    modus_operandi: list[ModusOperandi] | None = Field(default=None, max_length=6)
    notes: LongText | None = None

    @field_validator(
        "occurred_on",
        "country",
        "items",
        "transit_countries",
        "parties",
        "containers",
        "modus_operandi",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        # These are never empty on a stored seizure: null would break it, so refuse it here.
        if value is None:
            raise ValueError(
                "cannot be null: leave the field out to keep it (or send [] to empty a list)"
            )
        return value


class SeizureOut(BaseModel):
    """A stored seizure with normalised values."""

    id: str
    reference: str
    type: IncidentType
    reporting_country: str
    occurred_on: date
    country: str
    place: str | None
    items: list[SeizureItemOut]
    origin_country: str | None
    transit_countries: list[str]
    destination_country: str | None
    parties: list[RolePartyOut]
    containers: list[str]
    bill_of_lading: str | None
    air_waybill: str | None
    invoice_number: str | None
    modus_operandi: list[ModusOperandi]
    notes: str | None
    created_at: datetime
    updated_at: datetime
    alerts: list[AlertOut] = Field(
        default_factory=list, description="Alerts this request raised or updated."
    )


class SeizureBatchIn(BaseModel):
    """Up to 1000 seizures, each validated and stored on its own."""

    # Any, not dict: an item that is not even an object is one bad item, not a bad batch.
    items: list[Any] = Field(
        max_length=1000,
        json_schema_extra={"items": {"$ref": "#/components/schemas/SeizureCreate"}},
    )
