"""Key storage, capped candidate lookups, links and ignored values."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.correlation.models import CorrelationKey, IgnoredValue, Link
from app.matching.keys import BUCKET, Key
from app.matching.names import normalize_name


async def replace_keys(
    session: AsyncSession, kind: str, record_id: str, keys: Iterable[Key]
) -> None:
    """Store a record's keys, replacing what it had."""
    await session.execute(
        delete(CorrelationKey).where(
            CorrelationKey.kind == kind, CorrelationKey.record_id == record_id
        )
    )
    session.add_all(
        CorrelationKey(kind=kind, record_id=record_id, key_type=t, value=v) for t, v in sorted(keys)
    )
    await session.flush()


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
    wanted = sorted(set(lookups))
    if not wanted:
        return {}
    parts = []
    for key_type, value in wanted:
        limit = (bucket_cap if key_type == BUCKET else cap) + 1
        parts.append(
            select(CorrelationKey.key_type, CorrelationKey.value, CorrelationKey.record_id)
            .where(
                CorrelationKey.key_type == key_type,
                CorrelationKey.value == value,
                CorrelationKey.kind == kind,
            )
            .limit(limit)
        )
    rows: Sequence[Any] = []
    for start in range(0, len(parts), 200):
        chunk = [p.subquery().select() for p in parts[start : start + 200]]
        stmt = chunk[0] if len(chunk) == 1 else union_all(*chunk)
        rows = [*rows, *(await session.execute(stmt)).all()]
    by_key: dict[Key, list[str]] = defaultdict(list)
    for key_type, value, record_id in rows:
        by_key[(key_type, value)].append(record_id)
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


async def ignored(session: AsyncSession) -> set[Key]:
    """Return the values that must not correlate; party names in their normalised form."""
    rows = await session.execute(select(IgnoredValue.key_type, IgnoredValue.value))
    return {(t, normalize_name(v) if t == "party_name" else v) for t, v in rows.all()}


async def list_ignored(session: AsyncSession) -> Sequence[IgnoredValue]:
    """List ignored values in a stable order."""
    stmt = select(IgnoredValue).order_by(IgnoredValue.key_type, IgnoredValue.value)
    return (await session.scalars(stmt)).all()


async def replace_ignored(session: AsyncSession, values: Iterable[Key], now: datetime) -> None:
    """Replace the list of ignored values."""
    await session.execute(delete(IgnoredValue))
    session.add_all(IgnoredValue(key_type=t, value=v, added_at=now) for t, v in sorted(set(values)))
    await session.flush()


async def links_of_seizure(session: AsyncSession, seizure_id: str) -> Sequence[Link]:
    """Return a seizure's scored links, best first."""
    stmt = select(Link).where(Link.seizure_id == seizure_id).order_by(Link.score.desc())
    return (await session.scalars(stmt)).all()


async def links_of_notification(session: AsyncSession, notification_id: str) -> Sequence[Link]:
    """Return a notification's scored links, best first."""
    stmt = select(Link).where(Link.notification_id == notification_id).order_by(Link.score.desc())
    return (await session.scalars(stmt)).all()
