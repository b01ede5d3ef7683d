"""Indexed lookups for the incident rules (company shopping, prior incidents, clusters).

Every lookup starts from an index — record_parties.party_id (through the kept lists of the
records naming each entity, `app.ingest.named`), correlation_keys (key_type, value), the
notifications and seizures primary keys — narrows by the records' own dates, and is capped (per
party entity where a party leads), so the cost of a lookup does not grow with the store.
"""

import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import CompoundSelect, Integer, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.gather import LIMIT
from app.correlation.models import CorrelationKey, Link
from app.ingest import entities, named
from app.kit.sql import in_chunks, union_of
from app.notifications.models import KIND as NOTIFICATION
from app.seizures.models import KIND as SEIZURE

Key = tuple[str, str]
CHUNK = 100  # parts per UNION: well under SQLite's 500 terms and its bound-parameter limit


async def _usable(session: AsyncSession, kind: str, party_ids: Collection[str]) -> list[str]:
    """Drop parties named by more than MENTIONS_CAP records of a kind (hub forwarders, big
    importers): they are too common to mean anything, and reading them all would make the cost
    of a lookup grow with the store."""
    wanted = sorted(party_ids)
    counts = await entities.mentions(session, kind, wanted)
    return [party_id for party_id in wanted if counts[party_id] <= entities.MENTIONS_CAP]


# Per lookup: the kind of the records it returns, how they are dated, and whether the newest
# are kept (else the earliest).
_TARGETS: dict[str, tuple[str, Callable[[named.Dates], date | None], bool]] = {
    "notified": (NOTIFICATION, lambda d: d.on, False),
    "objected": (NOTIFICATION, lambda d: d.objected_on, True),
    "occurred": (SEIZURE, lambda d: d.on, True),
}


async def _capped(
    session: AsyncSession,
    target: str,
    party_ids: Collection[str],
    roles: Collection[str] | None,
    first: date,
    last: date,
    cap: int,
    types: Collection[str] | None = None,
) -> list[str]:
    """Return the `target` records naming these entities, the `cap` newest (or earliest) each,
    chosen from the kept lists of the records naming them (`named`)."""
    kind, dated, newest = _TARGETS[target]
    rows = await named.naming(session, kind, party_ids)
    by_party = {p: [i for i, role in rows[p] if roles is None or role in roles] for p in party_ids}
    found = await named.dates(session, kind, {i for ids in by_party.values() for i in ids})
    on: dict[str, date] = {}
    for record_id, dates in found.items():
        when = dated(dates)
        if when is not None and first <= when <= last and (types is None or dates.type in types):
            on[record_id] = when
    return named.newest_per_party(by_party, on, cap, newest)


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
    return await _capped(session, "notified", party_ids, roles, first, last, cap)


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
    return await _capped(session, "objected", party_ids, roles, first, last, cap)


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
    return await _capped(session, "occurred", party_ids, roles, first, last, cap, types)


_KEYS_OF = select(CorrelationKey.key_type, CorrelationKey.value).where(
    CorrelationKey.kind == bindparam("kind"),
    CorrelationKey.record_id.in_(bindparam("ids", expanding=True)),
    CorrelationKey.key_type.in_(bindparam("key_types", expanding=True)),
)


async def keys_of(
    session: AsyncSession, kind: str, record_ids: Collection[str], key_types: Collection[str]
) -> set[Key]:
    """Return the correlation keys these records store (ignored values were left out)."""
    if not record_ids:
        return set()
    params = {"kind": kind, "ids": sorted(record_ids), "key_types": sorted(key_types)}
    return {(t, v) for t, v in (await session.execute(_KEYS_OF, params)).all()}


@functools.cache
def _sharing_stmt(n: int) -> Select[str, str, str] | CompoundSelect[str, str, str]:
    """The first `cap` records (by id) storing each of `n` keys, built once per size."""
    stmt = union_of(
        [
            select(CorrelationKey.key_type, CorrelationKey.value, CorrelationKey.record_id)
            .where(
                CorrelationKey.key_type == bindparam(f"t{i}"),
                CorrelationKey.value == bindparam(f"v{i}"),
                CorrelationKey.kind == bindparam("kind"),
            )
            .order_by(CorrelationKey.record_id)
            .limit(bindparam("cap", type_=Integer))
            for i in range(n)
        ]
    )
    # A union keeps no order: sort again so each key's ids come in the database's order.
    return stmt if n == 1 else stmt.order_by(stmt.selected_columns.record_id)


async def sharing(
    session: AsyncSession, kind: str, keys: Iterable[Key], cap: int
) -> dict[Key, list[str]]:
    """Return, per key, the records of a kind that store it.

    A key held by more than `cap` records is too common to mean anything and is left out,
    as correlation does; each key is read with LIMIT cap + 1, all keys in one statement.
    """
    wanted = sorted(set(keys))
    found: dict[Key, list[str]] = defaultdict(list)

    def bind(i: int, key: Key) -> dict[str, Any]:
        return {f"t{i}": key[0], f"v{i}": key[1]}

    shared = {"kind": kind, "cap": cap + 1}
    for key_type, value, record_id in await in_chunks(
        session, _sharing_stmt, wanted, bind, shared, CHUNK
    ):
        found[(key_type, value)].append(record_id)
    return {key: found[key] for key in wanted if len(found[key]) <= cap}


_LINKED = select(Link.seizure_id).where(
    Link.seizure_id.in_(bindparam("ids", expanding=True)), Link.linked
)


async def linked_seizures(session: AsyncSession, seizure_ids: Iterable[str]) -> set[str]:
    """Return which of these seizures are linked (above the threshold) to a notification."""
    wanted = sorted(set(seizure_ids))
    if not wanted:
        return set()
    return set((await session.scalars(_LINKED, {"ids": wanted})).all())
