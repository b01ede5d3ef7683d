"""The records filed under each bucket key (substance family, country, quarter) that ROUTE_RISK
looks through, kept for the transaction (`kept`): the incidents in a country and the
notifications through it are chosen from these in memory.

A bucket's list is read whole the first time the transaction asks about it (all the buckets
asked at once in one statement), and holds only the records of the bucket's own country: the
seizures made there, the notifications in transit through it, the only ones ROUTE_RISK takes.
The records the transaction files under a kept bucket are added as correlation stores their keys
(`filed`); a record's bucket attributes change only by an amendment, which drops everything kept
(`kept.forget`). Lists are tuples, replaced and never changed in place, so that a savepoint's
copy of what is kept restores them as they were.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.rules import route_risk
from app.alerts.rules.catalogue import RULES
from app.correlation.models import CorrelationKey
from app.ingest.kept import kept as _kept
from app.matching.keys import BUCKET, Key
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import SHIPPED_ON, Notification
from app.records.facts import NotificationFacts, SeizureFacts
from app.records.models import RecordCountry
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure

FILED = "filed"  # kept: (FILED, kind, bucket value) -> the Filed of its country's records
VALUES_AT_ONCE = 500  # bucket values per statement
# The window a set's look-ups are read for in advance: a longer one set since reads the rest.
_WINDOW = timedelta(days=int(RULES[route_risk.CODE].defaults["window_days"]))
Lookup = tuple[str, str, str]  # as a draft's (`correlation.drafts`): kind, FILED, bucket value


@dataclass(frozen=True, slots=True)
class Filed:
    """A record under a bucket of its country: what ROUTE_RISK orders and filters it by."""

    id: str
    on: date  # a seizure's occurred_on, a notification's shipped_on
    type: str | None = None  # a seizure's type


def quarters(first: date, last: date) -> list[str]:
    """Name the calendar quarters (`2026Q4`) that the days first..last touch."""
    out = []
    year, quarter = first.year, (first.month - 1) // 3 + 1
    end = (last.year, (last.month - 1) // 3 + 1)
    while (year, quarter) <= end:
        out.append(f"{year}Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


def buckets(families: Iterable[str], country: str, first: date, last: date) -> list[str]:
    """The bucket key values (`family:country:YYYYQn`) covering a country and a period."""
    return [f"{f}:{country}:{q}" for f in sorted(set(families)) for q in quarters(first, last)]


def _country(value: str) -> str:
    return value.split(":")[-2]


async def seizures_in(
    session: AsyncSession,
    country: str,
    families: Iterable[str],
    first: date,
    last: date,
    types: Collection[str],
    cap: int,
) -> list[str]:
    """The `cap` latest incidents of these types in a country in [first, last], of a family,
    latest first (by date, then id)."""
    found = await _filed(session, SEIZURE, buckets(families, country, first, last))
    chosen = {f for f in found if f.type in types and first <= f.on <= last}
    return [f.id for f in sorted(chosen, key=lambda f: (f.on, f.id), reverse=True)[:cap]]


async def notifications_through(
    session: AsyncSession, country: str, families: Iterable[str], first: date, last: date, cap: int
) -> list[str]:
    """The `cap` earliest notifications through a country, of a family, shipped in [first, last]
    (the dispatch date, or the notification date when none was given)."""
    found = await _filed(session, NOTIFICATION, buckets(families, country, first, last))
    chosen = {f for f in found if first <= f.on <= last}
    return [f.id for f in sorted(chosen, key=lambda f: (f.on, f.id))[:cap]]


def lookups(facts: NotificationFacts | SeizureFacts) -> set[Lookup]:
    """The bucket lists ROUTE_RISK will read for a record not written yet (`runners/route.py`):
    a notification, the seizures in each transit country before it ships; a seizure, the
    notifications through its country after it, and the seizures there around those."""
    if isinstance(facts, NotificationFacts):
        first, last = facts.shipped_on - _WINDOW, facts.shipped_on
        families = {i.family for i in facts.items}
        return {
            (SEIZURE, FILED, value)
            for country in set(facts.transit_countries)
            for value in buckets(families, country, first, last)
        }
    if facts.type not in route_risk.COUNTED_TYPES:
        return set()
    day, families = facts.occurred_on, route_risk.families(facts)
    through = buckets(families, facts.country, day, day + _WINDOW)
    around = buckets(families, facts.country, day - _WINDOW, day + _WINDOW)
    return {(NOTIFICATION, FILED, v) for v in through} | {(SEIZURE, FILED, v) for v in around}


async def read_for_set(session: AsyncSession, wanted: Iterable[Lookup]) -> None:
    """Read the bucket lists a set's records will look through, not kept yet, at once."""
    values: dict[str, list[str]] = defaultdict(list)
    for kind, _, value in wanted:
        values[kind].append(value)
    for kind, found in sorted(values.items()):
        await _filed(session, kind, found)


