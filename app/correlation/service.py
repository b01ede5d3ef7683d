"""Correlate a record with the others: store its keys, find candidates by key, score, link."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.correlation import repository
from app.correlation.drafts import Lookup
from app.correlation.models import Link
from app.ingest import entities, facts, routes
from app.matching import keys as keyspace
from app.matching.keys import BUCKET, PARTY, Key
from app.matching.scoring import STORE_THRESHOLD, Score, score_pair
from app.notifications.models import KIND as NOTIFICATION
from app.records.facts import NotificationFacts, SeizureFacts
from app.records.models import RecordCountry
from app.seizures.models import KIND as SEIZURE

KEY_CAP = 50
SHARED_CAP = 100  # the most seizures sharing a key that a reader looks through (clusters)
BUCKET_CAP = 10
BUCKET_BUDGET = 20
LINKED_ROLE = "linked"


R = TypeVar("R", NotificationFacts, SeizureFacts)


async def _seen(session: AsyncSession, found: dict[str, R]) -> dict[str, R]:
    """The facts as correlation sees them: without the parties whose entity carries a name on
    the ignored list, nor the identifiers on it."""
    ignored = await repository.ignored(session)
    named = {p.party_id for r in found.values() for p in r.parties}
    skipped = await entities.ignored(session, named)
    return {
        i: replace(
            r,
            parties=tuple(p for p in r.parties if p.party_id not in skipped),
            identifiers=r.identifiers - ignored,
        )
        for i, r in found.items()
    }


async def notifications_seen(
    session: AsyncSession, ids: Iterable[str]
) -> dict[str, NotificationFacts]:
    """Notifications as correlation sees them."""
    return await _seen(session, await facts.notifications(session, ids))


async def seizures_seen(session: AsyncSession, ids: Iterable[str]) -> dict[str, SeizureFacts]:
    """Seizures as correlation sees them."""
    return await _seen(session, await facts.seizures(session, ids))


def _limit(key: Key) -> int:
    return (BUCKET_CAP if key[0] == BUCKET else KEY_CAP) + 1


def _widest(kind: str, key: Key) -> int:
    """As many holders of a key as any reader of a set looks through (clusters read seizures
    sharing one of a seizure's keys further than correlation does)."""
    return SHARED_CAP + 1 if kind == SEIZURE and key[0] != BUCKET else _limit(key)


async def read_for_set(
    session: AsyncSession, records: Iterable[tuple[Iterable[Lookup], Iterable[str]]]
) -> None:
    """Read at once what the correlation of a set's records will look up, each record's given
    apart: its lookups (`drafts`) and the entities its parties likely resolve to (their keys
    looked up in the kinds it looks up). The records holding each key first, then the facts of
    the candidates each record will score."""
    looked: list[list[Lookup]] = []
    for lookups, likely in records:
        found = list(lookups)
        kinds = {kind for kind, _, _ in found}
        looked.append(found + [(kind, PARTY, e) for kind in kinds for e in likely])
    wanted: dict[str, set[Key]] = defaultdict(set)
    for found in looked:
        for kind, key_type, value in found:
            wanted[kind].add((key_type, value))
    for kind, keys in wanted.items():
        await repository.holding(session, kind, keys, partial(_widest, kind))
    scored: dict[str, set[str]] = defaultdict(set)
    for found in looked:
        by_kind: dict[str, set[Key]] = defaultdict(set)
        for kind, key_type, value in found:
            by_kind[kind].add((key_type, value))
        for kind, keys in by_kind.items():
            scored[kind] |= set(await _candidates(session, kind, keys))
    await notifications_seen(session, scored[NOTIFICATION])
    await seizures_seen(session, scored[SEIZURE])


async def _candidates(
    session: AsyncSession, kind: str, lookups: Iterable[Key]
) -> dict[str, set[str]]:
    return await repository.candidates(
        session,
        kind,
        lookups,
        cap=KEY_CAP,
        bucket_cap=BUCKET_CAP,
        bucket_budget=BUCKET_BUDGET,
    )


_LINKS_BY = {
    SEIZURE: select(Link).where(Link.seizure_id == bindparam("id")),
    NOTIFICATION: select(Link).where(Link.notification_id == bindparam("id")),
}


def _evidence(scored: Score) -> list[dict[str, Any]]:
    return [{"feature": e.feature, "detail": e.detail, "weight": e.weight} for e in scored.evidence]


async def _relink(
    session: AsyncSession,
    kind: str,
    record_id: str,
    scored: Iterable[tuple[str, str, Score]],
    now: datetime,
    *,
    new: bool,
) -> set[str]:
    """Replace a record's links; return the seizures whose linked state changed."""
    stored: Iterable[Link] = (
        [] if new else await session.scalars(_LINKS_BY[kind], {"id": record_id})
    )
    existing = {(x.seizure_id, x.notification_id): x for x in stored}
    kept = {(sid, nid): sc for sid, nid, sc in scored if sc.score >= STORE_THRESHOLD}
    changed = {sid for (sid, nid), x in existing.items() if x.linked and (sid, nid) not in kept}
    gone = [x for pair, x in existing.items() if pair not in kept]
    for old in gone:
        await session.delete(old)
    for (seizure_id, notification_id), scored_pair in kept.items():
        evidence = _evidence(scored_pair)
        link = existing.get((seizure_id, notification_id))
        if link is None:
            session.add(
                Link(
                    seizure_id=seizure_id,
                    notification_id=notification_id,
                    score=scored_pair.score,
                    linked=scored_pair.linked,
                    evidence=evidence,
                    created_at=now,
                    updated_at=now,
                )
            )
            if scored_pair.linked:
                changed.add(seizure_id)
            continue
        if link.linked != scored_pair.linked:
            changed.add(seizure_id)
        if (link.score, link.linked, link.evidence) != (
            scored_pair.score,
            scored_pair.linked,
            evidence,
        ):
            link.score, link.linked, link.evidence = scored_pair.score, scored_pair.linked, evidence
            link.updated_at = now
    # Written with the set's others, before anything reads links (`app.kit.deferred`).
    now_linked = [
        facts.link_facts(sid, nid, sc.score, sc.linked, _evidence(sc))
        for (sid, nid), sc in kept.items()
    ]
    facts.relinked(session, kind, record_id, now_linked, existing.keys() | kept.keys())
    return changed


_LINKED_COUNTRIES = select(RecordCountry.country).where(
    RecordCountry.kind == NOTIFICATION,
    RecordCountry.record_id.in_(
        select(Link.notification_id).where(Link.seizure_id == bindparam("id"), Link.linked)
    ),
)
# Core statements: no RecordCountry object is kept in the session to synchronise.
_COUNTRIES = cast(Table, RecordCountry.__table__)
_DROP_LINKED_COUNTRIES = delete(_COUNTRIES).where(
    _COUNTRIES.c.kind == SEIZURE,
    _COUNTRIES.c.record_id == bindparam("id"),
    _COUNTRIES.c.role == LINKED_ROLE,
)
_ADD_COUNTRIES = insert(_COUNTRIES)


async def refresh_linked_countries(session: AsyncSession, seizure_id: str) -> None:
    """Let the countries of linked notifications see the seizure."""
    countries = set((await session.scalars(_LINKED_COUNTRIES, {"id": seizure_id})).all())
    await session.execute(_DROP_LINKED_COUNTRIES, {"id": seizure_id})
    if countries:
        rows = [
            {"kind": SEIZURE, "record_id": seizure_id, "country": c, "role": LINKED_ROLE}
            for c in sorted(countries)
        ]
        await session.execute(_ADD_COUNTRIES, rows)


async def correlate_seizure(
    session: AsyncSession, seizure_id: str, now: datetime, *, new: bool = False
) -> None:
    """Store a seizure's keys and (re)score it against the notifications that share one
    (a `new` one, just stored, has no keys or links yet)."""
    seizure = (await seizures_seen(session, [seizure_id]))[seizure_id]
    keys = keyspace.seizure_keys(seizure)
    await repository.replace_keys(session, SEIZURE, seizure_id, keys, new=new)
    await routes.mark(session, seizure, new=new)
    found = await _candidates(session, NOTIFICATION, keyspace.seizure_lookups(seizure))
    views = await notifications_seen(session, found)
    scored = [(seizure_id, n.id, score_pair(seizure, n)) for n in views.values()]
    if await _relink(session, SEIZURE, seizure_id, scored, now, new=new):
        await refresh_linked_countries(session, seizure_id)


async def correlate_notification(
    session: AsyncSession, notification_id: str, now: datetime, *, new: bool = False
) -> None:
    """Store a notification's keys and score it against the seizures that share one (a `new`
    one, just stored, has no keys or links yet)."""
    notification = (await notifications_seen(session, [notification_id]))[notification_id]
    keys = keyspace.notification_keys(notification)
    await repository.replace_keys(session, NOTIFICATION, notification_id, keys, new=new)
    await routes.mark(session, notification, new=new)
    found = await _candidates(session, SEIZURE, keyspace.notification_lookups(notification))
    views = await seizures_seen(session, found)
    scored = [(s.id, notification_id, score_pair(s, notification)) for s in views.values()]
    changed = await _relink(session, NOTIFICATION, notification_id, scored, now, new=new)
    for seizure_id in sorted(changed):
        await refresh_linked_countries(session, seizure_id)


async def related_seizures(session: AsyncSession, seizure: SeizureFacts) -> dict[str, set[str]]:
    """Find other seizures sharing an identifier or a party with this one."""
    lookups = {
        k for k in keyspace.seizure_keys(seizure) if k[0] in (*keyspace.IDENTIFIER_TYPES, PARTY)
    }
    found = await _candidates(session, SEIZURE, lookups)
    found.pop(seizure.id, None)
    return found
