"""Indexed lookups for the incident rules (company shopping, prior incidents, route, clusters).

Every query starts from an index — record_parties.party_id, correlation_keys (key_type, value),
the record_countries primary key, the notifications and seizures primary keys — narrows by the
records' own dates, and is capped at `gather.LIMIT` rows, so the cost of a lookup does not
grow with the store.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.gather import LIMIT
from app.alerts.models import RuleSetting
from app.alerts.rules.catalogue import RULES
from app.correlation import repository as correlation
from app.correlation.models import CorrelationKey, Link
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.parties.models import Party
from app.records.models import RecordCountry, RecordParty
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure

Key = tuple[str, str]
BUCKET = "bucket"


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


async def ignored_parties(session: AsyncSession, party_ids: Iterable[str]) -> set[str]:
    """Return which of these entities carry a name on the ignored list ("TO ORDER" ...)."""
    wanted = sorted(set(party_ids))
    names = {v for t, v in await correlation.ignored(session) if t == "party_name"}
    if not wanted or not names:
        return set()
    stmt = select(Party.id).where(Party.id.in_(wanted), Party.normalized_name.in_(sorted(names)))
    return set((await session.scalars(stmt)).all())


PARTY_CAP = 200


async def _usable(session: AsyncSession, kind: str, party_ids: Collection[str]) -> list[str]:
    """Drop parties mentioned more than PARTY_CAP times by records of a kind (hub forwarders,
    big importers): they are too common to mean anything, and reading them all would make the
    cost of a lookup grow with the store. Each count reads at most PARTY_CAP + 1 index rows."""
    usable = []
    for party_id in sorted(party_ids):
        named = (
            select(RecordParty.id)
            .where(RecordParty.party_id == party_id, RecordParty.kind == kind)
            .limit(PARTY_CAP + 1)
            .subquery()
        )
        count = (await session.execute(select(func.count()).select_from(named))).scalar_one()
        if count <= PARTY_CAP:
            usable.append(party_id)
    return usable


async def notifications_naming(
    session: AsyncSession,
    party_ids: Collection[str],
    roles: Collection[str] | None,
    first: date,
    last: date,
) -> list[str]:
    """Notifications naming any of these entities (in these roles), notified in [first, last]."""
    party_ids = await _usable(session, NOTIFICATION, party_ids)
    if not party_ids:
        return []
    stmt = (
        select(Notification.id, Notification.notified_on)
        .join(
            RecordParty,
            and_(RecordParty.record_id == Notification.id, RecordParty.kind == NOTIFICATION),
        )
        .where(
            RecordParty.party_id.in_(sorted(party_ids)),
            Notification.notified_on >= first,
            Notification.notified_on <= last,
        )
    )
    if roles is not None:
        stmt = stmt.where(RecordParty.role.in_(sorted(roles)))
    stmt = stmt.distinct().order_by(Notification.notified_on, Notification.id).limit(LIMIT)
    return [row[0] for row in (await session.execute(stmt)).all()]


async def objections_naming(
    session: AsyncSession,
    party_ids: Collection[str],
    roles: Collection[str],
    first: date,
    last: date,
) -> list[str]:
    """Notifications naming these entities that had an objection dated in [first, last].

    The objection's date is its `replied_on`, or the notification date when none is stored.
    """
    party_ids = await _usable(session, NOTIFICATION, party_ids)
    if not party_ids:
        return []
    objected_on = func.coalesce(Notification.replied_on, Notification.notified_on)
    stmt = (
        select(Notification.id, objected_on)
        .join(
            RecordParty,
            and_(RecordParty.record_id == Notification.id, RecordParty.kind == NOTIFICATION),
        )
        .where(
            RecordParty.party_id.in_(sorted(party_ids)),
            RecordParty.role.in_(sorted(roles)),
            Notification.decision == "objection",
            objected_on >= first,
            objected_on <= last,
        )
        .distinct()
        .order_by(objected_on, Notification.id)
        .limit(LIMIT)
    )
    return [row[0] for row in (await session.execute(stmt)).all()]


async def seizures_naming(
    session: AsyncSession,
    party_ids: Collection[str],
    roles: Collection[str] | None,
    first: date,
    last: date,
    types: Collection[str] | None = None,
) -> list[str]:
    """Seizures/incidents naming these entities (in these roles), occurred in [first, last]."""
    party_ids = await _usable(session, SEIZURE, party_ids)
    if not party_ids:
        return []
    stmt = (
        select(Seizure.id, Seizure.occurred_on)
        .join(RecordParty, and_(RecordParty.record_id == Seizure.id, RecordParty.kind == SEIZURE))
        .where(
            RecordParty.party_id.in_(sorted(party_ids)),
            Seizure.occurred_on >= first,
            Seizure.occurred_on <= last,
        )
    )
    if roles is not None:
        stmt = stmt.where(RecordParty.role.in_(sorted(roles)))
    if types is not None:
        stmt = stmt.where(Seizure.type.in_(sorted(types)))
    stmt = stmt.distinct().order_by(Seizure.occurred_on, Seizure.id).limit(LIMIT)
    return [row[0] for row in (await session.execute(stmt)).all()]


async def seizures_in(
    session: AsyncSession,
    country: str,
    families: Iterable[str],
    first: date,
    last: date,
    types: Collection[str],
) -> list[str]:
    """Incidents of these types that occurred in a country in [first, last], holding a family.

    Candidates come from the seizures' bucket keys (family, country, quarter); the bucket also
    covers origin, destination and transit countries, so the place and date are then checked
    on the seizure row itself.
    """
    values = buckets(families, country, first, last)
    if not values:
        return []
    stmt = (
        select(Seizure.id, Seizure.occurred_on)
        .join(CorrelationKey, CorrelationKey.record_id == Seizure.id)
        .where(
            CorrelationKey.key_type == BUCKET,
            CorrelationKey.value.in_(values),
            CorrelationKey.kind == SEIZURE,
            Seizure.country == country,
            Seizure.type.in_(sorted(types)),
            Seizure.occurred_on >= first,
            Seizure.occurred_on <= last,
        )
        .distinct()
        .order_by(Seizure.occurred_on, Seizure.id)
        .limit(LIMIT)
    )
    return [row[0] for row in (await session.execute(stmt)).all()]


async def notifications_through(
    session: AsyncSession, country: str, families: Iterable[str], first: date, last: date
) -> list[str]:
    """Notifications transiting a country, holding a family, shipped in [first, last].

    Shipped means the dispatch date, or the notification date when none was given (the date the
    notifications' bucket keys are filed under).
    """
    values = buckets(families, country, first, last)
    if not values:
        return []
    shipped_on = func.coalesce(Notification.dispatch_date, Notification.notified_on)
    stmt = (
        select(Notification.id, shipped_on)
        .join(CorrelationKey, CorrelationKey.record_id == Notification.id)
        .join(
            RecordCountry,
            and_(
                RecordCountry.kind == NOTIFICATION,
                RecordCountry.record_id == Notification.id,
                RecordCountry.country == country,
                RecordCountry.role == "transit",
            ),
        )
        .where(
            CorrelationKey.key_type == BUCKET,
            CorrelationKey.value.in_(values),
            CorrelationKey.kind == NOTIFICATION,
            shipped_on >= first,
            shipped_on <= last,
        )
        .distinct()
        .order_by(shipped_on, Notification.id)
        .limit(LIMIT)
    )
    return [row[0] for row in (await session.execute(stmt)).all()]


async def keys_of(
    session: AsyncSession, kind: str, record_ids: Collection[str], key_types: Collection[str]
) -> set[Key]:
    """Return the correlation keys these records store (ignored values were left out)."""
    if not record_ids:
        return set()
    stmt = select(CorrelationKey.key_type, CorrelationKey.value).where(
        CorrelationKey.kind == kind,
        CorrelationKey.record_id.in_(sorted(record_ids)),
        CorrelationKey.key_type.in_(sorted(key_types)),
    )
    return {(t, v) for t, v in (await session.execute(stmt)).all()}


async def sharing(
    session: AsyncSession, kind: str, keys: Iterable[Key], cap: int
) -> dict[Key, list[str]]:
    """Return, per key, the records of a kind that store it.

    A key held by more than `cap` records is too common to mean anything and is left out,
    as correlation does; each key is read with LIMIT cap + 1.
    """
    out: dict[Key, list[str]] = defaultdict(list)
    for key_type, value in sorted(set(keys)):
        stmt = (
            select(CorrelationKey.record_id)
            .where(
                CorrelationKey.key_type == key_type,
                CorrelationKey.value == value,
                CorrelationKey.kind == kind,
            )
            .order_by(CorrelationKey.record_id)
            .limit(cap + 1)
        )
        ids = list((await session.scalars(stmt)).all())
        if len(ids) <= cap:
            out[(key_type, value)] = ids
    return dict(out)


async def rule_params(session: AsyncSession, code: str) -> dict[str, Any]:
    """Return a rule's parameters: its defaults, overridden by the stored setting."""
    row = await session.get(RuleSetting, code)
    return {**RULES[code].defaults, **(row.params if row else {})}


async def linked_seizures(session: AsyncSession, seizure_ids: Iterable[str]) -> set[str]:
    """Return which of these seizures are linked (above the threshold) to a notification."""
    wanted = sorted(set(seizure_ids))
    if not wanted:
        return set()
    stmt = select(Link.seizure_id).where(Link.seizure_id.in_(wanted), Link.linked)
    return set((await session.scalars(stmt)).all())
