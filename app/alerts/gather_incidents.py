"""Indexed lookups for the incident rules (company shopping, prior incidents, clusters).

Every lookup starts from an index — record_parties.party_id (through the kept lists of the
records naming each entity, `app.ingest.named`), correlation_keys (key_type, value), the
notifications and seizures primary keys — narrows by the records' own dates, and is capped (per
party entity where a party leads), so the cost of a lookup does not grow with the store.
"""

from collections.abc import Callable, Collection, Iterable
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.gather import LIMIT
from app.correlation import repository as correlation
from app.correlation.models import CorrelationKey, Link
from app.ingest import entities, named
from app.ingest.kept import kept
from app.notifications.models import KIND as NOTIFICATION
from app.seizures.models import KIND as SEIZURE

Key = tuple[str, str]


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
    """Return the correlation keys of these types these records store (ignored values were
    left out): as the transaction wrote them, or read."""
    found = kept(session)
    stored: set[Key] = set()
    missing = []
    for record_id in sorted(set(record_ids)):
        if (keys := found.get((correlation.STORED, kind, record_id))) is not None:
            stored |= keys
        else:
            missing.append(record_id)
    if missing:
        params = {"kind": kind, "ids": missing, "key_types": sorted(key_types)}
        stored |= {(t, v) for t, v in (await session.execute(_KEYS_OF, params)).all()}
    return {k for k in stored if k[0] in key_types}


async def sharing(
    session: AsyncSession, kind: str, keys: Iterable[Key], cap: int
) -> dict[Key, list[str]]:
    """Return, per key, the records of a kind that store it (by id).

    A key held by more than `cap` records is too common to mean anything and is left out,
    as correlation does; each key is read with LIMIT cap + 1, all keys in one statement, and
    kept with correlation's (`correlation.holding`).
    """
    held = await correlation.holding(session, kind, keys, lambda _: cap + 1)
    return {key: list(ids) for key, ids in held.items() if len(ids) <= cap}


_LINKED = select(Link.seizure_id).where(
    Link.seizure_id.in_(bindparam("ids", expanding=True)), Link.linked
)


async def linked_seizures(session: AsyncSession, seizure_ids: Iterable[str]) -> set[str]:
    """Return which of these seizures are linked (above the threshold) to a notification."""
    wanted = sorted(set(seizure_ids))
    if not wanted:
        return set()
    return set((await session.scalars(_LINKED, {"ids": wanted})).all())
