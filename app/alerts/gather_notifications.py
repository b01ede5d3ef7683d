"""Indexed lookups for the notification rules: ALR totals, ALRs in force, lane neighbours."""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.alerts.gather import LIMIT
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


def _counted() -> list[ColumnElement[bool]]:
    return [
        Notification.withdrawn_at.is_(None),
        or_(Notification.decision.is_(None), Notification.decision != "objection"),
    ]


async def year_total(session: AsyncSession, country: str, code: str, year: int) -> YearTotal:
    """Sum the base mass of a substance notified to a country in a calendar year, leaving out
    withdrawn and refused notifications; list the counted notifications (at most LIMIT)."""
    where = [
        *_to(country, code),
        *_counted(),
        Notification.notified_on >= date(year, 1, 1),
        Notification.notified_on <= date(year, 12, 31),
    ]
    total, count = (
        await session.execute(
            select(
                func.coalesce(func.sum(RecordItem.base_mg), 0),
                func.count(func.distinct(Notification.id)),
            ).where(*where)
        )
    ).one()
    exporting = (
        await session.scalars(select(Notification.exporting_country).where(*where).distinct())
    ).all()
    mg = func.sum(RecordItem.base_mg).label("mg")
    rows = (
        await session.execute(
            select(
                Notification.id,
                Notification.reference,
                Notification.exporting_country,
                Notification.notified_on,
                mg,
            )
            .where(*where)
            .group_by(
                Notification.id,
                Notification.reference,
                Notification.exporting_country,
                Notification.notified_on,
            )
            .order_by(mg.desc(), Notification.notified_on, Notification.id)
            .limit(LIMIT)
        )
    ).all()
    substance = catalogue().get(code)
    return YearTotal(
        country=country,
        substance_code=code,
        project=substance.project if substance else None,
        year=year,
        total_mg=int(total),
        count=int(count),
        exporting_countries=frozenset(exporting),
        counted=tuple(Counted(r[0], r[1], r[2], r[3], int(r[4])) for r in rows),
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
