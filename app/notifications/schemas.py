"""Request and response bodies of the notification API."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from app.alerts.schemas import AlertOut
from app.kit.schemas import Strict
from app.kit.types import (
    AirWaybill,
    ContainerNumber,
    CountryCode,
    DocumentNumber,
    Locode,
    Reason,
    RecordDate,
    Reference,
)
from app.records.schemas import (
    ItemIn,
    ItemOut,
    PartyIn,
    PartyOut,
    RolePartyIn,
    RolePartyOut,
)

Status = Literal["pending", "no_objection", "objection", "arrived", "withdrawn", "suspended"]
TransportMode = Literal["sea", "air", "road", "rail", "post", "inland_waterway", "multimodal"]
Decision = Literal["no_objection", "objection"]


class NotificationCreate(Strict):
    """A pre-export notification; the exporting country is the caller's country."""

    reference: Reference = Field(description="The authority's own id; unique per authority.")
    notified_on: RecordDate | None = Field(default=None, description="Defaults to today.")
    importing_country: CountryCode
    exporter: PartyIn
    importer: PartyIn
    consignee: PartyIn | None = None
    other_parties: list[RolePartyIn] = Field(default_factory=list, max_length=20)
    items: list[ItemIn] = Field(min_length=1, max_length=100)
    exit_point: Locode | None = None
    entry_point: Locode | None = None
    transit_countries: list[CountryCode] = Field(default_factory=list, max_length=20)
    transport_mode: TransportMode | None = None
    dispatch_date: RecordDate | None = None
    expected_arrival_date: RecordDate | None = None
    reply_due_date: RecordDate | None = Field(
        default=None, description="Defaults to notified_on + 15 days."
    )
    containers: list[ContainerNumber] = Field(default_factory=list, max_length=200)
    bill_of_lading: DocumentNumber | None = None
    air_waybill: AirWaybill | None = None
    invoice_number: DocumentNumber | None = None
    import_permit: DocumentNumber | None = None
    end_use: Reason | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> "NotificationCreate":
        if (
            self.dispatch_date
            and self.expected_arrival_date
            and self.expected_arrival_date < self.dispatch_date
        ):
            raise ValueError("expected_arrival_date is before dispatch_date")
        if self.notified_on and self.reply_due_date and self.reply_due_date < self.notified_on:
            raise ValueError("reply_due_date is before notified_on")
        return self


class ReplyIn(Strict):
    """The importing country's answer."""

    decision: Decision
    reason: Reason | None = None
    replied_on: RecordDate | None = Field(default=None, description="Defaults to today.")


class ArrivalIn(Strict):
    """The importing country's confirmation of receipt."""

    received_on: RecordDate | None = Field(default=None, description="Defaults to today.")
    items: list[ItemIn] = Field(min_length=1, max_length=100)


class ReasonIn(Strict):
    """An optional reason for a withdrawal or suspension."""

    reason: Reason | None = None


class Reply(BaseModel):
    """A stored reply."""

    decision: Decision
    reason: str | None
    replied_on: date


class Arrival(BaseModel):
    """A stored arrival."""

    received_on: date
    items: list[ItemOut]


class NotificationOut(BaseModel):
    """A stored notification with normalised values."""

    id: str
    reference: str
    status: Status
    exporting_country: str
    importing_country: str
    notified_on: date
    reply_due_date: date
    exporter: PartyOut
    importer: PartyOut
    consignee: PartyOut | None
    other_parties: list[RolePartyOut]
    items: list[ItemOut]
    exit_point: str | None
    entry_point: str | None
    transit_countries: list[str]
    transport_mode: TransportMode | None
    dispatch_date: date | None
    expected_arrival_date: date | None
    containers: list[str]
    bill_of_lading: str | None
    air_waybill: str | None
    invoice_number: str | None
    import_permit: str | None
    end_use: str | None
    reply: Reply | None
    arrival: Arrival | None
    created_at: datetime
    updated_at: datetime
    alerts: list[AlertOut] = Field(
        default_factory=list, description="Alerts this request raised or updated."
    )


class BatchIn(BaseModel):
    """Up to 1000 notifications, each validated and stored on its own."""

    items: list[Any] = Field(
        max_length=1000,
        json_schema_extra={"items": {"$ref": "#/components/schemas/NotificationCreate"}},
    )
