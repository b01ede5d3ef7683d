"""Business rules of notifications: idempotent create, replies, arrivals, status changes."""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import alr_totals, engine
from app.alerts import service as alerts
from app.alerts.models import Alert
from app.alerts.runners.base import Event
from app.auth.schemas import Principal
from app.correlation import drafts
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.ingest import kept, pipeline, replays, stages
from app.ingest.pipeline import Draft
from app.ingest.stages import NewRecord
from app.kit.clock import Clock
from app.notifications import repository
from app.notifications.locks import draft_keys, lock_stored, named
from app.notifications.models import KIND, Notification
from app.notifications.schemas import (
    ArrivalIn,
    NotificationCreate,
    ReasonIn,
    ReplyIn,
)
from app.notifications.views import OTHERS_FROM
from app.records import idempotency, locks
from app.records import repository as record_repository
from app.records import service as records
from app.records.models import RecordItem
from app.records.schemas import PartyIn

ARRIVAL_KIND = f"{KIND}_arrival"
REPLY_DAYS = 15


_READ_STORED = replays.reader(Notification, KIND)
Created = tuple[Notification, bool, list[Alert]]


def draft(principal: Principal, body: NotificationCreate, clock: Clock) -> Draft[Created]:
    """The write of a new notification (or of its replay), for the pipeline."""
    try:
        new: _New | InvalidInput = _new(principal, body, clock)
    except InvalidInput as refused:  # given only if the reference is not a replay's
        new = refused
    parties = [locks.party_key_of(p) for p in named(body)]  # the exporter and importer first
    return pipeline.draft(
        draft_keys(principal, body),
        partial(_create, principal, body, new),
        parties,
        [_READ_STORED],
        drafts.notification(principal, body, clock.today(), (parties[0], parties[1])),
        None if isinstance(new, InvalidInput) else replays.NewRow(Notification, new.values),
    )


async def create(
    session: AsyncSession, principal: Principal, body: NotificationCreate, clock: Clock
) -> Created:
    """Store a new notification, or return the stored one for an identical replay."""
    return await pipeline.write_one(session, draft(principal, body, clock))


@dataclass(frozen=True, slots=True)
class _New:
    """A valid new notification's columns and items, built before its set is written."""

    values: dict[str, Any]
    items: list[RecordItem]


def _new(principal: Principal, body: NotificationCreate, clock: Clock) -> _New:
    if body.importing_country == principal.country:
        raise InvalidInput([("importing_country", "must differ from the exporting country")])
    if (
        principal.country in body.transit_countries
        or body.importing_country in body.transit_countries
    ):
        raise InvalidInput(
            [("transit_countries", "must not name the exporting or importing country")]
        )
    notification_id = str(uuid.uuid4())
    items = records.build_items(KIND, notification_id, body.items)
    now, notified_on = clock.now(), body.notified_on or clock.today()
    values = {
        "id": notification_id,
        "authority_id": principal.authority_id,
        "reference": body.reference,
        "status": "pending",
        "exporting_country": principal.country,
        "importing_country": body.importing_country,
        "transit_countries": body.transit_countries,
        "notified_on": notified_on,
        "reply_due_date": body.reply_due_date or notified_on + timedelta(days=REPLY_DAYS),
        "dispatch_date": body.dispatch_date,
        "expected_arrival_date": body.expected_arrival_date,
        "exit_point": body.exit_point,
        "entry_point": body.entry_point,
        "transport_mode": body.transport_mode,
        "containers": list(dict.fromkeys(body.containers)),
        "bill_of_lading": body.bill_of_lading,
        "air_waybill": body.air_waybill,
        "invoice_number": body.invoice_number,
        "import_permit": body.import_permit,
        "end_use": body.end_use,
        "request": body.model_dump(mode="json"),
        "created_at": now,
        "updated_at": now,
    }
    return _New(values, items)


async def _create(
    principal: Principal,
    body: NotificationCreate,
    new: _New | InvalidInput,
    session: AsyncSession,
) -> Created:
    async def find() -> Notification | None:
        return await repository.get_by_reference(session, principal.authority_id, body.reference)

    notification, created = await idempotency.stored_or_inserted(
        session,
        Notification,
        principal.authority_id,
        body,
        new if isinstance(new, InvalidInput) else new.values,
        find,
    )
    if not created:
        return notification, False, await alerts.raised_by(session, KIND, notification.id)
    assert not isinstance(new, InvalidInput)  # a refused body is never inserted
    parties: list[tuple[int, str, PartyIn]] = [
        (0, "exporter", body.exporter),
        (1, "importer", body.importer),
    ]
    if body.consignee is not None:
        parties.append((2, "consignee", body.consignee))
    parties += [(OTHERS_FROM + i, p.role, p) for i, p in enumerate(body.other_parties)]
    counted = partial(
        alr_totals.count,
        notification_id=notification.id,
        reference=notification.reference,
        importing_country=notification.importing_country,
        exporting_country=notification.exporting_country,
        notified_on=notification.notified_on,
        items=[(i.substance_code, i.base_mg) for i in new.items],
    )
    route = _route(notification)
    record = NewRecord(KIND, notification.id, new.items, parties, lambda _: route, counted)
    return (
        notification,
        True,
        await stages.created(session, record, principal, new.values["created_at"]),
    )


