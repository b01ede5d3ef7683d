"""Keep the ALR totals (`alr_totals`, `alr_counted`) up to date as notifications are written.

A notification counts towards the (importing country, substance, year of `notified_on`) totals of
its ALR-tracked substances from its creation until it draws an objection or is withdrawn; §2.5
counts nothing else out. Its rows in `alr_counted` say that it counts, so taking it out twice (a
withdrawal after an objection, two concurrent requests) subtracts once. The totals are changed by
atomic increments, never read-modify-write, so concurrent transactions lose no update; rows are
written in key order so that they lock in the same order everywhere.
"""

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import AlrCounted, AlrTotal
from app.kit import deferred
from app.kit.sql import dialect_insert
from app.reference.substances import catalogue

Item = tuple[str, int]  # substance code, base mg


async def count(
    session: AsyncSession,
    *,
    notification_id: str,
    reference: str,
    importing_country: str,
    exporting_country: str,
    notified_on: date,
    items: Iterable[Item],
) -> None:
    """Add a new notification's ALR-tracked substances to the totals of its year."""
    mg: dict[str, int] = defaultdict(int)
    for code, base_mg in items:
        substance = catalogue().get(code)
        if substance is not None and substance.alr_tracked:
            mg[code] += base_mg
    if not mg:
        return
    year = notified_on.year
    counted = [
        {
            "notification_id": notification_id,
            "substance_code": code,
            "country": importing_country,
            "year": year,
            "exporting_country": exporting_country,
            "notified_on": notified_on,
            "reference": reference,
            "base_mg": mg[code],
        }
        for code in sorted(mg)
    ]
    await deferred.insert_later(session, _COUNTED, counted)  # with the set's other rows
    added = [
        {
            "country": importing_country,
            "substance_code": code,
            "year": year,
            "exporting_country": exporting_country,
            "base_mg": mg[code],
            "notifications": 1,
        }
        for code in sorted(mg)
    ]
    await session.execute(_add_to_totals(dialect_insert(session)), added)


_COUNTED = cast(Table, AlrCounted.__table__)
_TOTALS = cast(Table, AlrTotal.__table__)


@functools.cache
def _add_to_totals(dialect_insert: Callable[..., Any]) -> Any:
    """The increment of a total, inserted when new: built once per dialect, run for all of a
    notification's substances at once (in key order, as every writer locks them)."""
    stmt = dialect_insert(_TOTALS)
    return stmt.on_conflict_do_update(
        index_elements=["country", "substance_code", "year", "exporting_country"],
        set_={
            "base_mg": _TOTALS.c.base_mg + stmt.excluded.base_mg,
            "notifications": _TOTALS.c.notifications + stmt.excluded.notifications,
        },
    )


async def uncount(session: AsyncSession, notification_id: str) -> None:
    """Take a notification out of the totals (objection, withdrawal); a no-op when it was out."""
    gone = (
        await session.execute(
            delete(AlrCounted)
            .where(AlrCounted.notification_id == notification_id)
            .returning(
                AlrCounted.country,
                AlrCounted.substance_code,
                AlrCounted.year,
                AlrCounted.exporting_country,
                AlrCounted.base_mg,
            )
            .execution_options(synchronize_session=False)
        )
    ).all()
    if not gone:
        return
    for country, code, year, exporting, mg in sorted(gone):
        await session.execute(
            update(AlrTotal)
            .where(
                AlrTotal.country == country,
                AlrTotal.substance_code == code,
                AlrTotal.year == year,
                AlrTotal.exporting_country == exporting,
            )
            .values(base_mg=AlrTotal.base_mg - mg, notifications=AlrTotal.notifications - 1)
            .execution_options(synchronize_session=False)
        )
