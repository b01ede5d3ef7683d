"""HTTP routes of /v1/correlation and the links of a notification."""

from fastapi import APIRouter

from app.auth.dependencies import Admin, Investigator
from app.correlation import repository
from app.correlation.schemas import (
    EvidenceOut,
    IgnoredPage,
    IgnoredValueIn,
    IgnoredValues,
    NotificationLinks,
    RedactedLink,
    SeizureLink,
)
from app.db import SessionDep
from app.errors import problem_responses
from app.kit.dependencies import ClockDep, RecordId
from app.notifications import service as notification_service
from app.records import repository as records
from app.seizures import service as seizure_service
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure

router = APIRouter(prefix="/v1", tags=["correlation"])


async def _page(session: SessionDep) -> IgnoredPage:
    rows = await repository.list_ignored(session)
    return IgnoredPage(items=[IgnoredValueIn(key_type=r.key_type, value=r.value) for r in rows])


@router.get(
    "/correlation/ignored",
    summary="Values that never correlate",
    responses=problem_responses(401, 403),
)
async def get_ignored(_admin: Admin, session: SessionDep) -> IgnoredPage:
    """List the values too common to correlate on (placeholders, hub forwarders ...)."""
    return await _page(session)


@router.put(
    "/correlation/ignored",
    summary="Replace the values that never correlate",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def put_ignored(
    body: IgnoredValues, _admin: Admin, session: SessionDep, clock: ClockDep
) -> IgnoredPage:
    """Replace the list; records stored later correlate without these values."""
    await repository.replace_ignored(
        session, ((i.key_type, i.value) for i in body.items), clock.now()
    )
    return await _page(session)


@router.get(
    "/notifications/{notification_id}/links",
    summary="Seizures scored against a notification",
    tags=["notifications"],
    responses=problem_responses(401, 403, 404, 422),
)
async def notification_links(
    notification_id: RecordId, principal: Investigator, session: SessionDep
) -> NotificationLinks:
    """List the seizures scored against a visible notification, best first."""
    await notification_service.get_visible(session, principal, notification_id)
    links = await repository.links_of_notification(session, notification_id)
    ids = [link.seizure_id for link in links]
    countries = await records.countries_of_many(session, SEIZURE, ids)
    seizures = {s.id: s for s in [await session.get(Seizure, i) for i in ids] if s is not None}
    visible = [link for link in links if principal.can_see(countries[link.seizure_id])]
    rendered = {
        s.id: s
        for s in await seizure_service.render(
            session, [seizures[link.seizure_id] for link in visible]
        )
    }
    return NotificationLinks(
        items=[
            SeizureLink(
                seizure=rendered[link.seizure_id],
                score=link.score,
                linked=link.linked,
                evidence=[EvidenceOut(**e) for e in link.evidence],
            )
            for link in visible
        ],
        redacted=[
            RedactedLink(
                country=seizures[link.seizure_id].reporting_country,
                score=link.score,
                linked=link.linked,
            )
            for link in links
            if link not in visible
        ],
    )
