"""Transaction-scoped key locks: a write takes the keys it could meet others on before it reads.

PostgreSQL (several `serve` processes on one database): each key hashes to a 64-bit advisory lock
id and a write takes all of its keys in one statement, in ascending id order, held until commit
or rollback. Every writer takes ids in ascending order, and the id order is one global order:

- the gate, the smallest id. Every write takes it first: shared by a set of at most `SMALL` keys,
  exclusively (and nothing else) by a larger set, a batch or an import transaction, which then
  runs alone. So a large set costs one lock, not thousands (the shared lock table holds
  `max_locks_per_transaction` x connections), and no set ever waits holding half its keys;
- the record keys (`app.ingest.keys`: references, identifiers, blocking keys, ALRs, routes);
- the entity keys, the largest ids: a party's entity is known only once its names are resolved,
  after the record keys are held, so entities always come last.

A set takes its record keys at once, up front. Only entity keys can come out of order: when a
later record of the same transaction resolves to an entity below one already held. Two writes
can then wait for each other only if they reached the same two entities through disjoint blocking
keys (shared blocking keys serialise them before either resolves); PostgreSQL reports that rare
deadlock and the whole transaction is run again (`app.kit.retry`).

SQLite has one writer: every write transaction begins IMMEDIATE, so there is nothing to lock.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.ingest.keys import Key
from app.kit import deferred
from app.kit.sql import is_postgresql

GATE = -(2**63)
SMALL = 160  # record keys a set locks one by one; more take the gate exclusively instead
_RECORDS, _ENTITIES = -(2**62), 0  # the bases of the two ranges, above the gate
_SPAN = 2**62
HELD = "precursor_locks"  # on session.info: the `Held` of the open transaction

_TAKE = text(
    "SELECT CASE WHEN k = :gate AND :shared THEN pg_advisory_xact_lock_shared(k)"
    " ELSE pg_advisory_xact_lock(k) END"
    " FROM unnest(CAST(:ids AS bigint[])) AS k ORDER BY k"
).execution_options(**{deferred.NO_TABLE: True})  # deferred rows wait: it reads no table


def lock_id(key: Key) -> int:
    """The advisory lock id of a key: entities above every record key, both above the gate."""
    digest = hashlib.blake2b("\x1f".join(key).encode(), digest_size=8).digest()
    offset = int.from_bytes(digest, "big") % _SPAN
    return (_ENTITIES if key[0] == "entity" else _RECORDS) + offset


@dataclass(frozen=True, slots=True)
class Held:
    """What the open transaction holds; immutable, so a savepoint's copy of session.info
    restores it as it was (locks taken in a rolled-back savepoint are released with it)."""

    ids: frozenset[int] = frozenset()
    alone: bool = False  # the gate is held exclusively: no other writer runs


def held(session: AsyncSession) -> Held:
    """What this session's transaction holds."""
    found: Held = session.info.get(HELD) or Held()
    return found


async def lock(session: AsyncSession, keys: Iterable[Key]) -> None:
    """Take these keys for the rest of the transaction (those held already are skipped)."""
    if not is_postgresql(session):
        return
    have = held(session)
    if have.alone:
        return
    wanted = {lock_id(k) for k in keys} - have.ids
    if not wanted:
        return
    if not have.ids and len(wanted) > SMALL:
        await lock_alone(session)
        return
    ids = sorted(wanted if have.ids else wanted | {GATE})
    await session.execute(_TAKE, {"ids": ids, "gate": GATE, "shared": True})
    session.info[HELD] = Held(have.ids | set(ids))


async def lock_alone(session: AsyncSession) -> None:
    """Take the gate exclusively: the transaction then runs alone among writers. For sets too
    large to lock key by key; taken first, before any other key."""
    if not is_postgresql(session) or held(session).alone:
        return
    if held(session).ids:
        raise RuntimeError("the gate is taken before any key, or not at all")
    await session.execute(_TAKE, {"ids": [GATE], "gate": GATE, "shared": False})
    session.info[HELD] = Held(frozenset({GATE}), alone=True)


@event.listens_for(Session, "after_transaction_end")
def _released(session: Session, transaction: SessionTransaction, *_: Any) -> None:
    # The locks end with the outermost transaction; a savepoint's are restored by its caller.
    if transaction.parent is None:
        session.info.pop(HELD, None)
