"""HTTP routes of /v1/alerts: the feed, long-poll, Server-Sent Events and triage."""

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from app.alerts import repository, service
from app.alerts.feed import alert_out, note_change, publish
from app.alerts.models import AlertChange
from app.alerts.schemas import (
    AlertDetail,
    AlertPatch,
    Feed,
    FeedItem,
    HistoryEntry,
    Severity,
    Status,
)
from app.auth.dependencies import Investigator, Viewer
from app.auth.schemas import Principal
from app.db import SessionDep
from app.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    problem_responses,
)
from app.kit.dependencies import ClockDep, Limit, RecordId
from app.kit.pagination import decode_cursor, encode_cursor
from app.kit.types import CountryCode

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])
POLL_SECONDS = 0.5
RuleCode = Annotated[str | None, Query(pattern=r"^[A-Z_]{3,40}$", description="Rule code.")]


def _after(cursor: str | None) -> int:
    if cursor is None:
        return 0
    (seq,) = decode_cursor(cursor, 1)
    if not isinstance(seq, int) or seq < 0:
        raise InvalidInput([("cursor", "not a cursor returned by this feed")])
    return seq


def _item(change: AlertChange) -> FeedItem:
    return FeedItem.model_validate(
        {**change.snapshot, "change": change.change, "changed_at": change.at}
    )


@dataclass(frozen=True, slots=True)
class _Filters:
    """The feed's filters, shared by the JSON feed and the event stream."""

    status: Status | None
    rule: str | None
    severity: Severity | None
    country: str | None
    project: str | None
    include_monitor: bool

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


async def _filters(
    status: Annotated[Status | None, Query()] = None,
    rule: RuleCode = None,
    severity: Annotated[Severity | None, Query()] = None,
    country: Annotated[CountryCode | None, Query()] = None,
    project: Annotated[str | None, Query(pattern=r"^(prism|cohesion)$")] = None,
    include_monitor: Annotated[
        bool, Query(description="Also list alerts of rules in monitor mode.")
    ] = False,
) -> _Filters:
    # async, not a class: FastAPI would build a class dependency on a worker thread (see kit).
    return _Filters(status, rule, severity, country, project, include_monitor)


Filters = Annotated[_Filters, Depends(_filters)]


async def _read(
    session: SessionDep, principal: Principal, filters: _Filters, after: int, limit: int
) -> list[AlertChange]:
    return list(
        await repository.changes(
            session,
            after=after,
            limit=limit,
            viewer_country=None if principal.is_admin else principal.country,
            status=filters.status,
            rule=filters.rule,
            severity=filters.severity,
            country=filters.country,
            project=filters.project,
            include_monitor=filters.include_monitor,
        )
    )


