"""Queries over alerts and their change feed."""

import functools
from collections.abc import Sequence

from sqlalchemy import Integer, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import Alert, AlertChange, AlertCountry

# Alerts by id, read again even if the session holds them (a locked re-read, a sweep's page).
ALERTS_BY_ID = (
    select(Alert)
    .where(Alert.id.in_(bindparam("ids", expanding=True)))
    .execution_options(populate_existing=True)
)


@functools.cache
def _changes(
    filters: tuple[str, ...], include_monitor: bool, countries: int
) -> Select[AlertChange]:
    """The feed's statement for one combination of filters, built once: every poll runs it."""
    stmt = select(AlertChange).where(AlertChange.seq > bindparam("after"))
    for name in filters:
        stmt = stmt.where(getattr(AlertChange, name) == bindparam(name))
    if not include_monitor:
        stmt = stmt.where(AlertChange.mode == "active")
    for i in range(countries):
        visible = select(AlertCountry.alert_id).where(AlertCountry.country == bindparam(f"c{i}"))
        stmt = stmt.where(AlertChange.alert_id.in_(visible))
    return stmt.order_by(AlertChange.seq).limit(bindparam("limit", type_=Integer))


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
    given = {
        name: value
        for name, value in (
            ("status", status),
            ("rule", rule),
            ("severity", severity),
            ("project", project),
        )
        if value is not None
    }
    countries = [c for c in (viewer_country, country) if c is not None]
    params: dict[str, object] = {"after": after, "limit": limit, **given}
    params |= {f"c{i}": c for i, c in enumerate(countries)}
    stmt = _changes(tuple(given), include_monitor, len(countries))
    return (await session.scalars(stmt, params)).all()


async def history(session: AsyncSession, alert_id: str) -> Sequence[AlertChange]:
    """Return every change of an alert, oldest first."""
    stmt = select(AlertChange).where(AlertChange.alert_id == alert_id).order_by(AlertChange.seq)
    return (await session.scalars(stmt)).all()


async def get(session: AsyncSession, alert_id: str) -> Alert | None:
    """Get an alert by id."""
    return await session.get(Alert, alert_id)
