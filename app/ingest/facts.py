"""The facts of stored records (`app.records.facts`) and their links, kept for the transaction
(`kept`): read with one statement per table for the records not kept yet.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.correlation.models import Link
from app.ingest.kept import drop_dirty
from app.ingest.kept import kept as _kept
from app.kit.sql import by_ids
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.records import children
from app.records.facts import (
    Identifier,
    ItemFacts,
    LinkFacts,
    NotificationFacts,
    PartyFacts,
    SeizureFacts,
    item_facts,
)
from app.records.models import RecordItem, RecordParty
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure

LINKS_MAX = 500  # no rule needs more of a record's links than this to decide


async def notifications(
    session: AsyncSession, ids: Iterable[str], *, fresh: bool = False
) -> dict[str, NotificationFacts]:
    """The facts of these notifications (those stored), kept or read (`fresh`: read, as the
    sweep does once it holds their rows)."""
    return await _facts(session, NOTIFICATION, ids, fresh)


async def seizures(session: AsyncSession, ids: Iterable[str]) -> dict[str, SeizureFacts]:
    """The facts of these seizures (those stored), kept or read."""
    return await _facts(session, SEIZURE, ids, False)


async def _facts(
    session: AsyncSession, kind: str, ids: Iterable[str], fresh: bool
) -> dict[str, Any]:
    drop_dirty(session)
    kept = _kept(session)
    wanted = list(dict.fromkeys(ids))
    missing = [i for i in wanted if fresh or (kind, i) not in kept]
    if missing:
        load = _load_notifications if kind == NOTIFICATION else _load_seizures
        for record_id, facts in (await load(session, missing)).items():
            kept[(kind, record_id)] = facts
    return {i: kept[(kind, i)] for i in wanted if (kind, i) in kept}


_LINKS = {
    SEIZURE: select(Link).where(Link.seizure_id == bindparam("id")).limit(LINKS_MAX),
    NOTIFICATION: select(Link).where(Link.notification_id == bindparam("id")).limit(LINKS_MAX),
}


def link_facts(
    seizure_id: str,
    notification_id: str,
    score: float,
    linked: bool,
    evidence: Iterable[dict[str, Any]],
) -> LinkFacts:
    """A stored link's facts (evidence as stored: feature, detail, weight)."""
    found = tuple((e["feature"], e["detail"], float(e["weight"])) for e in evidence)
    return LinkFacts(seizure_id, notification_id, score, linked, found)


async def links(session: AsyncSession, kind: str, record_id: str) -> list[LinkFacts]:
    """The stored links of a seizure or a notification, kept."""
    kept = _kept(session)
    found: list[LinkFacts] | None = kept.get(("links", kind, record_id))
    if found is None:
        rows = (await session.scalars(_LINKS[kind], {"id": record_id})).all()
        found = [
            link_facts(r.seizure_id, r.notification_id, r.score, r.linked, r.evidence) for r in rows
        ]
        kept[("links", kind, record_id)] = found
    return found


def relinked(
    session: AsyncSession,
    kind: str,
    record_id: str,
    now: list[LinkFacts],
    touched: Iterable[tuple[str, str]],
) -> None:
    """A record's links were replaced by `now`: keep them, and drop the kept links of the
    records on the other side of every pair added, changed or removed."""
    kept = _kept(session)
    for seizure_id, notification_id in touched:
        other = (NOTIFICATION, notification_id) if kind == SEIZURE else (SEIZURE, seizure_id)
        kept.pop(("links", *other), None)
    kept[("links", kind, record_id)] = now


def _items(rows: Sequence[Any]) -> tuple[ItemFacts, ...]:
    return tuple(item_facts(r.substance_code, r.net_mg, r.base_mg, r.declared_as) for r in rows)


def _parties(rows: Sequence[Any]) -> tuple[PartyFacts, ...]:
    return tuple(PartyFacts(r.role, r.party_id, r.name, r.country) for r in rows)


def _identifiers(record: Any) -> frozenset[Identifier]:
    found = {("container", c) for c in record.containers}
    singles = (
        ("air_waybill", record.air_waybill),
        ("bill_of_lading", record.bill_of_lading),
        ("invoice", record.invoice_number),
    )
    return frozenset(found | {(t, v) for t, v in singles if v})


