"""Queries over party entities: identifiers, blocking keys, aliases."""

import functools
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from sqlalchemy import CompoundSelect, Integer, Select, String, and_, bindparam, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.sql import in_chunks, is_postgresql, union_of, unnested
from app.parties.models import Party, PartyAlias, PartyBlock
from app.records.models import RecordCountry, RecordParty

# Statements are built once with bound parameters: building one costs more than running it, and
# a reused one hits the compiled cache without recomputing its key.
_BY_IDENTIFIER = {
    column.key: select(Party)
    .where(column == bindparam("value"), Party.merged_into.is_(None))
    .limit(1)
    for column in (Party.lei, Party.vat, Party.eori)
}
_LIVE = select(Party).where(
    Party.id.in_(bindparam("ids", expanding=True)), Party.merged_into.is_(None)
)
_LIVE_ROWS = select(
    Party.id,
    Party.name,
    Party.normalized_name,
    Party.country,
    Party.lei,
    Party.vat,
    Party.eori,
    Party.merged_into,
).where(Party.id.in_(bindparam("ids", expanding=True)), Party.merged_into.is_(None))
_ALIASES = (
    select(PartyAlias.party_id, PartyAlias.normalized_name, PartyAlias.name)
    .where(PartyAlias.party_id.in_(bindparam("ids", expanding=True)))
    .order_by(PartyAlias.party_id)
)
_VISIBLE = (
    select(RecordParty.party_id)
    .join(
        RecordCountry,
        and_(
            RecordCountry.kind == RecordParty.kind,
            RecordCountry.record_id == RecordParty.record_id,
        ),
    )
    .where(
        RecordParty.party_id.in_(bindparam("ids", expanding=True)),
        RecordCountry.country == bindparam("country"),
    )
    .distinct()
)
_RECORDS_NAMING = (
    select(RecordParty.kind, RecordParty.record_id, RecordParty.role)
    .where(RecordParty.party_id == bindparam("party_id"))
    .order_by(RecordParty.id)
    .limit(bindparam("limit", type_=Integer))
)


async def by_identifier(
    session: AsyncSession, *, lei: str | None, vat: str | None, eori: str | None
) -> Party | None:
    """Find a live entity holding one of these identifiers."""
    for column, value in (("lei", lei), ("vat", vat), ("eori", eori)):
        if value:
            found = (await session.scalars(_BY_IDENTIFIER[column], {"value": value})).first()
            if found is not None:
                return found
    return None


CHUNK = 200  # keys per statement: bound parameters and compound terms stay under SQLite's limits


@functools.cache
def _blocked_stmt(n: int) -> Select[str, str] | CompoundSelect[str, str]:
    """The lookup of `n` blocking keys, each LIMITed on its own, built once per size."""
    return union_of(
        [
            select(PartyBlock.key, PartyBlock.party_id)
            .where(PartyBlock.key == bindparam(f"k{i}"))
            .order_by(PartyBlock.party_id)
            .limit(bindparam("cap", type_=Integer))
            for i in range(n)
        ]
    )


_KEYS = unnested("k", key=String())
_HELD = (
    select(PartyBlock.party_id)
    .where(PartyBlock.key == _KEYS.c.key)
    .order_by(PartyBlock.party_id)  # the primary key's order: candidates in a stable order
    .limit(bindparam("cap", type_=Integer))
    .lateral("held")
)
# PostgreSQL: every key in one statement of one shape (see app.kit.sql.unnested).
_BLOCKED_PG = select(_KEYS.c.key, _HELD.c.party_id).select_from(_KEYS.join(_HELD, true()))


async def blocked_map(
    session: AsyncSession, keys: Iterable[str], cap: int, common: set[str] | None = None
) -> dict[str, list[str]]:
    """Return the party ids under each blocking key, in id order; keys held by more than `cap`
    parties get none (too common to tell parties apart), and go into `common` if given."""
    wanted = sorted(set(keys))
    out: dict[str, list[str]] = {k: [] for k in wanted}
    shared = {"cap": cap + 1}
    if is_postgresql(session):
        rows = list((await session.execute(_BLOCKED_PG, {"key": wanted, **shared})).all())
    else:
        rows = await in_chunks(
            session, _blocked_stmt, wanted, lambda i, k: {f"k{i}": k}, shared, CHUNK
        )
    for key, party_id in rows:
        out[key].append(party_id)
    if common is not None:
        common.update(k for k, ids in out.items() if len(ids) > cap)
    return {k: ids if len(ids) <= cap else [] for k, ids in out.items()}


async def blocked(session: AsyncSession, keys: Iterable[str], cap: int) -> list[str]:
    """Return party ids sharing a blocking key; keys held by more than `cap` parties are skipped."""
    found = await blocked_map(session, keys, cap)
    return list(dict.fromkeys(i for k in sorted(found) for i in found[k]))


async def live(session: AsyncSession, ids: Sequence[str]) -> list[Party]:
    """Load the entities among these ids that were not merged away."""
    if not ids:
        return []
    return list((await session.scalars(_LIVE, {"ids": list(ids)})).all())


class Candidate(NamedTuple):
    """An entity as a candidate for a party's name: plain values, nothing the session tracks
    (a set's pool holds thousands; the one a party resolves to is loaded when it changes)."""

    id: str
    name: str
    normalized_name: str
    country: str | None
    lei: str | None
    vat: str | None
    eori: str | None
    merged_into: str | None


async def candidates(session: AsyncSession, ids: Sequence[str]) -> list[Candidate]:
    """The entities among these ids that were not merged away, as plain values."""
    if not ids:
        return []
    return [Candidate(*row) for row in await session.execute(_LIVE_ROWS, {"ids": list(ids)})]


class Spelling(NamedTuple):
    """A stored spelling of an entity: plain values, nothing the session tracks."""

    party_id: str
    normalized_name: str
    name: str


async def aliases(
    session: AsyncSession, ids: Sequence[str], per_party: int = 20
) -> dict[str, list[Spelling]]:
    """Load the spellings of many entities."""
    out: dict[str, list[Spelling]] = {i: [] for i in ids}
    if ids:
        for row in await session.execute(_ALIASES, {"ids": list(ids)}):
            if len(out[row.party_id]) < per_party:
                out[row.party_id].append(Spelling(*row))
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
    params = {"ids": list(ids), "country": country}
    return set((await session.scalars(_VISIBLE, params)).all())


async def records_naming(
    session: AsyncSession, party_id: str, limit: int
) -> Sequence[tuple[str, str, str]]:
    """Return (kind, record_id, role) of the records naming a party."""
    rows = await session.execute(_RECORDS_NAMING, {"party_id": party_id, "limit": limit})
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]
