"""HTTP routes of /v1/substances and /v1/alr."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.alerts import engine
from app.alerts import service as alerts
from app.alerts.runners.base import Event
from app.auth.dependencies import PrincipalDep, Viewer
from app.db import SessionDep
from app.errors import Forbidden, InvalidInput, NotFound, problem_responses
from app.identifiers import mg_to_kg
from app.kit.dependencies import ClockDep
from app.kit.types import CountryCode
from app.records.schemas import Page
from app.reference import service
from app.reference.models import AnnualRequirement
from app.reference.schemas import AlrIn, AlrOut, SubstanceOut
from app.reference.substances import Substance, catalogue

router = APIRouter(prefix="/v1", tags=["reference"])
Year = Annotated[int, Path(ge=1990, le=2100, description="Calendar year.")]


def _substance_out(s: Substance) -> SubstanceOut:
    return SubstanceOut(
        code=s.code,
        name=s.name,
        synonyms=list(s.synonyms),
        table=s.table,
        cas=s.cas,
        hs_code=s.hs_code,
        project=s.project,
        family=s.family,
        alr_tracked=s.alr_tracked,
        no_legitimate_use=s.no_legitimate_use,
        density_g_per_ml=None if s.density_g_per_ml is None else float(s.density_g_per_ml),
        salt_factors={k: float(v) for k, v in s.salt_factors.items()},
        effective_from=s.effective_from,
    )


@router.get("/substances", summary="List substances", responses=problem_responses(401))
async def list_substances(_principal: PrincipalDep) -> Page[SubstanceOut]:
    """List every substance of Tables I and II with its reference facts (one page)."""
    return Page(items=[_substance_out(s) for s in catalogue().all()], next_cursor=None)


@router.get(
    "/substances/{ref}", summary="Get a substance", responses=problem_responses(401, 404, 422)
)
async def get_substance(
    ref: Annotated[str, Path(max_length=200, description="Code, CAS RN, name or synonym.")],
    _principal: PrincipalDep,
) -> SubstanceOut:
    """Get one substance by code, CAS RN, name or synonym."""
    try:
        return _substance_out(catalogue().resolve(ref).substance)
    except ValueError as exc:
        raise NotFound(str(exc)) from None


def _alr_out(row: AnnualRequirement, year: int | None) -> AlrOut:
    return AlrOut(
        country=row.country,
        substance=row.substance_code,
        year=year or row.year,
        set_for_year=row.year,
        kg=float(mg_to_kg(row.mg)),
        updated_at=row.updated_at,
    )


@router.put(
    "/alr/{country}/{substance}/{year}",
    summary="Set an annual legitimate requirement",
    responses=problem_responses(400, 401, 403, 422),
)
async def put_alr(
    country: Annotated[CountryCode, Path()],
    substance: Annotated[str, Path(max_length=200)],
    year: Year,
    body: AlrIn,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> AlrOut:
    """Set the ALR in kilograms of base (admin, or that country's reporter)."""
    if not (principal.is_admin or (principal.has("reporter") and principal.country == country)):
        raise Forbidden("only an admin or that country's reporter sets its ALR")
    try:
        resolved = catalogue().resolve(substance)
    except ValueError as exc:
        raise InvalidInput([("substance", str(exc))]) from None
    found = resolved.substance
    if resolved.salt:
        message = f"an ALR is in kilograms of base: name {found.code}, not a salt"
        raise InvalidInput([("substance", message)])
    if not found.alr_tracked:
        raise InvalidInput([("substance", f"{found.code} has no annual legitimate requirement")])
    row = await service.set_requirement(
        session,
        country=country,
        substance_code=found.code,
        year=year,
        kg=body.kg,
        authority_id=principal.authority_id,
        now=clock.now(),
    )
    event = Event("alr", country=country, substance_code=found.code, year=year)
    raised = await engine.dispatch(session, event, clock.now())
    out = _alr_out(row, None)
    out.alerts = alerts.visible_out(raised, principal)
    return out


@router.get(
    "/alr",
    summary="List annual legitimate requirements",
    responses=problem_responses(401, 403, 422),
)
async def list_alr(
    _principal: Viewer,
    session: SessionDep,
    country: Annotated[CountryCode | None, Query()] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> Page[AlrOut]:
    """List ALRs; with `year`, the value in force that year (set for it or an earlier year)."""
    rows = await service.in_force(session, country=country, year=year)
    return Page(items=[_alr_out(r, year) for r in rows], next_cursor=None)
