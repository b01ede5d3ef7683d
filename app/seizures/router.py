"""HTTP routes of /v1/seizures."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
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
from app.records import idempotency, pages
from app.records.schemas import BatchOut, EventOut, Page
from app.reference.query import SubstanceFilter
from app.seizures import repository, service
from app.seizures.models import KIND, Seizure
from app.seizures.schemas import (
    IncidentType,
    SeizureBatchIn,
    SeizureCreate,
    SeizureOut,
    SeizurePatch,
)

router = APIRouter(prefix="/v1/seizures", tags=["seizures"])
_ADAPTER = TypeAdapter(SeizureCreate)
_READ = problem_responses(401, 403, 404, 422)
_WRITE = problem_responses(400, 401, 403, 404, 409, 413, 422)


async def _one(
    session: SessionDep, seizure: Seizure, raised: list[Alert], principal: Principal
) -> SeizureOut:
    out = (await service.render(session, [seizure]))[0]
    out.alerts = alerts.visible_out(raised, principal)
    return out


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Report a seizure or other incident",
    responses={200: {"model": SeizureOut, "description": "Identical replay"}, **_WRITE},
)
async def create_seizure(
    body: SeizureCreate,
    principal: Reporter,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
) -> SeizureOut:
    """Store an incident from the caller's country; an identical replay answers 200."""
    seizure, created, raised = await service.create(session, principal, body, clock)
    if not created:
        response.status_code = status.HTTP_200_OK
    return await _one(session, seizure, raised, principal)


@router.post("/batch", summary="Report up to 1000 incidents", responses=_WRITE)
async def create_batch(
    body: SeizureBatchIn,
    principal: Reporter,
    session: SessionDep,
    clock: ClockDep,
) -> BatchOut:
    """Store each item on its own; one result per item, in order."""

    def item(body: SeizureCreate) -> Draft[idempotency.Created]:
        return service.draft(principal, body, clock).then(
            lambda stored: (stored[0].id, stored[1], alerts.visible_out(stored[2], principal))
        )

    results = await idempotency.run_batch(session, body.items, _ADAPTER, item)
    return BatchOut(results=results)


@router.get("", summary="List seizures and incidents", responses=_READ)
async def list_seizures(
    principal: Viewer,
    session: SessionDep,
    substance: SubstanceFilter = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    type_: Annotated[IncidentType | None, Query(alias="type")] = None,
    country: Annotated[CountryCode | None, Query(description="Any country named.")] = None,
    party: Annotated[str | None, Query(pattern=ID_PATTERN, description="Party entity id.")] = None,
) -> Page[SeizureOut]:
    """List visible incidents in the order they were stored."""
    rows = await repository.page(
        session,
        viewer_country=None if principal.is_admin else principal.country,
        after=pages.after_cursor(cursor),
        limit=limit,
        type_=type_,
        substance_code=substance,
        country=country,
        party_id=party,
    )
    items = await service.render(session, rows)
    return Page(items=items, next_cursor=pages.next_cursor(rows, limit))


@router.get("/{seizure_id}", summary="Get a seizure", responses=_READ)
async def get_seizure(seizure_id: RecordId, principal: Viewer, session: SessionDep) -> SeizureOut:
    """Get one visible incident."""
    seizure = await service.get_visible(session, principal, seizure_id)
    return (await service.render(session, [seizure]))[0]


@router.patch("/{seizure_id}", summary="Amend a seizure (reporting country)", responses=_WRITE)
async def amend_seizure(
    seizure_id: RecordId,
    body: SeizurePatch,
    principal: Reporter,
    session: SessionDep,
    clock: ClockDep,
) -> SeizureOut:
    """Replace the fields given; the change is kept in the history."""
    seizure = await service.get_visible(session, principal, seizure_id)
    raised = await service.amend(session, principal, seizure, body, clock)
    return await _one(session, seizure, raised, principal)


@router.get("/{seizure_id}/history", summary="History of a seizure", responses=_READ)
async def seizure_history(
    seizure_id: RecordId,
    principal: Viewer,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[EventOut]:
    """List every change of a visible incident, oldest first."""
    await service.get_visible(session, principal, seizure_id)
    return await pages.history_page(session, KIND, seizure_id, cursor, limit)
