"""Correlate a record with the others: store its keys, find candidates by key, score, link."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.correlation import repository
from app.correlation.models import Link
from app.kit.sql import by_ids
from app.matching import keys as keyspace
from app.matching.keys import PARTY, Key
from app.matching.records import ItemView, NotificationView, PartyView, SeizureView
from app.matching.scoring import STORE_THRESHOLD, Score, score_pair
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.parties.models import Party
from app.records import service as records
from app.records.models import RecordCountry, RecordItem, RecordParty
from app.reference.substances import catalogue
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure

KEY_CAP = 50
BUCKET_CAP = 10
BUCKET_BUDGET = 20
LINKED_ROLE = "linked"


def _items(rows: Sequence[RecordItem]) -> tuple[ItemView, ...]:
    cat = catalogue()
    return tuple(
        ItemView(
            r.substance_code,
            getattr(cat.get(r.substance_code), "family", r.substance_code),
            r.base_mg,
        )
        for r in rows
    )


async def _party_names(session: AsyncSession, rows: dict[str, list[RecordParty]]) -> dict[str, str]:
    """Return the normalised names of every party named by these records, in one query."""
    ids = {p.party_id for parties in rows.values() for p in parties}
    if not ids:
        return {}
    found = (await session.execute(_PARTY_NAMES, {"ids": sorted(ids)})).all()
    return {str(pid): str(name) for pid, name in found}


_PARTY_NAMES = select(Party.id, Party.normalized_name).where(
    Party.id.in_(bindparam("ids", expanding=True))
)
_NOTIFICATIONS = select(Notification).where(Notification.id.in_(bindparam("ids", expanding=True)))
_SEIZURES = select(Seizure).where(Seizure.id.in_(bindparam("ids", expanding=True)))


def _parties(
    rows: Sequence[RecordParty], names: dict[str, str], ignored: frozenset[Key]
) -> tuple[PartyView, ...]:
    """Views of the parties whose names are not on the ignored list."""
    return tuple(
        PartyView(r.role, r.party_id, r.country)
        for r in rows
        if ("party_name", names.get(r.party_id, "")) not in ignored
    )


async def notification_views(
    session: AsyncSession, ids: Iterable[str], ignored: frozenset[Key]
) -> dict[str, NotificationView]:
    """Load notifications as correlation views."""
    wanted = list(ids)
    rows = await by_ids(session, Notification, _NOTIFICATIONS, wanted)
    items, parties = await records.load_children(session, NOTIFICATION, wanted)
    names = await _party_names(session, parties)
    return {
        n.id: NotificationView(
            id=n.id,
            reference=n.reference,
            exporting_country=n.exporting_country,
            importing_country=n.importing_country,
            transit_countries=tuple(n.transit_countries),
            notified_on=n.notified_on,
            dispatch_date=n.dispatch_date,
            items=_items(items[n.id]),
            parties=_parties(parties[n.id], names, ignored),
            containers=frozenset(n.containers) - _values(ignored, "container"),
            air_waybill=_kept(ignored, "air_waybill", n.air_waybill),
            bill_of_lading=_kept(ignored, "bill_of_lading", n.bill_of_lading),
            invoice_number=_kept(ignored, "invoice", n.invoice_number),
            status=n.status,
        )
        for n in rows
    }


async def seizure_views(
    session: AsyncSession, ids: Iterable[str], ignored: frozenset[Key]
) -> dict[str, SeizureView]:
    """Load seizures as correlation views."""
    wanted = list(ids)
    rows = await by_ids(session, Seizure, _SEIZURES, wanted)
    items, parties = await records.load_children(session, SEIZURE, wanted)
    names = await _party_names(session, parties)
    return {
        s.id: SeizureView(
            id=s.id,
            reference=s.reference,
            country=s.country,
            occurred_on=s.occurred_on,
            items=_items(items[s.id]),
            parties=_parties(parties[s.id], names, ignored),
            origin_country=s.origin_country,
            destination_country=s.destination_country,
            transit_countries=tuple(s.transit_countries),
            containers=frozenset(s.containers) - _values(ignored, "container"),
            air_waybill=_kept(ignored, "air_waybill", s.air_waybill),
            bill_of_lading=_kept(ignored, "bill_of_lading", s.bill_of_lading),
            invoice_number=_kept(ignored, "invoice", s.invoice_number),
            declared_as=tuple(i.declared_as for i in items[s.id] if i.declared_as),
        )
        for s in rows
    }


def _values(ignored: frozenset[Key], key_type: str) -> frozenset[str]:
    return frozenset(v for t, v in ignored if t == key_type)


def _kept(ignored: frozenset[Key], key_type: str, value: str | None) -> str | None:
    return None if value is None or (key_type, value) in ignored else value


_LINKS_BY = {
    SEIZURE: select(Link).where(Link.seizure_id == bindparam("id")),
    NOTIFICATION: select(Link).where(Link.notification_id == bindparam("id")),
}


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
        evidence = [
            {"feature": e.feature, "detail": e.detail, "weight": e.weight}
            for e in scored_pair.evidence
        ]
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
    await session.flush()
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
    ignored = await repository.ignored(session)
    seizure = (await seizure_views(session, [seizure_id], ignored))[seizure_id]
    keys = keyspace.seizure_keys(seizure)
    await repository.replace_keys(session, SEIZURE, seizure_id, keys, new=new)
    found = await repository.candidates(
        session,
        NOTIFICATION,
        keyspace.seizure_lookups(seizure),
        cap=KEY_CAP,
        bucket_cap=BUCKET_CAP,
        bucket_budget=BUCKET_BUDGET,
    )
    views = await notification_views(session, found, ignored)
    scored = [(seizure_id, n.id, score_pair(seizure, n)) for n in views.values()]
    if await _relink(session, SEIZURE, seizure_id, scored, now, new=new):
        await refresh_linked_countries(session, seizure_id)


async def correlate_notification(
    session: AsyncSession, notification_id: str, now: datetime, *, new: bool = False
) -> None:
    """Store a notification's keys and score it against the seizures that share one (a `new`
    one, just stored, has no keys or links yet)."""
    ignored = await repository.ignored(session)
    notification = (await notification_views(session, [notification_id], ignored))[notification_id]
    keys = keyspace.notification_keys(notification)
    await repository.replace_keys(session, NOTIFICATION, notification_id, keys, new=new)
    found = await repository.candidates(
        session,
        SEIZURE,
        keyspace.notification_lookups(notification),
        cap=KEY_CAP,
        bucket_cap=BUCKET_CAP,
        bucket_budget=BUCKET_BUDGET,
    )
    views = await seizure_views(session, found, ignored)
    scored = [(s.id, notification_id, score_pair(s, notification)) for s in views.values()]
    changed = await _relink(session, NOTIFICATION, notification_id, scored, now, new=new)
    for seizure_id in sorted(changed):
        await refresh_linked_countries(session, seizure_id)


async def related_seizures(session: AsyncSession, seizure: SeizureView) -> dict[str, set[str]]:
    """Find other seizures sharing an identifier or a party with this one."""
    lookups = {
        k for k in keyspace.seizure_keys(seizure) if k[0] in (*keyspace.IDENTIFIER_TYPES, PARTY)
    }
    found = await repository.candidates(
        session, SEIZURE, lookups, cap=KEY_CAP, bucket_cap=BUCKET_CAP, bucket_budget=BUCKET_BUDGET
    )
    found.pop(seizure.id, None)
    return found
