"""Resolve the parties named in records to party entities."""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.matching.names import normalize_name
from app.parties.models import Party


async def resolve(
    session: AsyncSession,
    *,
    name: str,
    country: str | None,
    lei: str | None,
    vat: str | None,
    eori: str | None,
    now: datetime,
) -> Party:
    """Find the entity for a party by identifier, then by normalised name and country."""
    for column, value in ((Party.lei, lei), (Party.vat, vat), (Party.eori, eori)):
        if value:
            found = (await session.scalars(select(Party).where(column == value).limit(1))).first()
            if found is not None:
                return found
    normalized = normalize_name(name)
    stmt = select(Party).where(Party.normalized_name == normalized)
    stmt = stmt.where(Party.country == country if country else Party.country.is_(None))
    found = (await session.scalars(stmt.order_by(Party.created_at).limit(1))).first()
    if found is not None:
        return found
    party = Party(
        id=str(uuid.uuid4()),
        name=name,
        normalized_name=normalized,
        country=country,
        lei=lei,
        vat=vat,
        eori=eori,
        created_at=now,
    )
    session.add(party)
    await session.flush()
    return party
