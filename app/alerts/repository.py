"""Queries over alerts and their change feed."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import Alert, AlertChange, AlertCountry


def _visible_to(country: str) -> ColumnElement[bool]:
    return AlertChange.alert_id.in_(
        select(AlertCountry.alert_id).where(AlertCountry.country == country)
    )


async def changes(
    session: AsyncSession,
    *,
    after: int,
    limit: int,
    viewer_country: str | None,
    status: str | None = None,
    rule: str | None = None,
    severity: str | None = None,
    country: str | None = None,
    project: str | None = None,
    include_monitor: bool = False,
) -> Sequence[AlertChange]:
    """Return the changes after a sequence number, oldest first, with filters."""
    stmt = select(AlertChange).where(AlertChange.seq > after)
    for column, value in (
        (AlertChange.status, status),
        (AlertChange.rule, rule),
        (AlertChange.severity, severity),
        (AlertChange.project, project),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if not include_monitor:
        stmt = stmt.where(AlertChange.mode == "active")
    for c in (viewer_country, country):
        if c is not None:
            stmt = stmt.where(_visible_to(c))
    return (await session.scalars(stmt.order_by(AlertChange.seq).limit(limit))).all()


async def history(session: AsyncSession, alert_id: str) -> Sequence[AlertChange]:
    """Return every change of an alert, oldest first."""
    stmt = select(AlertChange).where(AlertChange.alert_id == alert_id).order_by(AlertChange.seq)
    return (await session.scalars(stmt)).all()


async def get(session: AsyncSession, alert_id: str) -> Alert | None:
    """Get an alert by id."""
    return await session.get(Alert, alert_id)
