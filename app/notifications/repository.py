"""Queries over notifications."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import KIND, Notification
from app.records import repository as records


async def get(session: AsyncSession, notification_id: str) -> Notification | None:
    """Get a notification by id."""
    return await session.get(Notification, notification_id)


async def get_by_reference(
    session: AsyncSession, authority_id: str, reference: str
) -> Notification | None:
    """Get a notification by its authority's own reference."""
    return await records.get_by_reference(session, Notification, authority_id, reference)


async def page(
    session: AsyncSession,
    *,
    viewer_country: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
    status: str | None = None,
    substance_code: str | None = None,
    country: str | None = None,
    party_id: str | None = None,
) -> Sequence[Notification]:
    """List visible notifications in creation order after a cursor, with filters."""
    where = []
    if viewer_country is not None:
        where.append(records.concerns(Notification, KIND, viewer_country))
    if country is not None:
        where.append(records.concerns(Notification, KIND, country))
    if status is not None:
        where.append(Notification.status == status)
    if substance_code is not None:
        where.append(records.holds_substance(Notification, KIND, substance_code))
    if party_id is not None:
        where.append(records.names_party(Notification, KIND, party_id))
    return await records.page(session, Notification, where=where, after=after, limit=limit)
