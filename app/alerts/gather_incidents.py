"""Indexed lookups for the incident rules (company shopping, prior incidents, clusters).

Every query starts from an index — record_parties.party_id, correlation_keys (key_type, value),
the notifications and seizures primary keys — narrows by the records' own dates, and is capped
(per party entity where a party leads), so the cost of a lookup does not grow with the store.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.gather import LIMIT, memo
from app.alerts.models import RuleSetting
from app.alerts.rules.catalogue import RULES
from app.correlation import repository as correlation
from app.correlation.models import CorrelationKey, Link
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.parties.models import Party
from app.records.models import RecordParty
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure

Key = tuple[str, str]


async def ignored_parties(session: AsyncSession, party_ids: Iterable[str]) -> set[str]:
    """Return which of these entities carry a name on the ignored list ("TO ORDER" ...)."""
    wanted = sorted(set(party_ids))
    if not wanted:
        return set()
    ignored = await memo(session, ("ignored",), lambda: correlation.ignored(session))
    names = sorted(v for t, v in ignored if t == "party_name")
    if not names:
        return set()

    async def load() -> set[str]:
        stmt = select(Party.id).where(Party.id.in_(wanted), Party.normalized_name.in_(names))
        return set((await session.scalars(stmt)).all())

    # Every incident runner asks about the same parties of the event.
    return await memo(session, ("ignored_parties", *wanted), load)


PARTY_CAP = 200


async def _usable(session: AsyncSession, kind: str, party_ids: Collection[str]) -> list[str]:
    """Drop parties mentioned more than PARTY_CAP times by records of a kind (hub forwarders,
    big importers): they are too common to mean anything, and reading them all would make the
    cost of a lookup grow with the store. Each count reads at most PARTY_CAP + 1 index rows."""
    usable = []
    for party_id in sorted(party_ids):

        async def count(party_id: str = party_id) -> int:
            named = (
                select(RecordParty.id)
                .where(RecordParty.party_id == party_id, RecordParty.kind == kind)
                .limit(PARTY_CAP + 1)
                .subquery()
            )
            found: int = (
                await session.execute(select(func.count()).select_from(named))
            ).scalar_one()
            return found

        # Each lookup of each incident runner asks again about the event's parties.
        if await memo(session, ("party_count", kind, party_id), count) <= PARTY_CAP:
            usable.append(party_id)
    return usable


async def _capped(
    session: AsyncSession,
    record_id: Any,
    on: Any,
    where: list[ColumnElement[bool]],
    cap: int,
    newest: bool,
) -> list[str]:
    """Return the records matching `where`, the `cap` newest (or earliest) per party entity."""
    named = (
        select(record_id.label("id"), on.label("on"), RecordParty.party_id)
        .where(*where)
        .distinct()
        .subquery()
    )
    order = (named.c.on.desc(), named.c.id.desc()) if newest else (named.c.on, named.c.id)
    rank = func.row_number().over(partition_by=named.c.party_id, order_by=order).label("rank")
    ranked = select(named.c.id, named.c.on, rank).subquery()
    stmt = (
        select(ranked.c.id, ranked.c.on)
        .where(ranked.c.rank <= cap)
        .distinct()
        .order_by(ranked.c.on, ranked.c.id)
    )
    return [row[0] for row in (await session.execute(stmt)).all()]


def _named(
    record_id: Any, kind: str, party_ids: Collection[str], roles: Collection[str] | None
) -> list[ColumnElement[bool]]:
    """Records of a kind naming these entities (in these roles), through record_parties."""
    where = [
        RecordParty.record_id == record_id,
        RecordParty.kind == kind,
        RecordParty.party_id.in_(sorted(party_ids)),
    ]
    if roles is not None:
        where.append(RecordParty.role.in_(sorted(roles)))
    return where


async def notifications_naming(
    session: AsyncSession,
    party_ids: Collection[str],
    roles: Collection[str] | None,
    first: date,
    last: date,
    cap: int = LIMIT,
) -> list[str]:
    """Notifications naming these entities (roles) in [first, last]: the `cap` earliest each."""
    party_ids = await _usable(session, NOTIFICATION, party_ids)
    if not party_ids:
        return []
    where = [
        *_named(Notification.id, NOTIFICATION, party_ids, roles),
        Notification.notified_on >= first,
        Notification.notified_on <= last,
    ]
    return await _capped(session, Notification.id, Notification.notified_on, where, cap, False)


async def objections_naming(
    session: AsyncSession,
    party_ids: Collection[str],
    roles: Collection[str],
    first: date,
    last: date,
    cap: int = LIMIT,
) -> list[str]:
    """Notifications naming these entities objected in [first, last]: the `cap` latest each.

    The objection's date is its `replied_on`, or the notification date when none is stored.
    """
    party_ids = await _usable(session, NOTIFICATION, party_ids)
    if not party_ids:
        return []
    objected_on = func.coalesce(Notification.replied_on, Notification.notified_on)
    where = [
        *_named(Notification.id, NOTIFICATION, party_ids, roles),
        Notification.decision == "objection",
        objected_on >= first,
        objected_on <= last,
    ]
    return await _capped(session, Notification.id, objected_on, where, cap, True)


async def seizures_naming(
    session: AsyncSession,
    party_ids: Collection[str],
    roles: Collection[str] | None,
    first: date,
    last: date,
    types: Collection[str] | None = None,
    cap: int = LIMIT,
) -> list[str]:
    """Incidents naming these entities (roles), occurred in [first, last]: the `cap` latest each."""
    party_ids = await _usable(session, SEIZURE, party_ids)
    if not party_ids:
        return []
    where = [
        *_named(Seizure.id, SEIZURE, party_ids, roles),
        Seizure.occurred_on >= first,
        Seizure.occurred_on <= last,
    ]
    if types is not None:
        where.append(Seizure.type.in_(sorted(types)))
    return await _capped(session, Seizure.id, Seizure.occurred_on, where, cap, True)


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