# Statements are built once and reused: building one costs more than running it, and a reused
# one hits the compiled cache without recomputing its cache key.
_ITEMS = (
    select(
        RecordItem.record_id,
        RecordItem.kind,
        RecordItem.substance_code,
        RecordItem.net_mg,
        RecordItem.base_mg,
        RecordItem.declared_as,
    )
    .where(
        RecordItem.kind.in_(bindparam("kinds", expanding=True)),
        RecordItem.record_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(RecordItem.record_id, RecordItem.kind, RecordItem.position)
)
_PARTIES = (
    select(
        RecordParty.record_id,
        RecordParty.role,
        RecordParty.party_id,
        RecordParty.name,
        RecordParty.country,
    )
    .where(
        RecordParty.kind == bindparam("kind"),
        RecordParty.record_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(RecordParty.record_id, RecordParty.position)
)
_IDENTIFIERS = ("containers", "air_waybill", "bill_of_lading", "invoice_number")
_NOTIFICATIONS = select(
    *(
        getattr(Notification, c)
        for c in (
            "id",
            "reference",
            "status",
            "exporting_country",
            "importing_country",
            "transit_countries",
            "notified_on",
            "reply_due_date",
            "dispatch_date",
            "expected_arrival_date",
            "decision",
            "replied_on",
            "received_on",
            "withdrawn_at",
            "suspended_at",
            *_IDENTIFIERS,
        )
    )
).where(Notification.id.in_(bindparam("ids", expanding=True)))
_SEIZURES = select(
    *(
        getattr(Seizure, c)
        for c in (
            "id",
            "reference",
            "type",
            "reporting_country",
            "country",
            "place",
            "occurred_on",
            "origin_country",
            "destination_country",
            "transit_countries",
            *_IDENTIFIERS,
        )
    )
).where(Seizure.id.in_(bindparam("ids", expanding=True)))


async def _children(
    session: AsyncSession, kind: str, ids: list[str]
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """The items (arrivals under `<id>:arrival`) and parties of records: those the session
    created are kept (`records.children`), the rest read with one statement each."""
    items: dict[str, list[Any]] = defaultdict(list)
    parties: dict[str, list[Any]] = defaultdict(list)
    ids = children.fill(session, kind, ids, items, parties)
    if not ids:
        return items, parties
    item_rows = await session.execute(_ITEMS, {"kinds": [kind, f"{kind}_arrival"], "ids": ids})
    for row in item_rows:
        items[row.record_id if row.kind == kind else f"{row.record_id}:arrival"].append(row)
    for party in await session.execute(_PARTIES, {"kind": kind, "ids": ids}):
        parties[party.record_id].append(party)
    return items, parties


async def _load_notifications(
    session: AsyncSession, wanted: list[str]
) -> dict[str, NotificationFacts]:
    rows = await by_ids(session, Notification, _NOTIFICATIONS, wanted)
    items, parties = await _children(session, NOTIFICATION, wanted)
    return {
        n.id: NotificationFacts(
            id=n.id,
            reference=n.reference,
            status=n.status,
            exporting_country=n.exporting_country,
            importing_country=n.importing_country,
            transit_countries=tuple(n.transit_countries),
            notified_on=n.notified_on,
            reply_due_date=n.reply_due_date,
            dispatch_date=n.dispatch_date,
            expected_arrival_date=n.expected_arrival_date,
            decision=n.decision,
            replied_on=n.replied_on,
            received_on=n.received_on,
            withdrawn=n.withdrawn_at is not None,
            suspended=n.suspended_at is not None,
            items=_items(items[n.id]),
            arrival_items=_items(items.get(f"{n.id}:arrival", [])),
            parties=_parties(parties[n.id]),
            identifiers=_identifiers(n),
        )
        for n in rows
    }


async def _load_seizures(session: AsyncSession, wanted: list[str]) -> dict[str, SeizureFacts]:
    rows = await by_ids(session, Seizure, _SEIZURES, wanted)
    items, parties = await _children(session, SEIZURE, wanted)
    return {
        s.id: SeizureFacts(
            id=s.id,
            reference=s.reference,
            type=s.type,
            reporting_country=s.reporting_country,
            country=s.country,
            place=s.place,
            occurred_on=s.occurred_on,
            origin_country=s.origin_country,
            destination_country=s.destination_country,
            transit_countries=tuple(s.transit_countries),
            items=_items(items[s.id]),
            parties=_parties(parties[s.id]),
            identifiers=_identifiers(s),
        )
        for s in rows
    }
