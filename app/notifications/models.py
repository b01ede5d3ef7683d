"""The notification table; items, parties and countries live in the shared record tables."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

KIND = "notification"
_UNREPLIED = "decision IS NULL AND withdrawn_at IS NULL"
_UNARRIVED = "received_on IS NULL AND withdrawn_at IS NULL"
_NO_ETA = "received_on IS NULL AND expected_arrival_date IS NULL AND withdrawn_at IS NULL"


class Notification(Base):
    """A pre-export notification posted by the exporting country's authority."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("authority_id", "reference"),
        Index("ix_notifications_created", "created_at", "id"),
        Index("ix_notifications_importing_notified", "importing_country", "notified_on"),
        # Partial indexes: the sweep reads only notifications still waiting for a reply or arrival.
        Index(
            "ix_notifications_unreplied",
            "reply_due_date",
            "id",
            postgresql_where=text(_UNREPLIED),
            sqlite_where=text(_UNREPLIED),
        ),
        Index(
            "ix_notifications_unarrived_eta",
            "expected_arrival_date",
            "id",
            postgresql_where=text(_UNARRIVED),
            sqlite_where=text(_UNARRIVED),
        ),
        Index(
            "ix_notifications_unarrived_no_eta",
            "dispatch_date",
            "notified_on",
            "id",
            postgresql_where=text(_NO_ETA),
            sqlite_where=text(_NO_ETA),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    authority_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"))
    reference: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), index=True)
    exporting_country: Mapped[str] = mapped_column(String(2), index=True)
    importing_country: Mapped[str] = mapped_column(String(2), index=True)
    transit_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    notified_on: Mapped[date] = mapped_column(Date)
    reply_due_date: Mapped[date] = mapped_column(Date)
    dispatch_date: Mapped[date | None] = mapped_column(Date)
    expected_arrival_date: Mapped[date | None] = mapped_column(Date)
    exit_point: Mapped[str | None] = mapped_column(String(5))
    entry_point: Mapped[str | None] = mapped_column(String(5))
    transport_mode: Mapped[str | None] = mapped_column(String(10))
    containers: Mapped[list[str]] = mapped_column(JSON, default=list)
    bill_of_lading: Mapped[str | None] = mapped_column(String(60))
    air_waybill: Mapped[str | None] = mapped_column(String(12))
    invoice_number: Mapped[str | None] = mapped_column(String(60))
    import_permit: Mapped[str | None] = mapped_column(String(60))
    end_use: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    replied_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    request: Mapped[dict[str, Any]] = mapped_column(JSON, doc="Canonical body, for replays.")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def derive_status(self) -> str:
        """Return the status implied by the recorded facts, most final first."""
        if self.withdrawn_at:
            return "withdrawn"
        if self.suspended_at:
            return "suspended"
        if self.received_on:
            return "arrived"
        return self.decision or "pending"


# The day a consignment left: its dispatch date, else the notification date (as the rules read it).
SHIPPED_ON = func.coalesce(Notification.dispatch_date, Notification.notified_on)
