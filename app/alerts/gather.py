"""Load rule facts and find related records, always through indexed lookups."""

import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.rules.facts import ItemFacts, LinkFacts, NotificationFacts, PartyFacts, SeizureFacts
from app.correlation.models import Link
from app.kit.sql import by_ids
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.records import children
from app.records.models import RecordItem, RecordParty
from app.reference.substances import catalogue
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure

F = TypeVar("F")
LIMIT = 500  # no rule needs more related records than this to decide


def _items(rows: Sequence[Any]) -> tuple[ItemFacts, ...]:
    out = []
    for r in rows:
        s = catalogue().get(r.substance_code)
        out.append(
            ItemFacts(
                substance_code=r.substance_code,
                family=s.family if s else r.substance_code,
                project=s.project if s else None,
                alr_tracked=bool(s and s.alr_tracked),
                no_legitimate_use=bool(s and s.no_legitimate_use),
                net_mg=r.net_mg,
                base_mg=r.base_mg,
                declared_as=r.declared_as,
            )
        )
    return tuple(out)


def _parties(rows: Sequence[Any]) -> tuple[PartyFacts, ...]:
    return tuple(PartyFacts(r.role, r.party_id, r.name, r.country) for r in rows)


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


async def _children(
    session: AsyncSession, kind: str, ids: list[str]
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Load the items (arrivals under `<id>:arrival`) and parties of records, as facts need."""
    # Only the columns the facts use.
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


FACTS = "rule_facts"


def remember_facts(session: AsyncSession) -> None:
    """Let the rules of one dispatch share the facts they load (nothing is written meanwhile)."""
    session.info[FACTS] = {}


def forget_facts(session: AsyncSession) -> None:
    """End the sharing started by `remember_facts`."""
    session.info.pop(FACTS, None)


async def _shared(
    session: AsyncSession,
    ids: Iterable[str],
    load: Callable[[AsyncSession, list[str]], Awaitable[dict[str, F]]],
) -> dict[str, F]:
    """Load facts once per dispatch: each rule's runner asks for the same records."""
    wanted = list(dict.fromkeys(ids))
    cache: dict[tuple[str, str], Any] | None = session.info.get(FACTS)
    if cache is None:
        return await load(session, wanted)
    missing = [i for i in wanted if (load.__name__, i) not in cache]
    for key, value in (await load(session, missing)).items() if missing else ():
        cache[(load.__name__, key)] = value
    return {i: cache[(load.__name__, i)] for i in wanted if (load.__name__, i) in cache}


async def memo(session: AsyncSession, key: tuple[str, ...], load: Callable[[], Awaitable[F]]) -> F:
    """Compute a lookup once per dispatch (the ignored list, how busy a party is ...)."""
    cache: dict[tuple[str, ...], Any] | None = session.info.get(FACTS)
    if cache is None:
        return await load()
    if key not in cache:
        cache[key] = await load()
    found: F = cache[key]
    return found


async def memo_each(
    session: AsyncSession,
    key: tuple[str, ...],
    wanted: list[str],
    load: Callable[[list[str]], Awaitable[dict[str, F]]],
) -> dict[str, F]:
    """`memo` of `(*key, w)` for each of `wanted`, loading all the missing ones at once."""
    cache: dict[tuple[str, ...], Any] | None = session.info.get(FACTS)
    if cache is None:
        return await load(wanted)
    missing = [w for w in wanted if (*key, w) not in cache]
    for w, value in (await load(missing)).items() if missing else ():
        cache[(*key, w)] = value
    return {w: cache[(*key, w)] for w in wanted}


async def notifications(session: AsyncSession, ids: Iterable[str]) -> dict[str, NotificationFacts]:
    """Load notifications as facts."""
    return await _shared(session, ids, _load_notifications)


async def seizures(session: AsyncSession, ids: Iterable[str]) -> dict[str, SeizureFacts]:
    """Load seizures as facts."""
    return await _shared(session, ids, _load_seizures)


_NOTIFICATIONS = select(Notification).where(Notification.id.in_(bindparam("ids", expanding=True)))
_SEIZURES = select(Seizure).where(Seizure.id.in_(bindparam("ids", expanding=True)))


async def _load_notifications(
    session: AsyncSession, wanted: list[str]
) -> dict[str, NotificationFacts]:
    if not wanted:
        return {}
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
        )
        for n in rows
    }


async def _load_seizures(session: AsyncSession, wanted: list[str]) -> dict[str, SeizureFacts]:
    if not wanted:
        return {}
    rows = await by_ids(session, Seizure, _SEIZURES, wanted)
    items, parties = await _children(session, SEIZURE, wanted)
    out = {}
    for s in rows:
        identifiers = {("container", c) for c in s.containers}
        identifiers |= {
            (t, v)
            for t, v in (
                ("air_waybill", s.air_waybill),
                ("bill_of_lading", s.bill_of_lading),
                ("invoice", s.invoice_number),
            )
            if v
        }
        out[s.id] = SeizureFacts(
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
            identifiers=frozenset(identifiers),
        )
    return out


def _link(row: Link) -> LinkFacts:
    evidence = tuple((e["feature"], e["detail"], float(e["weight"])) for e in row.evidence)
    return LinkFacts(row.seizure_id, row.notification_id, row.score, row.linked, evidence)


@functools.cache
def _links_stmt(by_seizure: bool, by_notification: bool) -> Select[Link]:
    stmt = select(Link)
    if by_seizure:
        stmt = stmt.where(Link.seizure_id == bindparam("seizure_id"))
    if by_notification:
        stmt = stmt.where(Link.notification_id == bindparam("notification_id"))
    return stmt.limit(LIMIT)


async def links(
    session: AsyncSession, *, seizure_id: str | None = None, notification_id: str | None = None
) -> list[LinkFacts]:
    """Return the stored links of a seizure or of a notification."""

    async def load() -> list[LinkFacts]:
        stmt = _links_stmt(seizure_id is not None, notification_id is not None)
        params = {"seizure_id": seizure_id, "notification_id": notification_id}
        return [_link(r) for r in (await session.scalars(stmt, params)).all()]

    # The link rules and SEIZURE_CLUSTER all start from the event's links.
    return await memo(session, ("links", seizure_id or "", notification_id or ""), load)


_NOTIFICATIONS_TO = (
    select(Notification.id)
    .join(
        RecordItem,
        and_(RecordItem.kind == NOTIFICATION, RecordItem.record_id == Notification.id),
    )
    .where(
        Notification.importing_country == bindparam("country"),
        RecordItem.substance_code.in_(bindparam("codes", expanding=True)),
        Notification.notified_on >= bindparam("first"),
        Notification.notified_on <= bindparam("last"),
    )
    .distinct()
    .limit(LIMIT)
)


async def notifications_to(
    session: AsyncSession,
    importing_country: str,
    substance_codes: Iterable[str],
    first: date,
    last: date,
) -> list[str]:
    """Return notifications to a country holding these substances, notified in [first, last]."""
    params = {
        "country": importing_country,
        "codes": list(substance_codes),
        "first": first,
        "last": last,
    }
    return list((await session.scalars(_NOTIFICATIONS_TO, params)).all())
