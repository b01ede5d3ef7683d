"""Resolve the parties named in records to entities: identifiers first, then fuzzy names.

Candidates come only from blocking keys (distinctive tokens with the country, token prefixes,
identifiers), never from a scan; each candidate's spellings are scored with `same_party`.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.correlation.models import CorrelationKey
from app.ingest import entities, kept, keys, lanes
from app.ingest.locks import lock
from app.kit.sql import add_stored, insert_ignoring
from app.matching.keys import party_blocks
from app.matching.names import normalize_name
from app.matching.similarity import (
    PartyKey,
    blocking_keys,
    key_of_tokens,
    name_similarity,
    party_key,
    same_party,
)
from app.parties import repository
from app.parties.models import Party, PartyAlias, PartyBlock
from app.parties.pool import BLOCK_CAP, NAME_MAX, Entity, Pool, spelling
from app.records.models import RecordParty

POOL = "party_pool"  # on session.info: the candidates of a whole set's parties (`pool_for_set`)


async def pool_for_set(session: AsyncSession, keys: Iterable[PartyKey]) -> Pool:
    """Load the candidates of every party of a set at once, for its records to resolve theirs
    against (`set_pool`); the pool takes in what each record adds, as the store would."""
    pool = session.info[POOL] = await load_pool(session, keys)
    return pool


def likely(pool: Pool, groups: Iterable[Iterable[PartyKey]]) -> list[set[str]]:
    """Per group of names (a record's parties), the entities of the pool holding a spelling of
    exactly one of them: what most of a set's parties resolve to (the others are matched by
    similarity, or are new). The pool's spellings are indexed once for all the groups."""
    holding = spellings(pool)
    return [{p for key in keys for p in holding(key)} for keys in groups]


def spellings(pool: Pool) -> Callable[[PartyKey], set[str]]:
    """The entities of the pool holding a spelling of a name, indexed once."""
    holding: dict[str, set[str]] = defaultdict(set)
    for party_id, name in pool.known:
        holding[name].add(party_id)
    return lambda key: holding.get(normalize_name(key.name)[:NAME_MAX], set())


def set_pool(session: AsyncSession) -> Pool | None:
    """The set's pool, while a set is written."""
    pool: Pool | None = session.info.get(POOL)
    return pool


def drop_set_pool(session: AsyncSession) -> None:
    """Forget the set's pool: the set is written, or a write of it was rolled back (the pool
    may hold what the rollback undid)."""
    session.info.pop(POOL, None)


async def load_pool(session: AsyncSession, keys: Iterable[PartyKey]) -> Pool:
    """Load the candidates of several parties at once."""
    common: set[str] = set()
    wanted = {b for key in keys for b in blocking_keys(key)}
    blocks = await repository.blocked_map(session, wanted, BLOCK_CAP, common)
    ids = list(dict.fromkeys(i for held in blocks.values() for i in held))
    parties: dict[str, Entity] = {p.id: p for p in await repository.candidates(session, ids)}
    held = await repository.aliases(session, list(parties))
    spellings = {
        i: [spelling(a.name, a.normalized_name) for a in found] for i, found in held.items()
    }
    known = {(a.party_id, a.normalized_name) for found in held.values() for a in found}
    return Pool(blocks, parties, spellings, known, common)


async def _best_by_name(
    session: AsyncSession, key: PartyKey, pool: Pool, exclude: str | None = None
) -> tuple[Entity, float] | None:
    best: tuple[Entity, float] | None = None
    for party in pool.candidates(blocking_keys(key), exclude):
        names = pool.spellings.get(party.id) or [spelling(party.name, party.normalized_name)]
        for name, tokens in names:
            other = key_of_tokens(name, tokens, party.country, party.lei, party.vat, party.eori)
            matched, score, _ = same_party(key, other)
            if matched and (best is None or score > best[1]):
                best = (party, score)
                if score >= 1.0:  # none scores higher, and the first of equals is kept
                    return best
    return best


async def _remember(
    session: AsyncSession, party: Entity, name: str, key: PartyKey, pool: Pool | None = None
) -> None:
    """Keep a new spelling of a party and its blocking keys."""
    normalized = normalize_name(name)[:NAME_MAX]
    if pool is not None and (party.id, normalized) in pool.known:
        return
    # Core inserts: the rows are plain data that nothing reads back from the session.
    alias = {"party_id": party.id, "normalized_name": normalized, "name": name}
    insert = insert_ignoring(session, PartyAlias.__table__, "party_id")
    if (await session.execute(insert, alias)).first() is None:
        return  # stored before, with its blocking keys
    blocks = party_blocks(name, party.country, key.lei, key.vat, key.eori)
    if pool is not None:
        pool.add(party, normalized, name, blocks)
    if blocks:
        rows = [{"key": block, "party_id": party.id} for block in sorted(blocks)]
        await session.execute(insert_ignoring(session, PartyBlock.__table__), rows)


