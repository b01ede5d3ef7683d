"""HTTP route of the trace."""

from fastapi import APIRouter

from app.auth.dependencies import Investigator
from app.db import SessionDep
from app.errors import problem_responses
from app.kit.dependencies import RecordId
from app.seizures import service as seizure_service
from app.trace import service
from app.trace.schemas import Trace

router = APIRouter(prefix="/v1/seizures", tags=["trace"])


@router.get(
    "/{seizure_id}/trace",
    summary="Trace a seizure back to its source",
    responses=problem_responses(401, 403, 404, 422),
)
async def trace_seizure(
    seizure_id: RecordId, principal: Investigator, session: SessionDep
) -> Trace:
    """Rank the notified consignments the seizure may come from, with evidence and a graph."""
    seizure = await seizure_service.get_visible(session, principal, seizure_id)
    return await service.trace(session, principal, seizure)
