"""Plain facts about records, the one view that correlation and the rules reason on (no ORM, no
web)."""

from dataclasses import dataclass
from datetime import date

from app.reference.substances import catalogue

Identifier = tuple[str, str]  # (container | air_waybill | bill_of_lading | invoice, value)


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """A substance line with the reference facts rules need."""

    substance_code: str
    family: str
    project: str | None
    alr_tracked: bool
    no_legitimate_use: bool
    net_mg: int
    base_mg: int
    declared_as: str | None = None


def item_facts(code: str, net_mg: int, base_mg: int, declared_as: str | None = None) -> ItemFacts:
    """A substance line's facts, the reference ones taken from the substance catalogue."""
    s = catalogue().get(code)
    return ItemFacts(
        substance_code=code,
        family=s.family if s else code,
        project=s.project if s else None,
        alr_tracked=bool(s and s.alr_tracked),
        no_legitimate_use=bool(s and s.no_legitimate_use),
        net_mg=net_mg,
        base_mg=base_mg,
        declared_as=declared_as,
    )


@dataclass(frozen=True, slots=True)
class PartyFacts:
    """A party's role, resolved entity and name as written."""

    role: str
    party_id: str
    name: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class NotificationFacts:
    """A notification and everything that happened to it."""

    id: str
    reference: str
    exporting_country: str
    importing_country: str
    transit_countries: tuple[str, ...]
    notified_on: date
    reply_due_date: date
    items: tuple[ItemFacts, ...]
    parties: tuple[PartyFacts, ...]
    # What a notification just stored has until it is dispatched, answered, received ...
    status: str = "pending"
    dispatch_date: date | None = None
    expected_arrival_date: date | None = None
    decision: str | None = None
    replied_on: date | None = None
    received_on: date | None = None
    withdrawn: bool = False
    suspended: bool = False
    arrival_items: tuple[ItemFacts, ...] = ()
    identifiers: frozenset[Identifier] = frozenset()

    @property
    def shipped_on(self) -> date:
        """Return the dispatch date, or the notification date when none was given."""
        return self.dispatch_date or self.notified_on

    @property
    def countries(self) -> frozenset[str]:
        """Return the countries on the route."""
        return frozenset({self.exporting_country, self.importing_country, *self.transit_countries})

    def party_ids(self, *roles: str) -> set[str]:
        """Return the entity ids of the parties in these roles (all roles when none given)."""
        return {p.party_id for p in self.parties if not roles or p.role in roles}

    @property
    def exporter_id(self) -> str | None:
        """Return the exporter's entity id."""
        return next((p.party_id for p in self.parties if p.role == "exporter"), None)


@dataclass(frozen=True, slots=True)
class SeizureFacts:
    """A seizure or other incident."""

    id: str
    reference: str
    type: str
    reporting_country: str
    country: str
    place: str | None
    occurred_on: date
    origin_country: str | None
    destination_country: str | None
    transit_countries: tuple[str, ...]
    items: tuple[ItemFacts, ...]
    parties: tuple[PartyFacts, ...]
    identifiers: frozenset[Identifier] = frozenset()

    @property
    def countries(self) -> frozenset[str]:
        """Return every country the incident names."""
        named = {
            self.reporting_country,
            self.country,
            self.origin_country,
            self.destination_country,
        }
        named |= set(self.transit_countries) | {p.country for p in self.parties}
        return frozenset(c for c in named if c)


@dataclass(frozen=True, slots=True)
class LinkFacts:
    """A scored (seizure, notification) pair."""

    seizure_id: str
    notification_id: str
    score: float
    linked: bool
    evidence: tuple[tuple[str, str, float], ...]
