"""Resolved party entities."""

from datetime import datetime

from sqlalchemy import Index, String
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
