"""Annual legitimate requirements (ALR) per country, substance and year."""

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class AnnualRequirement(Base):
    """A country's annual legitimate requirement; valid for later years until replaced."""

    __tablename__ = "annual_requirements"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    substance_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    mg: Mapped[int] = mapped_column(BigInteger, doc="Kilograms of base, stored in milligrams.")
    set_by: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
