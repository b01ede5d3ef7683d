"""What a transaction keeps of party entities (`kept`): which carry an ignored name, and how many
records name each, read for a whole set at once where the set's parties are known in advance."""

import functools
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.correlation import repository as correlation
from app.ingest.kept import kept as _kept
from app.kit.sql import in_chunks, union_of
from app.notifications.models import KIND as NOTIFICATION
from app.parties.models import Party
from app.records.models import RecordParty
from app.seizures.models import KIND as SEIZURE

MENTIONS_CAP = 200  # a party named by more records of a kind is too common to mean anything
CHUNK = 100  # parts per UNION: well under SQLite's 500 terms and its bound-parameter limit
IDS_CHUNK = 1000  # entity ids per IN list

_IGNORED_ENTITIES = select(Party.id).where(
    Party.id.in_(bindparam("ids", expanding=True)),
    Party.normalized_name.in_(bindparam("names", expanding=True)),
)


async def ignored(session: AsyncSession, party_ids: Iterable[str]) -> set[str]:
    """Which of these entities carry a name on the ignored list ("TO ORDER", hub forwarders); an
    entity's name changes only by a merge, and the list by a replacement, which both call
    `kept.forget`."""
    wanted = set(party_ids)
    names = await _ignored_names(session) if wanted else []
    if not names:
        return set()
    kept = _kept(session)
    missing = sorted(p for p in wanted if ("ignored", p) not in kept)
    for start in range(0, len(missing), IDS_CHUNK):
        chunk = missing[start : start + IDS_CHUNK]
        params = {"ids": chunk, "names": names}
        found = set((await session.scalars(_IGNORED_ENTITIES, params)).all())
        for p in chunk:
            kept[("ignored", p)] = p in found
    return {p for p in wanted if kept[("ignored", p)]}


async def _ignored_names(session: AsyncSession) -> list[str]:
    return sorted(v for t, v in await correlation.ignored(session) if t == "party_name")


@functools.cache
def _mentions_stmt(n: int) -> Select[Any]:
    """How often each of `n` parties is named (up to a cap each), built once per size."""
    parts = [
        select(RecordParty.party_id)
        .where(RecordParty.party_id == bindparam(f"p{i}"), RecordParty.kind == bindparam("kind"))
        .limit(bindparam("cap", type_=Integer))
        for i in range(n)
    ]
    named = union_of(parts).subquery()
    return select(named.c.party_id, func.count()).group_by(named.c.party_id)


def _bind(i: int, party_id: str) -> dict[str, Any]:
    return {f"p{i}": party_id}


async def mentions(session: AsyncSession, kind: str, party_ids: Collection[str]) -> dict[str, int]:
    """How many rows of records of a kind name each entity, counted up to MENTIONS_CAP + 1 (each
    count reads at most that many index rows) and kept: the rows the transaction writes
    afterwards add to it (`mentioned`)."""
    kept = _kept(session)
    missing = sorted(p for p in set(party_ids) if ("mentions", kind, p) not in kept)
    if missing:
        shared = {"kind": kind, "cap": MENTIONS_CAP + 1}
        counted = dict(await in_chunks(session, _mentions_stmt, missing, _bind, shared, CHUNK))
        for party_id in missing:
            kept[("mentions", kind, party_id)] = counted.get(party_id, 0)
    return {p: kept[("mentions", kind, p)] for p in party_ids}


def mentioned(session: AsyncSession, kind: str, party_ids: Iterable[str]) -> None:
    """Add rows just written, naming these entities (one each), to the kept counts."""
    counts = _kept(session)
    for party_id in party_ids:
        if ("mentions", kind, party_id) in counts:
            counts[("mentions", kind, party_id)] += 1


def created(session: AsyncSession, party_id: str) -> None:
    """An entity created by this transaction is named by no record yet: nothing to count."""
    kept = _kept(session)
    for kind in (NOTIFICATION, SEIZURE):
        kept[("mentions", kind, party_id)] = 0


async def prefetch(session: AsyncSession, party_ids: Collection[str]) -> None:
    """Read at once, for the entities a set's parties will likely resolve to, what its records'
    rules would otherwise read one record at a time."""
    await ignored(session, party_ids)
    for kind in (NOTIFICATION, SEIZURE):
        await mentions(session, kind, party_ids)
