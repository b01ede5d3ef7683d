"""Resolved party entities, the spellings seen for them, and their blocking keys."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class Party(Base):
    """A company or person seen in records, after name and identifier resolution."""

    __tablename__ = "parties"
    __table_args__ = (Index("ix_parties_country_normalized_name", "country", "normalized_name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), doc="Name as first seen.")
    normalized_name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    lei: Mapped[str | None] = mapped_column(String(20), index=True)
    vat: Mapped[str | None] = mapped_column(String(20), index=True)
    eori: Mapped[str | None] = mapped_column(String(20), index=True)
    merged_into: Mapped[str | None] = mapped_column(
        ForeignKey("parties.id"), doc="Set when a better match showed this is another entity."
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PartyAlias(Base):
    """A spelling under which a party was named (one row per normalised form)."""

    __tablename__ = "party_aliases"

    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    normalized_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), doc="The spelling as first seen.")


class PartyBlock(Base):
    """A blocking key (distinctive token with country, prefix, identifier) of a party."""

    __tablename__ = "party_blocks"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