def _route(n: Notification) -> list[tuple[str, str]]:
    pairs = [(n.exporting_country, "exporting"), (n.importing_country, "importing")]
    return pairs + [(c, "transit") for c in n.transit_countries]


async def get_visible(
    session: AsyncSession, principal: Principal, notification_id: str
) -> Notification:
    """Get a notification the caller may see, or 404."""
    notification = await repository.get(session, notification_id)
    if notification is None or not principal.can_see(
        await record_repository.countries_of(session, KIND, notification_id)
    ):
        raise NotFound(f"no notification {notification_id!r} visible to this authority")
    return notification


def _touch(n: Notification, clock: Clock) -> None:
    n.status = n.derive_status()
    n.updated_at = clock.now()
    n.version += 1


async def reply(
    session: AsyncSession, principal: Principal, n: Notification, body: ReplyIn, clock: Clock
) -> list[Alert]:
    """Record the importing country's reply; an identical retry changes nothing."""
    if principal.country != n.importing_country:
        raise Forbidden("only the importing country replies to a notification")
    await lock_stored(session, n)
    if n.decision is not None:
        same = n.decision == body.decision and n.decision_reason == body.reason
        if same and body.replied_on in (None, n.replied_on):
            return []
        raise Conflict(f"already answered '{n.decision}' on {n.replied_on}")
    if n.withdrawn_at is not None:
        raise Conflict("the notification was withdrawn")
    replied_on = body.replied_on or clock.today()
    if replied_on < n.notified_on:
        raise InvalidInput([("replied_on", f"is before the notification date {n.notified_on}")])
    n.decision, n.decision_reason, n.replied_on = body.decision, body.reason, replied_on
    _touch(n, clock)
    if n.decision == "objection":
        await alr_totals.uncount(session, n.id)
    await records.add_event(
        session,
        KIND,
        n.id,
        "replied",
        principal=principal,
        at=clock.now(),
        note=body.reason,
        data={"decision": body.decision, "replied_on": n.replied_on.isoformat()},
    )
    return await engine.dispatch(session, Event("reply", n.id), clock.now())


async def arrival(
    session: AsyncSession, principal: Principal, n: Notification, body: ArrivalIn, clock: Clock
) -> list[Alert]:
    """Record receipt by the importing country; an identical retry changes nothing."""
    if principal.country != n.importing_country:
        raise Forbidden("only the importing country confirms an arrival")
    await lock_stored(session, n)
    items = records.build_items(ARRIVAL_KIND, n.id, body.items)
    received_on = body.received_on or clock.today()
    if received_on < n.notified_on:
        raise InvalidInput([("received_on", f"is before the notification date {n.notified_on}")])
    if n.received_on is not None:
        stored = (await records.load_children(session, KIND, [n.id]))[0][f"{n.id}:arrival"]
        same_items = [(i.substance_code, i.net_mg) for i in stored] == [
            (i.substance_code, i.net_mg) for i in items
        ]
        if same_items and body.received_on in (None, n.received_on):
            return []
        raise Conflict(f"arrival already confirmed on {n.received_on}")
    session.add_all(items)
    kept.forget(session)
    n.received_on = received_on
    _touch(n, clock)
    await records.add_event(
        session,
        KIND,
        n.id,
        "arrived",
        principal=principal,
        at=clock.now(),
        data={"received_on": n.received_on.isoformat()},
    )
    return await engine.dispatch(session, Event("arrival", n.id), clock.now())


async def withdraw(
    session: AsyncSession, principal: Principal, n: Notification, body: ReasonIn, clock: Clock
) -> list[Alert]:
    """Withdraw a notification (exporting country)."""
    if principal.country != n.exporting_country:
        raise Forbidden("only the exporting country withdraws a notification")
    await lock_stored(session, n)
    if n.withdrawn_at is None:
        n.withdrawn_at = clock.now()
        _touch(n, clock)
        await alr_totals.uncount(session, n.id)
        await records.add_event(
            session, KIND, n.id, "withdrawn", principal=principal, at=clock.now(), note=body.reason
        )
        return await engine.dispatch(session, Event("status", n.id), clock.now())
    return []


async def suspend(
    session: AsyncSession, principal: Principal, n: Notification, body: ReasonIn, clock: Clock
) -> list[Alert]:
    """Suspend a notification (any country on the route)."""
    if principal.country not in {c for c, _ in _route(n)}:
        raise Forbidden("only a country on the route suspends a notification")
    await lock_stored(session, n)
    if n.suspended_at is None:
        n.suspended_at = clock.now()
        _touch(n, clock)
        await records.add_event(
            session, KIND, n.id, "suspended", principal=principal, at=clock.now(), note=body.reason
        )
        return await engine.dispatch(session, Event("status", n.id), clock.now())
    return []