async def merge(
    session: AsyncSession, source: Party, target: Party, pool: Pool | None = None
) -> None:
    """Fold one entity into another: its records, keys, spellings and blocks follow (into the
    pool too, when one is given)."""
    await lock(session, {keys.entity(source.id), keys.entity(target.id)})
    kept.forget(session)  # kept record parties name the source
    await lanes.merged(session, source.id, target.id)  # before the parties that find them move
    await session.execute(
        update(RecordParty).where(RecordParty.party_id == source.id).values(party_id=target.id)
    )
    dup = CorrelationKey.__table__.alias("dup")
    already = (
        select(dup.c.id)
        .where(
            and_(
                dup.c.kind == CorrelationKey.kind,
                dup.c.record_id == CorrelationKey.record_id,
                dup.c.key_type == "party",
                dup.c.value == target.id,
            )
        )
        .exists()
    )
    party_key_of = and_(CorrelationKey.key_type == "party", CorrelationKey.value == source.id)
    await session.execute(delete(CorrelationKey).where(party_key_of, already))
    await session.execute(update(CorrelationKey).where(party_key_of).values(value=target.id))
    for alias in (await repository.aliases(session, [source.id]))[source.id]:
        key = party_key(alias.name, target.country)
        await _remember(session, target, alias.name, key, pool)
    source.merged_into = target.id
    for column in ("lei", "vat", "eori"):
        if getattr(target, column) is None and getattr(source, column) is not None:
            setattr(target, column, getattr(source, column))
            setattr(source, column, None)
    await session.flush()


async def resolve(
    session: AsyncSession,
    *,
    name: str,
    country: str | None,
    lei: str | None,
    vat: str | None,
    eori: str | None,
    now: datetime,
    pool: Pool | None = None,
) -> Entity:
    """Find or create the entity for a party; an identifier match absorbs a name-only twin.

    `pool` holds the candidates when several parties are resolved together (load_pool)."""
    key = party_key(name, country, lei, vat, eori)
    pool = pool or await load_pool(session, [key])
    by_id = await repository.by_identifier(session, lei=lei, vat=vat, eori=eori)
    if by_id is not None:
        twin = await _best_by_name(session, key, pool, exclude=by_id.id)
        if twin is not None and not (twin[0].lei or twin[0].vat or twin[0].eori):
            await merge(session, await _loaded(session, twin[0], pool), by_id, pool)
        await _remember(session, by_id, name, key, pool)
        return by_id
    best = await _best_by_name(session, key, pool)
    if best is not None:
        found = best[0]
        given = [(c, v) for c, v in (("lei", lei), ("vat", vat), ("eori", eori)) if v]
        if missing := [(c, v) for c, v in given if getattr(found, c) is None]:
            found = changed = await _loaded(session, found, pool)
            for column, value in missing:
                setattr(changed, column, value)
        await _remember(session, found, name, key, pool)
        return found
    party = Party(
        id=str(uuid.uuid4()),
        name=name,
        normalized_name=normalize_name(name)[:NAME_MAX],
        country=country,
        lei=lei,
        vat=vat,
        eori=eori,
        merged_into=None,
        created_at=now,
    )
    await add_stored(session, party)  # its spellings point at it; the set's alerts wait
    await entities.created(session, party)
    await _remember(session, party, name, key, pool)
    return party


async def _loaded(session: AsyncSession, found: Entity, pool: Pool) -> Party:
    """The entity itself, for a change: the pool's candidate replaced by it."""
    if isinstance(found, Party):
        return found
    party = await session.get(Party, found.id)
    assert party is not None  # a candidate of this transaction's locked pool
    pool.parties[party.id] = party
    return party


async def search(
    session: AsyncSession, q: str, country: str | None, limit: int
) -> list[tuple[Party, float]]:
    """Rank entities by name similarity to a query, candidates from blocking keys only."""
    key = party_key(q, country)
    ids = await repository.blocked(session, blocking_keys(key), BLOCK_CAP)
    parties = await repository.live(session, ids)
    spellings = await repository.aliases(session, [p.id for p in parties])
    ranked = []
    for party in parties:
        if country and party.country and party.country != country:
            continue
        names = [spelling(a.name, a.normalized_name) for a in spellings[party.id]] or [
            spelling(party.name, party.normalized_name)
        ]
        score = max(name_similarity(key, key_of_tokens(n, tokens)) for n, tokens in names)
        ranked.append((party, round(score, 4)))
    ranked.sort(key=lambda pair: (-pair[1], pair[0].name))
    return ranked[:limit]
