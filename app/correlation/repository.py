"""Key storage, capped candidate lookups, links and ignored values."""

import functools
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    delete,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.correlation.models import CorrelationKey, IgnoredValue, Link
from app.ingest import kept
from app.kit import deferred
from app.kit.sql import in_chunks, is_postgresql, union_of, unnested
from app.matching.keys import BUCKET, Key
from app.matching.names import normalize_name


async def replace_keys(
    session: AsyncSession, kind: str, record_id: str, keys: Iterable[Key], *, new: bool = False
) -> None:
    """Store a record's keys, replacing what it had (a new record has none); the kept lists of
    the records holding each key (`holding`) follow."""
    if not new:
        await session.execute(_DELETE_KEYS, {"kind": kind, "record_id": record_id})
    rows = [
        {"kind": kind, "record_id": record_id, "key_type": t, "value": v} for t, v in sorted(keys)
    ]
    # With the set's others (`deferred`): ORM objects would cost an INSERT each.
    await deferred.insert_later(session, _KEYS_TABLE, rows)
    _held(session, kind, record_id, [(r["key_type"], r["value"]) for r in rows], new)
    kept.kept(session)[(STORED, kind, record_id)] = frozenset(keys)


STORED = "stored_keys"  # kept: the keys a record stores, as this transaction wrote them


def _held(session: AsyncSession, kind: str, record_id: str, keys: list[Key], new: bool) -> None:
    found = kept.kept(session)
    if not new:  # a list that lost the record may have lost its place to one beyond it
        for entry in [e for e in found if e[:2] == (HOLDING, kind)]:
            if record_id in found[entry][1]:
                del found[entry]
    for key in keys:
        if (held := found.get((HOLDING, kind, *key))) is not None:
            limit, ids = held
            found[(HOLDING, kind, *key)] = (limit, tuple(sorted((*ids, record_id))[:limit]))


_KEYS_TABLE = cast(Table, CorrelationKey.__table__)
# Keys are never held as ORM objects: nothing in the session to synchronise.
_DELETE_KEYS = (
    delete(CorrelationKey)
    .where(
        CorrelationKey.kind == bindparam("kind"),
        CorrelationKey.record_id == bindparam("record_id"),
    )
    .execution_options(synchronize_session=False)
)


CHUNK = 200  # keys per statement: bound parameters stay well under SQLite's limit


@functools.cache
def _candidates_stmt(n: int) -> Select[str, str, str] | CompoundSelect[str, str, str]:
    """The lookup of `n` keys, built once per size: building a statement costs more than running
    it, and a reused one hits the compiled cache without recomputing its key."""
    return union_of(
        [
            select(CorrelationKey.key_type, CorrelationKey.value, CorrelationKey.record_id)
            .where(
                CorrelationKey.key_type == bindparam(f"t{i}"),
                CorrelationKey.value == bindparam(f"v{i}"),
                CorrelationKey.kind == bindparam("kind"),
            )
            .order_by(CorrelationKey.record_id)
            .limit(bindparam(f"l{i}", type_=Integer))
            for i in range(n)
        ]
    )


_KEYS = unnested("k", key_type=String(), value=String(), cap=Integer())
_HITS = (
    select(CorrelationKey.record_id)
    .where(
        CorrelationKey.key_type == _KEYS.c.key_type,
        CorrelationKey.value == _KEYS.c.value,
        CorrelationKey.kind == bindparam("kind"),
    )
    # The look-up index's order (no sort): it decides which bucket hits fit the budget.
    .order_by(CorrelationKey.record_id)
    .limit(_KEYS.c.cap)
    .lateral("hit")
)
# PostgreSQL: the same capped look-up of every key in one statement (see app.kit.sql.unnested).
_CANDIDATES_PG = select(_KEYS.c.key_type, _KEYS.c.value, _HITS.c.record_id).select_from(
    _KEYS.join(_HITS, true())
)


HOLDING = "holding"  # kept: (limit, the first `limit` ids) of the records holding a key


def held_by_none(session: AsyncSession, kind: str, key: Key) -> None:
    """No record of a kind held `key` before this transaction (the key of an entity it
    created): the records it writes holding it are all there is, whatever the limit."""
    kept.kept(session)[(HOLDING, kind, *key)] = (sys.maxsize, ())


