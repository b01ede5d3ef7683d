"""Correlation keys, links and ignored values."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime
from app.records.models import BigId


class CorrelationKey(Base):
    """One normalised key of a record; candidates are found by (key_type, value) only."""

    __tablename__ = "correlation_keys"
    __table_args__ = (
        UniqueConstraint("kind", "record_id", "key_type", "value"),
        Index("ix_correlation_keys_lookup", "key_type", "value", "kind", "record_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    key_type: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(80))


class RouteMark(Base):
    """A record on a route, dated. ROUTE_RISK's routes are a substance group in a country (a
    counted incident where it happened, a notification in each transit country), SPLIT_
    CONSIGNMENT's are lanes (exporter entity, importer entity, substance: its notifications).
    A rule reads a window of a route in date order, the first few only, however many the route
    holds (`app.ingest.routes`)."""

    __tablename__ = "route_marks"
    __table_args__ = (Index("ix_route_marks_record", "kind", "record_id"),)

    route: Mapped[str] = mapped_column(String(160), primary_key=True)  # "family:country", "lane:…"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # occurred on; shipped on
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class Link(Base):
    """A scored (seizure, notification) pair; `linked` when above the link threshold."""

    __tablename__ = "links"
    __table_args__ = (Index("ix_links_notification", "notification_id", "score"),)

    seizure_id: Mapped[str] = mapped_column(ForeignKey("seizures.id"), primary_key=True)
    notification_id: Mapped[str] = mapped_column(ForeignKey("notifications.id"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    linked: Mapped[bool] = mapped_column(Boolean)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IgnoredValue(Base):
    """A value too common to correlate on ("TO ORDER", a hub forwarder, "UNKNOWN")."""

    __tablename__ = "ignored_values"

    key_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
