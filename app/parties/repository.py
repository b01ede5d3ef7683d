"""Queries over party entities: identifiers, blocking keys, aliases."""

from collections.abc import Iterable, Sequence

from sqlalchemy import and_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.parties.models import Party, PartyAlias, PartyBlock
from app.records.models import RecordCountry, RecordParty


async def by_identifier(
    session: AsyncSession, *, lei: str | None, vat: str | None, eori: str | None
) -> Party | None:
    """Find a live entity holding one of these identifiers."""
    for column, value in ((Party.lei, lei), (Party.vat, vat), (Party.eori, eori)):
        if value:
            stmt = select(Party).where(column == value, Party.merged_into.is_(None)).limit(1)
            found = (await session.scalars(stmt)).first()
            if found is not None:
                return found
    return None


async def blocked_map(session: AsyncSession, keys: Iterable[str], cap: int) -> dict[str, list[str]]:
    """Return the party ids under each blocking key; keys held by more than `cap` parties get
    none (too common to tell parties apart)."""
    wanted = sorted(set(keys))
    out: dict[str, list[str]] = {k: [] for k in wanted}
    if not wanted:
        return out
    parts = [
        select(PartyBlock.key, PartyBlock.party_id).where(PartyBlock.key == k).limit(cap + 1)
        for k in wanted
    ]
    stmt = union_all(*[p.subquery().select() for p in parts]) if len(parts) > 1 else parts[0]
    for key, party_id in (await session.execute(stmt)).all():
        out[key].append(party_id)
    return {k: ids if len(ids) <= cap else [] for k, ids in out.items()}


async def blocked(session: AsyncSession, keys: Iterable[str], cap: int) -> list[str]:
    """Return party ids sharing a blocking key; keys held by more than `cap` parties are skipped."""
    found = await blocked_map(session, keys, cap)
    return list(dict.fromkeys(i for k in sorted(found) for i in found[k]))


async def blocks_of(session: AsyncSession, party_id: str, keys: Iterable[str]) -> set[str]:
    """Return which of these blocking keys an entity already has."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    stmt = select(PartyBlock.key).where(PartyBlock.party_id == party_id, PartyBlock.key.in_(wanted))
    return set((await session.scalars(stmt)).all())


async def live(session: AsyncSession, ids: Sequence[str]) -> list[Party]:
    """Load the entities among these ids that were not merged away."""
    if not ids:
        return []
    stmt = select(Party).where(Party.id.in_(ids), Party.merged_into.is_(None))
    return list((await session.scalars(stmt)).all())


async def aliases(
    session: AsyncSession, ids: Sequence[str], per_party: int = 20
) -> dict[str, list[PartyAlias]]:
    """Load the spellings of many entities."""
    out: dict[str, list[PartyAlias]] = {i: [] for i in ids}
    if ids:
        stmt = select(PartyAlias).where(PartyAlias.party_id.in_(ids)).order_by(PartyAlias.party_id)
        for alias in await session.scalars(stmt):
            if len(out[alias.party_id]) < per_party:
                out[alias.party_id].append(alias)
    return out


async def canonical(session: AsyncSession, party_id: str) -> Party | None:
    """Follow merges to the live entity."""
    party = await session.get(Party, party_id)
    for _ in range(10):
        if party is None or party.merged_into is None:
            return party
        party = await session.get(Party, party.merged_into)
    return party


async def visible(session: AsyncSession, ids: Sequence[str], country: str) -> set[str]:
    """Return the parties named in at least one record that concerns a country."""
    if not ids:
        return set()
    stmt = (
        select(RecordParty.party_id)
        .join(
            RecordCountry,
            and_(
                RecordCountry.kind == RecordParty.kind,
                RecordCountry.record_id == RecordParty.record_id,
            ),
        )
        .where(RecordParty.party_id.in_(ids), RecordCountry.country == country)
        .distinct()
    )
    return set((await session.scalars(stmt)).all())


async def records_naming(
    session: AsyncSession, party_id: str, limit: int
) -> Sequence[tuple[str, str, str]]:
    """Return (kind, record_id, role) of the records naming a party."""
    stmt = (
        select(RecordParty.kind, RecordParty.record_id, RecordParty.role)
        .where(RecordParty.party_id == party_id)
        .order_by(RecordParty.id)
        .limit(limit)
    )
    return [tuple(row) for row in (await session.execute(stmt)).all()]  # type: ignore[misc]
