"""Correlation keys: what a record stores, and which stored keys it looks up."""

from collections.abc import Iterable, Iterator
from datetime import date

from app.matching.similarity import blocking_keys, party_key
from app.records.facts import NotificationFacts, SeizureFacts

IDENTIFIER_TYPES = ("container", "air_waybill", "bill_of_lading", "invoice")
BUCKET = "bucket"
PARTY = "party"
Key = tuple[str, str]
MONTHS_BACK, MONTHS_AHEAD = 12, 1


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _quarters(first: date, months: int) -> Iterator[str]:
    """Name the calendar quarters from `first` over `months` months."""
    year, quarter = _quarter(first)
    for _ in range(months // 3 + 2):
        yield f"{year}Q{quarter}"
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _identifiers(facts: NotificationFacts | SeizureFacts) -> set[Key]:
    return set(facts.identifiers) | {(PARTY, p.party_id) for p in facts.parties}


def _buckets(
    families: Iterable[str], countries: Iterable[str | None], quarters: Iterable[str]
) -> set[Key]:
    qs = list(quarters)
    return {
        (BUCKET, f"{family}:{country}:{q}")
        for family in set(families)
        for country in {c for c in countries if c}
        for q in qs
    }


def notification_countries(n: NotificationFacts) -> list[str]:
    """Return the countries a notified consignment passes."""
    return [n.exporting_country, n.importing_country, *n.transit_countries]


def seizure_countries(s: SeizureFacts) -> list[str | None]:
    """Return the countries a seizure points to."""
    return [s.country, s.origin_country, s.destination_country, *s.transit_countries]


def notification_keys(n: NotificationFacts) -> set[Key]:
    """Keys a notification stores."""
    quarter = next(_quarters(n.shipped_on, 0))
    return _identifiers(n) | _buckets(
        (i.family for i in n.items), notification_countries(n), [quarter]
    )


def seizure_keys(s: SeizureFacts) -> set[Key]:
    """Keys a seizure stores."""
    quarter = next(_quarters(s.occurred_on, 0))
    return _identifiers(s) | _buckets((i.family for i in s.items), seizure_countries(s), [quarter])


def notification_lookups(n: NotificationFacts) -> set[Key]:
    """Seizure keys worth looking up for a notification: its own, and buckets after dispatch."""
    start = _shift_months(n.shipped_on, -MONTHS_AHEAD)
    quarters = _quarters(start, MONTHS_BACK + MONTHS_AHEAD)
    return _identifiers(n) | _buckets(
        (i.family for i in n.items), notification_countries(n), quarters
    )


def seizure_lookups(s: SeizureFacts) -> set[Key]:
    """Notification keys worth looking up for a seizure: its own, and buckets before it."""
    start = _shift_months(s.occurred_on, -MONTHS_BACK)
    quarters = _quarters(start, MONTHS_BACK + MONTHS_AHEAD)
    return _identifiers(s) | _buckets((i.family for i in s.items), seizure_countries(s), quarters)


def party_blocks(
    name: str, country: str | None, lei: str | None, vat: str | None, eori: str | None
) -> set[str]:
    """Blocking keys a party spelling is stored under: its country's and '*', so that
    country-less names find it."""
    keys = set(blocking_keys(party_key(name, country, lei, vat, eori)))
    return keys | set(blocking_keys(party_key(name, None))) if country else keys