@router.get(
    "",
    summary="The alert feed, ordered by change",
    response_model=Feed,
    responses={
        304: {"description": "Nothing changed since the ETag"},
        **problem_responses(401, 403, 422),
    },
)
async def feed(
    request: Request,
    response: Response,
    principal: Viewer,
    session: SessionDep,
    filters: Filters,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Limit = 100,
    wait: Annotated[int, Query(ge=0, le=30, description="Seconds to wait for a change.")] = 0,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Feed | Response:
    """Every insert and update after the cursor, exactly once, in commit order."""
    after = _after(cursor)
    request.app.state.metrics.feed_polls.inc()
    deadline = time.monotonic() + wait
    changes = await _read(session, principal, filters, after, limit)
    while not changes and time.monotonic() < deadline and not await request.is_disconnected():
        await session.rollback()  # end the read transaction so writers are never held up
        await asyncio.sleep(POLL_SECONDS)
        changes = await _read(session, principal, filters, after, limit)
    next_cursor = encode_cursor(changes[-1].seq if changes else after)
    tag = hashlib.sha256(
        f"{after}|{next_cursor}|{limit}|{filters.key()}|{principal.authority_id}".encode()
    ).hexdigest()[:32]
    etag = f'W/"{tag}"'
    if if_none_match == etag:
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return Feed(items=[_item(c) for c in changes], next_cursor=next_cursor)


def _sse(change: AlertChange) -> str:
    return f"id: {change.seq}\nevent: alert\ndata: {_item(change).model_dump_json()}\n\n"


@router.get(
    "/stream",
    summary="The alert feed as Server-Sent Events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **problem_responses(401, 403, 422)},
)
async def stream(
    request: Request,
    principal: Viewer,
    filters: Filters,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    last_event_id: Annotated[str | None, Header(pattern=r"^\d{1,18}$")] = None,
    max_events: Annotated[int | None, Query(ge=1, le=100000)] = None,
    duration: Annotated[
        int, Query(alias="timeout", ge=1, le=3600, description="Seconds before the stream ends.")
    ] = 600,
) -> StreamingResponse:
    """Stream changes after Last-Event-ID (or the cursor); reconnect with the last id seen."""
    after = int(last_event_id) if last_event_id is not None else _after(cursor)
    sessionmaker = request.app.state.read_sessionmaker

    async def events() -> AsyncIterator[str]:
        nonlocal after
        sent, deadline, quiet_since = 0, time.monotonic() + duration, time.monotonic()
        yield "retry: 2000\n\n"
        while time.monotonic() < deadline and not await request.is_disconnected():
            async with sessionmaker() as session:
                changes = await _read(session, principal, filters, after, 100)
            for change in changes:
                yield _sse(change)
                after, sent = change.seq, sent + 1
                if max_events is not None and sent >= max_events:
                    return
            if not changes:
                if time.monotonic() - quiet_since > 15:
                    yield ": keep-alive\n\n"
                    quiet_since = time.monotonic()
                await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


async def _visible(session: SessionDep, principal: Principal, alert_id: str) -> AlertDetail:
    alert = await repository.get(session, alert_id)
    if alert is None or not principal.can_see(frozenset(alert.countries)):
        raise NotFound(f"no alert {alert_id!r} visible to this authority")
    history = [
        HistoryEntry(
            change=c.change, at=c.at, status=c.status, note=c.note, by_authority=c.authority_id
        )
        for c in await repository.history(session, alert_id)
    ]
    return AlertDetail(**alert_out(alert).model_dump(), history=history)


def _etag(version: int) -> str:
    return f'W/"v{version}"'


@router.get(
    "/{alert_id}",
    summary="An alert and its history",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_alert(
    alert_id: RecordId, principal: Viewer, session: SessionDep, response: Response
) -> AlertDetail:
    """Get one visible alert with every change it went through; the ETag guards PATCH."""
    detail = await _visible(session, principal, alert_id)
    alert = await repository.get(session, alert_id)
    assert alert is not None
    response.headers["ETag"] = _etag(alert.version)
    return detail


@router.patch(
    "/{alert_id}",
    summary="Triage an alert",
    responses=problem_responses(400, 401, 403, 404, 409, 412, 422, 428),
)
async def patch_alert(
    alert_id: RecordId,
    body: AlertPatch,
    principal: Investigator,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> AlertDetail:
    """Acknowledge, investigate, assign, note or close an alert, if the ETag is current."""
    await _visible(session, principal, alert_id)
    alert = await repository.get(session, alert_id)
    assert alert is not None
    if if_match is None:
        raise PreconditionRequired("send the alert's ETag in If-Match")
    alert = await service.lock_alert(session, alert)  # no firing or triage in between now
    if if_match != _etag(alert.version):
        raise PreconditionFailed("the alert changed since you read it; GET it again")
    if alert.status == "closed":
        raise Conflict("a closed alert stays closed; a new firing opens a new alert")
    if body.status == "closed" and body.resolution is None:
        raise InvalidInput([("resolution", "closing an alert needs a resolution")])
    if body.resolution is not None and body.status != "closed":
        raise InvalidInput([("resolution", "a resolution is given when closing")])
    given = body.model_dump(exclude_unset=True)
    for field in ("status", "resolution", "assignee"):
        if field in given:
            setattr(alert, field, given[field])
    alert.version += 1
    alert.updated_at = clock.now()
    note_change(session, alert, "updated", authority_id=principal.authority_id, note=body.note)
    await publish(session)  # now rather than at commit, so the answer shows the change
    response.headers["ETag"] = _etag(alert.version)
    return await _visible(session, principal, alert_id)
