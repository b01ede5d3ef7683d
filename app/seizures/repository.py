"""Queries over seizures."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.records import repository as records
from app.seizures.models import KIND, Seizure


async def get(session: AsyncSession, seizure_id: str) -> Seizure | None:
    """Get a seizure by id."""
    return await session.get(Seizure, seizure_id)


async def get_by_reference(
    session: AsyncSession, authority_id: str, reference: str
) -> Seizure | None:
    """Get a seizure by its authority's own reference."""
    return await records.get_by_reference(session, Seizure, authority_id, reference)


async def page(
    session: AsyncSession,
    *,
    viewer_country: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
    type_: str | None = None,
    substance_code: str | None = None,
    country: str | None = None,
    party_id: str | None = None,
) -> Sequence[Seizure]:
    """List visible seizures in creation order after a cursor, with filters."""
    where = []
    if viewer_country is not None:
        where.append(records.concerns(Seizure, KIND, viewer_country))
    if country is not None:
        where.append(records.concerns(Seizure, KIND, country))
    if type_ is not None:
        where.append(Seizure.type == type_)
    if substance_code is not None:
        where.append(records.holds_substance(Seizure, KIND, substance_code))
    if party_id is not None:
        where.append(records.names_party(Seizure, KIND, party_id))
    return await records.page(session, Seizure, where=where, after=after, limit=limit)
