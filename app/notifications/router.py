"""HTTP routes of /v1/notifications."""

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status
from pydantic import TypeAdapter

from app.alerts import service as alerts
from app.alerts.models import Alert
from app.auth.dependencies import Reporter, Viewer
from app.auth.schemas import Principal
from app.db import SessionDep
from app.errors import problem_responses
from app.ingest.pipeline import Draft
from app.kit.dependencies import ID_PATTERN, ClockDep, Cursor, Limit, RecordId
from app.kit.types import CountryCode
from app.notifications import repository, service, views
from app.notifications.models import KIND, Notification
from app.notifications.schemas import (
    ArrivalIn,
    BatchIn,
    NotificationCreate,
    NotificationOut,
    ReasonIn,
    ReplyIn,
    Status,
)
from app.records import idempotency, pages
from app.records.schemas import BatchOut, EventOut, Page
from app.reference.query import SubstanceFilter

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])
_ADAPTER = TypeAdapter(NotificationCreate)
_READ = problem_responses(401, 403, 404, 422)
_WRITE = problem_responses(400, 401, 403, 404, 409, 413, 422)


async def _one(
    session: SessionDep, notification: Notification, raised: list[Alert], principal: Principal
) -> NotificationOut:
    out = (await views.render(session, [notification]))[0]
    out.alerts = alerts.visible_out(raised, principal)
    return out


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Post a pre-export notification",
    responses={200: {"model": NotificationOut, "description": "Identical replay"}, **_WRITE},
)
async def create_notification(
    body: NotificationCreate,
    principal: Reporter,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
) -> NotificationOut:
    """Store a notification from the caller's country; an identical replay answers 200."""
    notification, created, raised = await service.create(session, principal, body, clock)
    if not created:
        response.status_code = status.HTTP_200_OK
    return await _one(session, notification, raised, principal)


@router.post("/batch", summary="Post up to 1000 notifications", responses=_WRITE)
async def create_batch(
    body: BatchIn, principal: Reporter, session: SessionDep, clock: ClockDep
) -> BatchOut:
    """Store each item on its own; one result per item, in order."""

    def item(body: NotificationCreate) -> Draft[idempotency.Created]:
        return service.draft(principal, body, clock).then(
            lambda stored: (stored[0].id, stored[1], alerts.visible_out(stored[2], principal))
        )

    results = await idempotency.run_batch(session, body.items, _ADAPTER, item)
    return BatchOut(results=results)


@router.get("", summary="List notifications", responses=_READ)
async def list_notifications(
    principal: Viewer,
    session: SessionDep,
    substance: SubstanceFilter = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    country: Annotated[CountryCode | None, Query(description="Any country on the route.")] = None,
    party: Annotated[str | None, Query(pattern=ID_PATTERN, description="Party entity id.")] = None,
) -> Page[NotificationOut]:
    """List visible notifications in the order they were stored."""
    rows = await repository.page(
        session,
        viewer_country=None if principal.is_admin else principal.country,
        after=pages.after_cursor(cursor),
        limit=limit,
        status=status_,
        substance_code=substance,
        country=country,
        party_id=party,
    )
    items = await views.render(session, rows)
    return Page(items=items, next_cursor=pages.next_cursor(rows, limit))


@router.get("/{notification_id}", summary="Get a notification", responses=_READ)
async def get_notification(
    notification_id: RecordId, principal: Viewer, session: SessionDep
) -> NotificationOut:
    """Get one visible notification."""
    notification = await service.get_visible(session, principal, notification_id)
    return (await views.render(session, [notification]))[0]


@router.get("/{notification_id}/history", summary="History of a notification", responses=_READ)
async def notification_history(
    notification_id: RecordId,
    principal: Viewer,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[EventOut]:
    """List every change of a visible notification, oldest first."""
    await service.get_visible(session, principal, notification_id)
    return await pages.history_page(session, KIND, notification_id, cursor, limit)


@router.post("/{notification_id}/reply", summary="Reply (importing country)", responses=_WRITE)
async def reply(
    notification_id: RecordId,
    body: ReplyIn,
    principal: Reporter,
    session: SessionDep,
    clock: ClockDep,
) -> NotificationOut:
    """Record the importing country's no-objection or objection."""
    notification = await service.get_visible(session, principal, notification_id)
    raised = await service.reply(session, principal, notification, body, clock)
    return await _one(session, notification, raised, principal)


@router.post(
    "/{notification_id}/arrival", summary="Confirm arrival (importing country)", responses=_WRITE
)
async def arrival(
    notification_id: RecordId,
    body: ArrivalIn,
    principal: Reporter,
    session: SessionDep,
    clock: ClockDep,
) -> NotificationOut:
    """Record receipt of the consignment with the quantities received."""
    notification = await service.get_visible(session, principal, notification_id)
    raised = await service.arrival(session, principal, notification, body, clock)
    return await _one(session, notification, raised, principal)


@router.post(
    "/{notification_id}/withdraw", summary="Withdraw (exporting country)", responses=_WRITE
)
async def withdraw(
    notification_id: RecordId,
    principal: Reporter,
    session: SessionDep,
    clock: ClockDep,
    body: Annotated[ReasonIn | None, Body()] = None,
) -> NotificationOut:
    """Withdraw a notification; repeating it changes nothing."""
    notification = await service.get_visible(session, principal, notification_id)
    raised = await service.withdraw(session, principal, notification, body or ReasonIn(), clock)
    return await _one(session, notification, raised, principal)


@router.post(
    "/{notification_id}/suspend", summary="Suspend (country on the route)", responses=_WRITE
)
async def suspend(
    notification_id: RecordId,
    principal: Reporter,
    session: SessionDep,
    clock: ClockDep,
    body: Annotated[ReasonIn | None, Body()] = None,
) -> NotificationOut:
    """Suspend a notification; repeating it changes nothing."""
    notification = await service.get_visible(session, principal, notification_id)
    raised = await service.suspend(session, principal, notification, body or ReasonIn(), clock)
    return await _one(session, notification, raised, principal)
