"""Read and set annual legitimate requirements."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.identifiers import kg_to_mg
from app.ingest import kept, keys
from app.ingest.locks import lock
from app.reference.models import AnnualRequirement


async def set_requirement(
    session: AsyncSession,
    *,
    country: str,
    substance_code: str,
    year: int,
    kg: Decimal,
    authority_id: str,
    now: datetime,
) -> AnnualRequirement:
    """Create or replace the ALR of a country, substance and year."""
    await lock(session, {keys.alr(country, substance_code)})
    kept.forget(session)  # the ALRs the rules kept
    row = await session.get(AnnualRequirement, (country, substance_code, year))
    if row is None:
        row = AnnualRequirement(country=country, substance_code=substance_code, year=year)
        session.add(row)
    row.mg, row.set_by, row.updated_at = kg_to_mg(kg), authority_id, now
    await session.flush()
    return row


async def in_force(
    session: AsyncSession, *, country: str | None, year: int | None
) -> Sequence[AnnualRequirement]:
    """List ALRs; with a year, the latest value set for that year or before, per substance."""
    stmt = select(AnnualRequirement)
    if country is not None:
        stmt = stmt.where(AnnualRequirement.country == country)
    if year is not None:
        latest = (
            select(
                AnnualRequirement.country,
                AnnualRequirement.substance_code,
                func.max(AnnualRequirement.year).label("year"),
            )
            .where(AnnualRequirement.year <= year)
            .group_by(AnnualRequirement.country, AnnualRequirement.substance_code)
            .subquery()
        )
        stmt = stmt.join(
            latest,
            and_(
                AnnualRequirement.country == latest.c.country,
                AnnualRequirement.substance_code == latest.c.substance_code,
                AnnualRequirement.year == latest.c.year,
            ),
        )
    stmt = stmt.order_by(
        AnnualRequirement.country, AnnualRequirement.substance_code, AnnualRequirement.year
    )
    return (await session.scalars(stmt)).all()
