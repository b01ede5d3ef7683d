"""The facts of stored records (`app.records.facts`), read once per transaction and kept.

Correlation and every rule ask for the facts of the records they look at; across a set those are
often the same records (a busy lane's notifications, the record just written). Facts are read
for the records not yet kept, with one statement per table, and kept until the transaction ends:
other writers may change a record only after it. Within the transaction a record's facts change
only through its own writes, which drop them: any record object changed in the session
(`before_flush`), and `forget` wherever items or parties are rewritten.
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.kit.sql import by_ids
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.parties.models import Party
from app.records import children
from app.records.facts import (
    Identifier,
    ItemFacts,
    NotificationFacts,
    PartyFacts,
    SeizureFacts,
    item_facts,
)
from app.records.models import RecordItem, RecordParty
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure

KEPT = "record_facts"


def _kept(session: AsyncSession | Session) -> dict[tuple[str, ...], Any]:
    kept: dict[tuple[str, ...], Any] = session.info.setdefault(KEPT, {})
    return kept


def forget(session: AsyncSession) -> None:
    """Drop every kept fact and child: items or parties of stored records were rewritten."""
    children.forget(session)
    session.info.pop(KEPT, None)


@event.listens_for(Session, "before_flush")
def _changed(session: Session, *_: Any) -> None:
    # A record changed in the session (a reply, a withdrawal, an amendment) is read again.
    kept = session.info.get(KEPT)
    if kept:
        for obj in (*session.dirty, *session.deleted):
            if isinstance(obj, Notification | Seizure):
                kept.pop((_kind(obj), obj.id), None)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction, *_: Any) -> None:
    # Past the outermost transaction other writers may have changed anything kept; a savepoint's
    # rollback restores what it kept through `pipeline.in_savepoint`.
    if transaction.parent is None:
        session.info.pop(KEPT, None)


def _kind(record: Notification | Seizure) -> str:
    return NOTIFICATION if isinstance(record, Notification) else SEIZURE


def _dropped_dirty(session: AsyncSession) -> None:
    """Drop the kept facts of records changed in the session but not yet flushed."""
    kept = session.info.get(KEPT)
    if kept:
        for obj in session.dirty:
            if isinstance(obj, Notification | Seizure):
                kept.pop((_kind(obj), obj.id), None)


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
    _dropped_dirty(session)
    kept = _kept(session)
    wanted = list(dict.fromkeys(ids))
    missing = [i for i in wanted if fresh or (kind, i) not in kept]
    if missing:
        load = _load_notifications if kind == NOTIFICATION else _load_seizures
        for record_id, facts in (await load(session, missing)).items():
            kept[(kind, record_id)] = facts
    return {i: kept[(kind, i)] for i in wanted if (kind, i) in kept}


_IGNORED_ENTITIES = select(Party.id).where(
    Party.id.in_(bindparam("ids", expanding=True)),
    Party.normalized_name.in_(bindparam("names", expanding=True)),
)


async def ignored_entities(
    session: AsyncSession, party_ids: Iterable[str], ignored: frozenset[tuple[str, str]]
) -> set[str]:
    """Which of these entities carry a name on the ignored list ("TO ORDER", hub forwarders),
    kept like facts: an entity's name changes only by a merge, which calls `forget`."""
    names = sorted(v for t, v in ignored if t == "party_name")
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
    kept = session.info.get(KEPT)
    if kept:
        for party_id in party_ids:
            if ("mentions", kind, party_id) in kept:
                kept[("mentions", kind, party_id)] += 1


def created_entity(session: AsyncSession, party_id: str) -> None:
    """An entity created by this transaction is named by no record yet: nothing to count."""
    kept = _kept(session)
    for kind in (NOTIFICATION, SEIZURE):
        kept[("mentions", kind, party_id)] = 0


def _items(rows: Sequence[Any]) -> tuple[ItemFacts, ...]:
    return tuple(item_facts(r.substance_code, r.net_mg, r.base_mg, r.declared_as) for r in rows)


def _parties(rows: Sequence[Any]) -> tuple[PartyFacts, ...]:
    return tuple(PartyFacts(r.role, r.party_id, r.name, r.country) for r in rows)


def _identifiers(record: Notification | Seizure) -> frozenset[Identifier]:
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
_NOTIFICATIONS = select(Notification).where(Notification.id.in_(bindparam("ids", expanding=True)))
_SEIZURES = select(Seizure).where(Seizure.id.in_(bindparam("ids", expanding=True)))


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
