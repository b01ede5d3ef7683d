"""Alerts, their fingerprints, the feed's change log, rule settings and ALR totals."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class Alert(Base):
    """One alert: a rule firing for one fingerprint, with its lifecycle."""

    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(200), index=True)
    rule: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    project: Mapped[str | None] = mapped_column(String(10))
    mode: Mapped[str] = mapped_column(String(10), doc="active, or monitor (left out of the feed).")
    status: Mapped[str] = mapped_column(String(20))
    resolution: Mapped[str | None] = mapped_column(String(30))
    assignee: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    countries: Mapped[list[str]] = mapped_column(JSON)
    subjects: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    occurrences: Mapped[int] = mapped_column(Integer)
    previous_alert_id: Mapped[str | None] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger, doc="Change sequence of the latest change.")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertFingerprint(Base):
    """The current alert of a fingerprint; its row is the lock that prevents twin alerts."""

    __tablename__ = "alert_fingerprints"

    fingerprint: Mapped[str] = mapped_column(String(200), primary_key=True)
    alert_id: Mapped[str | None] = mapped_column(String(36))


class AlertCountry(Base):
    """A country that may see an alert."""

    __tablename__ = "alert_countries"
    __table_args__ = (Index("ix_alert_countries_country", "country", "alert_id"),)

    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)


class AlertChange(Base):
    """One insert or update of an alert, numbered in commit order: the feed and the history."""

    __tablename__ = "alert_changes"
    __table_args__ = (Index("ix_alert_changes_alert", "alert_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"))
    change: Mapped[str] = mapped_column(String(20), doc="created, fired_again, updated ...")
    rule: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    project: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    authority_id: Mapped[str | None] = mapped_column(String(36))
    note: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(
        JSON, doc="The alert as it was after the change."
    )


class FeedCounter(Base):
    """The single row that hands out change sequence numbers, locked until commit."""

    __tablename__ = "feed_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class RuleSetting(Base):
    """A rule's switch, mode and parameters, editable by admins."""

    __tablename__ = "rule_settings"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    mode: Mapped[str] = mapped_column(String(10))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecordAlert(Base):
    """An alert raised or updated by the request that stored a record (for replays)."""

    __tablename__ = "record_alerts"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), primary_key=True)


class AlrTotal(Base):
    """Base mass of an ALR-tracked substance notified to a country in a year, per exporting
    country, counting notifications not withdrawn and not objected (kept up to date on write)."""

    __tablename__ = "alr_totals"

    # Per exporting country so that the alert names every exporting country without a scan;
    # a group is read as at most one row per exporting country.
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    substance_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    exporting_country: Mapped[str] = mapped_column(String(2), primary_key=True)
    base_mg: Mapped[int] = mapped_column(BigInteger)
    notifications: Mapped[int] = mapped_column(Integer)


class AlrCounted(Base):
    """A notification's base mass of one ALR-tracked substance while it counts in `alr_totals`."""

    __tablename__ = "alr_counted"
    # The largest counted notifications of a group are read from the end of this index.
    __table_args__ = (
        Index(
            "ix_alr_counted_group_mass",
            "country",
            "substance_code",
            "year",
            "base_mg",
            "notified_on",
            "notification_id",
        ),
    )

    notification_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    substance_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    year: Mapped[int] = mapped_column(Integer)
    exporting_country: Mapped[str] = mapped_column(String(2))
    notified_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100))
    base_mg: Mapped[int] = mapped_column(BigInteger)
