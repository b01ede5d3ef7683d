"""HTTP routes of /v1/parties."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.dependencies import Investigator
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.kit.dependencies import Limit, RecordId
from app.kit.types import CountryCode
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.parties import repository, service
from app.parties.models import Party
from app.parties.schemas import PartyDetail, PartyHit, PartyIdentifiers, PartyRecord, PartySummary
from app.records import repository as records
from app.records.schemas import Page
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure

router = APIRouter(prefix="/v1/parties", tags=["parties"])
MAX_RECORDS = 200


def _summary(p: Party) -> PartySummary:
    ids = PartyIdentifiers(lei=p.lei, vat=p.vat, eori=p.eori)
    return PartySummary(id=p.id, name=p.name, country=p.country, identifiers=ids)


@router.get("", summary="Search parties by name", responses=problem_responses(401, 403, 422))
async def search_parties(
    principal: Investigator,
    session: SessionDep,
    q: Annotated[str, Query(min_length=2, max_length=200, pattern=r"^[^\x00]*$")],
    country: Annotated[CountryCode | None, Query()] = None,
    limit: Limit = 20,
) -> Page[PartyHit]:
    """Rank resolved parties by fuzzy name similarity; only parties in visible records."""
    ranked = await service.search(session, q, country, limit)
    if not principal.is_admin:
        seen = await repository.visible(session, [p.id for p, _ in ranked], principal.country)
        ranked = [(p, s) for p, s in ranked if p.id in seen]
    return Page(items=[PartyHit(party=_summary(p), score=s) for p, s in ranked], next_cursor=None)


async def _row(session: SessionDep, kind: str, record_id: str) -> dict[str, str] | None:
    if kind == NOTIFICATION:
        n = await session.get(Notification, record_id)
        return None if n is None else {"reference": n.reference, "country": n.exporting_country}
    s = await session.get(Seizure, record_id)
    return None if s is None else {"reference": s.reference, "country": s.reporting_country}


@router.get(
    "/{party_id}",
    summary="A party and its records",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_party(
    party_id: RecordId, principal: Investigator, session: SessionDep
) -> PartyDetail:
    """Show an entity's spellings and the visible records naming it (merged ids follow)."""
    party = await repository.canonical(session, party_id)
    if party is None:
        raise NotFound(f"no party {party_id!r}")
    named = await repository.records_naming(session, party.id, MAX_RECORDS)
    out: list[PartyRecord] = []
    for kind in (NOTIFICATION, SEIZURE):
        ids = [record_id for k, record_id, _ in named if k == kind]
        countries = await records.countries_of_many(session, kind, ids)
        for k, record_id, role in named:
            if k == kind and principal.can_see(countries[record_id]):
                row = await _row(session, kind, record_id)
                if row is not None:
                    out.append(PartyRecord(kind=kind, id=record_id, role=role, **row))
    if not out and not principal.is_admin:
        raise NotFound(f"no party {party_id!r} visible to this authority")
    aliases = (await repository.aliases(session, [party.id]))[party.id]
    return PartyDetail(
        **_summary(party).model_dump(), aliases=sorted({a.name for a in aliases}), records=out
    )
