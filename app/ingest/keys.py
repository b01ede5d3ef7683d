"""The lock keys of a write: every value through which its records could meet another write's.

Two writes that could meet share a key, so the second waits for the first (`app.ingest.locks`):

- the same record: its reference (a create and its replays), its id (a reply, an arrival, an
  amendment, the sweep);
- a link or a seizure cluster: a shared container, air waybill, bill of lading or invoice;
- a party: the blocking keys its names are resolved under (stored and looked up), then the
  entity it resolved to (`entity`, locked once resolved, see `app.ingest.locks`);
- an ALR total or a missing ALR: (importing country, substance);
- ROUTE_RISK: (substance group, country) for a notification's transit countries and the
  country of a seizure.

Correlation candidates found only by substance group, country and quarter (the buckets) take no
key: such a pair scores below the link threshold unless its parties agree, and agreeing parties
share their entities' keys.

Alerts need no keys of their own: every rule's fingerprint is built from one of the facts above
(a record, a pair linked through an identifier, a party's entity, a lane of two entities, a
total, a shared value), so two writes that could fire the same alert already share its key.
"""

from collections.abc import Iterable

from app.matching.keys import party_blocks
from app.matching.similarity import PartyKey
from app.reference.substances import catalogue

Key = tuple[str, ...]


def reference(kind: str, authority_id: str, value: str) -> Key:
    """The record an authority stores under a reference."""
    return ("reference", kind, authority_id, value)


def record(kind: str, record_id: str) -> Key:
    """A stored record that a write changes (a reply, an amendment, the sweep)."""
    return ("record", kind, record_id)


def entity(party_id: str) -> Key:
    """A resolved party entity."""
    return ("entity", party_id)


def identifiers(
    containers: Iterable[str],
    air_waybill: str | None = None,
    bill_of_lading: str | None = None,
    invoice: str | None = None,
) -> set[Key]:
    """The consignment's normalised identifiers, typed as the correlation keys are."""
    keys: set[Key] = {("container", c) for c in containers}
    for kind, value in (
        ("air_waybill", air_waybill),
        ("bill_of_lading", bill_of_lading),
        ("invoice", invoice),
    ):
        if value:
            keys.add((kind, value))
    return keys


def parties(named: Iterable[PartyKey]) -> set[Key]:
    """The blocking keys of the parties' names: those they are stored and looked up under."""
    return {
        ("block", block)
        for p in named
        for block in party_blocks(p.name, p.country, p.lei, p.vat, p.eori)
    }


def goods(
    refs: Iterable[str], route: Iterable[str | None], importing_country: str | None = None
) -> set[Key]:
    """(substance group, country) for the route countries given, and (importing country,
    substance) for the ALR-tracked substances; one the catalogue does not know has no key (the
    record is refused)."""
    keys: set[Key] = set()
    countries = {c for c in route if c}
    for ref in refs:
        try:
            substance = catalogue().resolve(ref).substance
        except ValueError:
            continue
        keys |= {("route", substance.family, c) for c in countries}
        if importing_country and substance.alr_tracked:
            keys.add(alr(importing_country, substance.code))
    return keys


def alr(country: str, substance_code: str) -> Key:
    """An importing country's ALR and totals of one substance, every year."""
    return ("alr", country, substance_code)
