"""What a transaction keeps of party entities (`kept`): which carry an ignored name, and which
records name each (`named`), read for a whole set at once where the set's parties are known in
advance."""

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.correlation import repository as correlation
from app.ingest import named
from app.ingest.kept import kept as _kept
from app.ingest.named import MENTIONS_CAP as MENTIONS_CAP
from app.matching.keys import PARTY
from app.notifications.models import KIND as NOTIFICATION
from app.parties.models import Party
from app.seizures.models import KIND as SEIZURE

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


async def mentions(session: AsyncSession, kind: str, party_ids: Collection[str]) -> dict[str, int]:
    """How many rows of records of a kind name each entity, counted up to MENTIONS_CAP + 1 (each
    count reads at most that many index rows) and kept with the rows themselves (`named`)."""
    return {p: len(rows) for p, rows in (await named.naming(session, kind, party_ids)).items()}


def mentioned(session: AsyncSession, kind: str, rows: Iterable[dict[str, Any]]) -> None:
    """Add rows just written (`party_id`, `record_id`, `role`) to what is kept of their entities."""
    named.add(session, kind, ((r["party_id"], r["record_id"], r["role"]) for r in rows))


async def created(session: AsyncSession, party: Party) -> None:
    """An entity created by this transaction is named by no record and holds no key yet, and
    its name is ignored or not: nothing to read about it."""
    named.none_yet(session, party.id)
    for kind in (NOTIFICATION, SEIZURE):
        correlation.held_by_none(session, kind, (PARTY, party.id))
    _kept(session)[("ignored", party.id)] = party.normalized_name in await _ignored_names(session)


async def prefetch(session: AsyncSession, party_ids: Collection[str]) -> None:
    """Read at once, for the entities a set's parties will likely resolve to, what its records'
    rules would otherwise read one record at a time."""
    await ignored(session, party_ids)
    for kind in (NOTIFICATION, SEIZURE):
        await named.naming(session, kind, party_ids)