async def holding(
    session: AsyncSession, kind: str, keys: Iterable[Key], limit: Callable[[Key], int]
) -> dict[Key, tuple[str, ...]]:
    """The first `limit(key)` records of a kind holding each key, by id, kept for the
    transaction (`kept`): the keys it writes afterwards are added (`replace_keys`), so only
    keys not asked about before are read, all in one statement."""
    found = kept.kept(session)
    wanted = sorted(set(keys))
    missing = [k for k in wanted if found.get((HOLDING, kind, *k), (0,))[0] < limit(k)]
    if missing:

        def bind(i: int, key: Key) -> dict[str, Any]:
            return {f"t{i}": key[0], f"v{i}": key[1], f"l{i}": limit(key)}

        if is_postgresql(session):
            params = {
                "key_type": [t for t, _ in missing],
                "value": [v for _, v in missing],
                "cap": [limit(k) for k in missing],
                "kind": kind,
            }
            rows = list((await session.execute(_CANDIDATES_PG, params)).all())
        else:
            rows = await in_chunks(session, _candidates_stmt, missing, bind, {"kind": kind}, CHUNK)
        read: dict[Key, list[str]] = defaultdict(list)
        for key_type, value, record_id in rows:
            read[(key_type, value)].append(record_id)
        for key in missing:
            found[(HOLDING, kind, *key)] = (limit(key), tuple(sorted(read[key])))
    return {k: found[(HOLDING, kind, *k)][1][: limit(k)] for k in wanted}


async def candidates(
    session: AsyncSession,
    kind: str,
    lookups: Iterable[Key],
    *,
    cap: int,
    bucket_cap: int,
    bucket_budget: int = 0,
) -> dict[str, set[str]]:
    """Find records of `kind` sharing a key, with the key types that found them.

    Each key is read with LIMIT cap + 1: a key held by more records than its cap is too common
    to mean anything and is dropped, so the cost per lookup is bounded however large the store.
    """

    def limit(key: Key) -> int:
        return (bucket_cap if key[0] == BUCKET else cap) + 1

    by_key = await holding(session, kind, lookups, limit)
    found: dict[str, set[str]] = defaultdict(set)
    weak: list[str] = []
    for (key_type, _value), ids in sorted(by_key.items()):
        if len(ids) > (bucket_cap if key_type == BUCKET else cap):
            continue
        for record_id in ids:
            if key_type == BUCKET:
                weak.append(record_id)
            else:
                found[record_id].add(key_type)
    # Buckets (substance family, country, quarter) only rank weak matches: a fixed budget of
    # them keeps the work per record the same however full the buckets grow.
    taken = 0
    for record_id in dict.fromkeys(weak):
        if record_id not in found:
            if taken >= bucket_budget:
                continue
            taken += 1
        found[record_id].add(BUCKET)
    return found


IGNORED = "ignored_values"


async def ignored(session: AsyncSession) -> frozenset[Key]:
    """Return the values that must not correlate; party names in their normalised form.

    Read once per session (correlation and every rule ask): only `replace_ignored` changes them.
    """
    found: frozenset[Key] | None = session.info.get(IGNORED)
    if found is None:
        rows = (await session.execute(_IGNORED)).all()
        found = frozenset((t, normalize_name(v) if t == "party_name" else v) for t, v in rows)
        session.info[IGNORED] = found
    return found


_IGNORED = select(IgnoredValue.key_type, IgnoredValue.value)


async def list_ignored(session: AsyncSession) -> Sequence[IgnoredValue]:
    """List ignored values in a stable order."""
    stmt = select(IgnoredValue).order_by(IgnoredValue.key_type, IgnoredValue.value)
    return (await session.scalars(stmt)).all()


async def replace_ignored(session: AsyncSession, values: Iterable[Key], now: datetime) -> None:
    """Replace the list of ignored values."""
    session.info.pop(IGNORED, None)
    kept.forget(session)  # which entities are ignored
    await session.execute(delete(IgnoredValue))
    session.add_all(IgnoredValue(key_type=t, value=v, added_at=now) for t, v in sorted(set(values)))
    await session.flush()


_LINKS_OF_SEIZURE = (
    select(Link).where(Link.seizure_id == bindparam("id")).order_by(Link.score.desc())
)
_LINKS_OF_NOTIFICATION = (
    select(Link).where(Link.notification_id == bindparam("id")).order_by(Link.score.desc())
)


async def links_of_seizure(session: AsyncSession, seizure_id: str) -> Sequence[Link]:
    """Return a seizure's scored links, best first."""
    return (await session.scalars(_LINKS_OF_SEIZURE, {"id": seizure_id})).all()


async def links_of_notification(session: AsyncSession, notification_id: str) -> Sequence[Link]:
    """Return a notification's scored links, best first."""
    return (await session.scalars(_LINKS_OF_NOTIFICATION, {"id": notification_id})).all()
