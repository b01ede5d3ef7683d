"""The seizure table; items, parties and countries live in the shared record tables."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

KIND = "seizure"


class Seizure(Base):
    """An incident reported by a country: seizure, stopped shipment, laboratory, order or theft."""

    __tablename__ = "seizures"
    __table_args__ = (
        UniqueConstraint("authority_id", "reference"),
        Index("ix_seizures_created", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    authority_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"))
    reference: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(30), index=True)
    reporting_country: Mapped[str] = mapped_column(String(2), index=True)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    country: Mapped[str] = mapped_column(String(2))
    place: Mapped[str | None] = mapped_column(String(5))
    origin_country: Mapped[str | None] = mapped_column(String(2))
    destination_country: Mapped[str | None] = mapped_column(String(2))
    transit_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    containers: Mapped[list[str]] = mapped_column(JSON, default=list)
    bill_of_lading: Mapped[str | None] = mapped_column(String(60))
    air_waybill: Mapped[str | None] = mapped_column(String(12))
    invoice_number: Mapped[str | None] = mapped_column(String(60))
    modus_operandi: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    request: Mapped[dict[str, Any]] = mapped_column(JSON, doc="Canonical body, for replays.")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
