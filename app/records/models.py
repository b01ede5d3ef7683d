"""Tables shared by every kind of record, keyed by (kind, record_id)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")


class RecordCountry(Base):
    """A country that a record concerns; drives visibility and country filters."""

    __tablename__ = "record_countries"
    __table_args__ = (Index("ix_record_countries_country_kind", "country", "kind", "record_id"),)

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class RecordParty(Base):
    """A party named in a record, as given, with the entity it resolved to."""

    __tablename__ = "record_parties"
    __table_args__ = (
        Index("ix_record_parties_kind_record", "kind", "record_id", "position"),
        # A busy party's mentions (counts, incidents, trade lanes) are read from the index alone.
        Index("ix_record_parties_party_mentions", "party_id", "kind", "role", "record_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    country: Mapped[str | None] = mapped_column(String(2))
    lei: Mapped[str | None] = mapped_column(String(20))
    vat: Mapped[str | None] = mapped_column(String(20))
    eori: Mapped[str | None] = mapped_column(String(20))
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))


class RecordItem(Base):
    """One substance line of a record, with its normalised masses in milligrams."""

    __tablename__ = "record_items"
    __table_args__ = (
        Index("ix_record_items_kind_record", "kind", "record_id", "position"),
        Index("ix_record_items_substance_kind", "substance_code", "kind"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    position: Mapped[int] = mapped_column(Integer)
    substance: Mapped[str] = mapped_column(String(200), doc="The reference as given.")
    substance_code: Mapped[str] = mapped_column(String(60))
    form: Mapped[str] = mapped_column(String(20))
    salt: Mapped[str | None] = mapped_column(String(40))
    quantity: Mapped[str] = mapped_column(String(40), doc="Decimal as given, kept exact.")
    unit: Mapped[str] = mapped_column(String(8))
    concentration_percent: Mapped[str] = mapped_column(String(20))
    dosage_units: Mapped[int | None] = mapped_column(BigInteger)
    mg_per_unit: Mapped[str | None] = mapped_column(String(40))
    declared_as: Mapped[str | None] = mapped_column(String(200))
    net_mg: Mapped[int] = mapped_column(BigInteger)
    base_mg: Mapped[int] = mapped_column(BigInteger)


class RecordEvent(Base):
    """One change in a record's history."""

    __tablename__ = "record_events"
    __table_args__ = (Index("ix_record_events_kind_record", "kind", "record_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    authority_id: Mapped[str | None] = mapped_column(String(36))
    country: Mapped[str | None] = mapped_column(String(2))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
