"""Indexed lookups for the notification rules: ALR totals, ALRs in force, latest events."""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import AlrCounted, AlrTotal
from app.alerts.rules.alr_exceeded import Counted, Requirement, YearTotal
from app.ingest.kept import kept
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.records import service as records
from app.records.models import RecordEvent, RecordItem
from app.reference.models import AnnualRequirement
from app.reference.substances import catalogue


async def requirements_in_force(
    session: AsyncSession, country: str, codes: Iterable[str], year: int
) -> dict[str, Requirement]:
    """Return, per substance code, the ALR in force in a year: the latest set for it or before."""
    out: dict[str, Requirement] = {}
    for code, held in (await _requirements(session, country, codes)).items():
        found = next((r for r in held if r.set_for_year <= year), None)
        if found is not None:
            out[code] = found
    return out


async def next_requirement_year(
    session: AsyncSession, country: str, code: str, after: int
) -> int | None:
    """Return the first year after `after` for which an ALR was set (it replaces earlier ones)."""
    held = (await _requirements(session, country, [code]))[code]
    return min((r.set_for_year for r in held if r.set_for_year > after), default=None)


# Statements are built once and reused: building one costs more than running it, and a reused
# one hits the compiled cache without recomputing its cache key.
_REQUIREMENTS = select(
    AnnualRequirement.substance_code, AnnualRequirement.year, AnnualRequirement.mg
).where(
    AnnualRequirement.country == bindparam("country"),
    AnnualRequirement.substance_code.in_(bindparam("codes", expanding=True)),
)
REQUIREMENTS = "requirements"  # kept: a country's ALRs of a substance, every year, latest first


async def _requirements(
    session: AsyncSession, country: str, codes: Iterable[str]
) -> dict[str, tuple[Requirement, ...]]:
    """Every ALR set by a country for these substances, latest year first, kept for the
    transaction (a set's notifications mostly go to a few countries; setting one calls
    `kept.forget`)."""
    found = kept(session)
    wanted = sorted(set(codes))
    missing = [c for c in wanted if (REQUIREMENTS, country, c) not in found]
    if missing:
        read: dict[str, list[Requirement]] = {c: [] for c in missing}
        params = {"country": country, "codes": missing}
        for code, year, mg in (await session.execute(_REQUIREMENTS, params)).all():
            read[code].append(Requirement(year, mg))
        for code, held in read.items():
            latest_first = sorted(held, key=lambda r: -r.set_for_year)
            found[(REQUIREMENTS, country, code)] = tuple(latest_first)
    return {c: found[(REQUIREMENTS, country, c)] for c in wanted}


_LAST_NOTIFIED = select(func.max(Notification.notified_on)).where(
    Notification.importing_country == bindparam("country"),
    RecordItem.kind == NOTIFICATION,
    RecordItem.record_id == Notification.id,
    RecordItem.substance_code == bindparam("code"),
    Notification.notified_on >= bindparam("since"),
)


async def last_notified(session: AsyncSession, country: str, code: str, since: date) -> date | None:
    """Return the latest `notified_on` of a notification of a substance to a country."""
    params = {"country": country, "code": code, "since": since}
    found: date | None = (await session.execute(_LAST_NOTIFIED, params)).scalar_one_or_none()
    return found


_TOTALS = select(AlrTotal.exporting_country, AlrTotal.base_mg, AlrTotal.notifications).where(
    AlrTotal.country == bindparam("country"),
    AlrTotal.substance_code == bindparam("code"),
    AlrTotal.year == bindparam("year"),
)
# Backwards along ix_alr_counted_group_mass: the largest first, ties the latest first.
_LARGEST = (
    select(AlrCounted)
    .where(
        AlrCounted.country == bindparam("country"),
        AlrCounted.substance_code == bindparam("code"),
        AlrCounted.year == bindparam("year"),
    )
    .order_by(
        AlrCounted.base_mg.desc(),
        AlrCounted.notified_on.desc(),
        AlrCounted.notification_id.desc(),
    )
    .limit(bindparam("cap", type_=Integer))
)


async def year_total(
    session: AsyncSession, country: str, code: str, year: int, listed: int
) -> YearTotal:
    """Read a maintained year total (not withdrawn, not objected) and its `listed` largest."""
    params = {"country": country, "code": code, "year": year}
    rows = (await session.execute(_TOTALS, params)).all()
    largest = (await session.scalars(_LARGEST, {**params, "cap": listed})).all()
    substance = catalogue().get(code)
    return YearTotal(
        country=country,
        substance_code=code,
        project=substance.project if substance else None,
        year=year,
        total_mg=sum(r.base_mg for r in rows),
        count=sum(r.notifications for r in rows),
        exporting_countries=frozenset(r.exporting_country for r in rows if r.notifications > 0),
        counted=tuple(
            Counted(c.notification_id, c.reference, c.exporting_country, c.notified_on, c.base_mg)
            for c in largest
        ),
    )


_LATEST_EVENT = (
    select(RecordEvent.event)
    .where(RecordEvent.kind == bindparam("kind"), RecordEvent.record_id == bindparam("id"))
    .order_by(RecordEvent.id.desc())
    .limit(1)
)


async def latest_event(session: AsyncSession, kind: str, record_id: str) -> str | None:
    """Return the name of a record's latest history event ("withdrawn", "suspended", ...)."""
    if pending := records.pending_events(session, kind, record_id):
        return pending[-1]  # the transaction's own, written at its commit
    params = {"kind": kind, "id": record_id}
    found: str | None = (await session.scalars(_LATEST_EVENT, params)).first()
    return found
