"""Authorities and their hashed API keys."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime


class Authority(Base):
    """A national competent authority (or an admin) that holds API keys."""

    __tablename__ = "authorities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(100), doc="Comma-separated role names.")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    keys: Mapped[list["ApiKey"]] = relationship(back_populates="authority", lazy="raise")

    @property
    def role_set(self) -> frozenset[str]:
        """Return the roles as a set."""
        return frozenset(r for r in self.roles.split(",") if r)


class ApiKey(Base):
    """One API key; only its SHA-256 digest is stored."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    authority_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), doc="First characters, to recognise a key.")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    authority: Mapped[Authority] = relationship(back_populates="keys", lazy="raise")
