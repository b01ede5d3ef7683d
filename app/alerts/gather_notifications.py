"""Indexed lookups for the notification rules: ALR totals, ALRs in force, lane neighbours."""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.alerts.gather import LIMIT, memo
from app.alerts.models import AlrCounted, AlrTotal
from app.alerts.rules.alr_exceeded import Counted, Requirement, YearTotal
from app.alerts.rules.split_consignment import Lane
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.records.models import RecordEvent, RecordItem, RecordParty
from app.reference.models import AnnualRequirement
from app.reference.substances import catalogue


async def requirements_in_force(
    session: AsyncSession, country: str, codes: Iterable[str], year: int
) -> dict[str, Requirement]:
    """Return, per substance code, the ALR in force in a year: the latest set for it or before."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}

    async def load() -> dict[str, Requirement]:
        return await _requirements(session, country, wanted, year)

    # ALR_EXCEEDED and MISSING_ALR both ask about the event's substances.
    return await memo(session, ("requirements", country, str(year), *wanted), load)


async def _requirements(
    session: AsyncSession, country: str, wanted: list[str], year: int
) -> dict[str, Requirement]:
    stmt = (
        select(AnnualRequirement)
        .where(
            AnnualRequirement.country == country,
            AnnualRequirement.substance_code.in_(wanted),
            AnnualRequirement.year <= year,
        )
        .order_by(AnnualRequirement.substance_code, AnnualRequirement.year.desc())
    )
    out: dict[str, Requirement] = {}
    for row in (await session.scalars(stmt)).all():
        out.setdefault(row.substance_code, Requirement(row.year, row.mg))
    return out


async def next_requirement_year(
    session: AsyncSession, country: str, code: str, after: int
) -> int | None:
    """Return the first year after `after` for which an ALR was set (it replaces earlier ones)."""
    stmt = select(func.min(AnnualRequirement.year)).where(
        AnnualRequirement.country == country,
        AnnualRequirement.substance_code == code,
        AnnualRequirement.year > after,
    )
    found: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


def _to(country: str, code: str) -> list[ColumnElement[bool]]:
    return [
        Notification.importing_country == country,
        RecordItem.kind == NOTIFICATION,
        RecordItem.record_id == Notification.id,
        RecordItem.substance_code == code,
    ]


async def last_notified(session: AsyncSession, country: str, code: str, since: date) -> date | None:
    """Return the latest `notified_on` of a notification of a substance to a country."""
    stmt = select(func.max(Notification.notified_on)).where(
        *_to(country, code),
        Notification.notified_on >= since,
    )
    found: date | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def year_total(
    session: AsyncSession, country: str, code: str, year: int, listed: int
) -> YearTotal:
    """Read a maintained year total (not withdrawn, not objected) and its `listed` largest."""
    rows = (
        await session.execute(
            select(AlrTotal.exporting_country, AlrTotal.base_mg, AlrTotal.notifications).where(
                AlrTotal.country == country,
                AlrTotal.substance_code == code,
                AlrTotal.year == year,
            )
        )
    ).all()
    # Backwards along ix_alr_counted_group_mass: the largest first, ties the latest first.
    largest = (
        await session.scalars(
            select(AlrCounted)
            .where(
                AlrCounted.country == country,
                AlrCounted.substance_code == code,
                AlrCounted.year == year,
            )
            .order_by(
                AlrCounted.base_mg.desc(),
                AlrCounted.notified_on.desc(),
                AlrCounted.notification_id.desc(),
            )
            .limit(listed)
        )
    ).all()
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


async def lane_notifications(
    session: AsyncSession, lane: Lane, first: date, last: date
) -> list[str]:
    """Return notifications on a lane (exporter and importer entities, substance) shipped in
    [first, last], earliest first; found through the party index, never by scanning."""
    exporter, importer = aliased(RecordParty), aliased(RecordParty)
    shipped = func.coalesce(Notification.dispatch_date, Notification.notified_on)
    stmt = (
        select(Notification.id, shipped)
        .join(
            exporter,
            and_(
                exporter.kind == NOTIFICATION,
                exporter.record_id == Notification.id,
                exporter.role == "exporter",
                exporter.party_id == lane.exporter_id,
            ),
        )
        .join(
            importer,
            and_(
                importer.kind == NOTIFICATION,
                importer.record_id == Notification.id,
                importer.role == "importer",
                importer.party_id == lane.importer_id,
            ),
        )
        .join(
            RecordItem,
            and_(
                RecordItem.kind == NOTIFICATION,
                RecordItem.record_id == Notification.id,
                RecordItem.substance_code == lane.substance_code,
            ),
        )
        .where(shipped >= first, shipped <= last)
        .distinct()
        .order_by(shipped, Notification.id)
        .limit(LIMIT)
    )
    return [row[0] for row in (await session.execute(stmt)).all()]


async def latest_event(session: AsyncSession, kind: str, record_id: str) -> str | None:
    """Return the name of a record's latest history event ("withdrawn", "suspended", ...)."""
    stmt = (
        select(RecordEvent.event)
        .where(RecordEvent.kind == kind, RecordEvent.record_id == record_id)
        .order_by(RecordEvent.id.desc())
        .limit(1)
    )
    found: str | None = (await session.scalars(stmt)).first()
    return found
