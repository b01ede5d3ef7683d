"""Plain views of notifications and seizures: what correlation needs, free of the ORM."""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class ItemView:
    """A substance line reduced to what scoring compares."""

    substance_code: str
    family: str
    base_mg: int


@dataclass(frozen=True, slots=True)
class PartyView:
    """A party's role and resolved entity."""

    role: str
    party_id: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class NotificationView:
    """A notified consignment."""

    id: str
    reference: str
    exporting_country: str
    importing_country: str
    transit_countries: tuple[str, ...]
    notified_on: date
    dispatch_date: date | None
    items: tuple[ItemView, ...]
    parties: tuple[PartyView, ...]
    containers: frozenset[str] = field(default_factory=frozenset)
    air_waybill: str | None = None
    bill_of_lading: str | None = None
    invoice_number: str | None = None
    status: str = "pending"

    @property
    def shipped_on(self) -> date:
        """Return the dispatch date, or the notification date when none was given."""
        return self.dispatch_date or self.notified_on


@dataclass(frozen=True, slots=True)
class SeizureView:
    """A seizure or other incident."""

    id: str
    reference: str
    country: str
    occurred_on: date
    items: tuple[ItemView, ...]
    parties: tuple[PartyView, ...]
    origin_country: str | None = None
    destination_country: str | None = None
    transit_countries: tuple[str, ...] = ()
    containers: frozenset[str] = field(default_factory=frozenset)
    air_waybill: str | None = None
    bill_of_lading: str | None = None
    invoice_number: str | None = None
    declared_as: tuple[str, ...] = ()
