"""What a transaction keeps of party entities: which carry an ignored name, and how many
records name each (`kept`)."""

from collections.abc import Awaitable, Callable, Collection, Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.ingest.kept import kept as _kept
from app.notifications.models import KIND as NOTIFICATION
from app.parties.models import Party
from app.seizures.models import KIND as SEIZURE

_IGNORED_ENTITIES = select(Party.id).where(
    Party.id.in_(bindparam("ids", expanding=True)),
    Party.normalized_name.in_(bindparam("names", expanding=True)),
)


async def ignored(
    session: AsyncSession, party_ids: Iterable[str], values: frozenset[tuple[str, str]]
) -> set[str]:
    """Which of these entities carry a name on the ignored list `values` ("TO ORDER", hub
    forwarders); an entity's name changes only by a merge, and the list by a replacement, which
    both call `kept.forget`."""
    names = sorted(v for t, v in values if t == "party_name")
    wanted = set(party_ids)
    if not names or not wanted:
        return set()
    kept = _kept(session)
    missing = sorted(p for p in wanted if ("ignored", p) not in kept)
    if missing:
        found = set(
            (await session.scalars(_IGNORED_ENTITIES, {"ids": missing, "names": names})).all()
        )
        for p in missing:
            kept[("ignored", p)] = p in found
    return {p for p in wanted if kept[("ignored", p)]}


async def mentions(
    session: AsyncSession,
    kind: str,
    party_ids: Collection[str],
    count: Callable[[list[str]], Awaitable[dict[str, int]]],
) -> dict[str, int]:
    """How many rows of records of a kind name each entity (as far as `count` counts), kept:
    the rows the transaction writes afterwards add to it (`mentioned`)."""
    kept = _kept(session)
    missing = sorted(p for p in set(party_ids) if ("mentions", kind, p) not in kept)
    if missing:
        for party_id, n in (await count(missing)).items():
            kept[("mentions", kind, party_id)] = n
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