def filed(
    session: AsyncSession,
    facts: NotificationFacts | SeizureFacts,
    keys: Iterable[Key],
    *,
    new: bool,
) -> None:
    """Add a record that just stored these keys to the kept lists of its buckets' countries;
    a stored record's keys were rewritten, and every list of its kind is read again."""
    kept = _kept(session)
    if not new:
        kind = NOTIFICATION if isinstance(facts, NotificationFacts) else SEIZURE
        for stale in [e for e in kept if e[:2] == (FILED, kind)]:
            del kept[stale]
        return
    if isinstance(facts, NotificationFacts):
        kind, filed = NOTIFICATION, Filed(facts.id, facts.shipped_on)
        ours = set(facts.transit_countries)
    else:
        kind, filed = SEIZURE, Filed(facts.id, facts.occurred_on, facts.type)
        ours = {facts.country}
    for key_type, value in keys:
        held = kept.get((FILED, kind, value)) if key_type == BUCKET else None
        if held is not None and _country(value) in ours:
            kept[(FILED, kind, value)] = (*held, filed)


_SEIZURES = (
    select(CorrelationKey.value, Seizure.id, Seizure.country, Seizure.occurred_on, Seizure.type)
    .join(Seizure, Seizure.id == CorrelationKey.record_id)
    .where(
        CorrelationKey.kind == SEIZURE,
        CorrelationKey.key_type == BUCKET,
        CorrelationKey.value.in_(bindparam("values", expanding=True)),
        Seizure.country.in_(bindparam("countries", expanding=True)),
    )
)
_NOTIFICATIONS = (
    select(CorrelationKey.value, Notification.id, RecordCountry.country, SHIPPED_ON)
    .join(Notification, Notification.id == CorrelationKey.record_id)
    .join(
        RecordCountry,
        and_(
            RecordCountry.kind == NOTIFICATION,
            RecordCountry.record_id == Notification.id,
            RecordCountry.role == "transit",
            RecordCountry.country.in_(bindparam("countries", expanding=True)),
        ),
    )
    .where(
        CorrelationKey.kind == NOTIFICATION,
        CorrelationKey.key_type == BUCKET,
        CorrelationKey.value.in_(bindparam("values", expanding=True)),
    )
)


async def _filed(session: AsyncSession, kind: str, values: list[str]) -> set[Filed]:
    """The records filed under any of these buckets, the lists not kept yet read at once."""
    kept = _kept(session)
    missing = sorted(v for v in set(values) if (FILED, kind, v) not in kept)
    for start in range(0, len(missing), VALUES_AT_ONCE):
        chunk = missing[start : start + VALUES_AT_ONCE]
        read: dict[str, list[Filed]] = {v: [] for v in chunk}
        params = {"values": chunk, "countries": sorted({_country(v) for v in chunk})}
        for row in await session.execute(_SEIZURES if kind == SEIZURE else _NOTIFICATIONS, params):
            value, record_id, country, on, *rest = row
            if country == _country(value):
                read[value].append(Filed(record_id, on, *rest))
        for value, entries in read.items():
            kept[(FILED, kind, value)] = tuple(dict.fromkeys(entries))
    return {f for v in values for f in kept[(FILED, kind, v)]}
