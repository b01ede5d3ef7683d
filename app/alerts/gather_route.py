"""Indexed lookups for ROUTE_RISK: incidents in a country and notifications through it.

Candidates come from the records' bucket keys (substance group, country, quarter) in
correlation_keys, are checked on the record rows themselves, and are capped, so the cost of a
lookup does not grow with the store.
"""

from collections.abc import Collection, Iterable
from datetime import date

from sqlalchemy import Integer, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.gather import LIMIT
from app.correlation.models import CorrelationKey
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import SHIPPED_ON, Notification
from app.records.models import RecordCountry
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure

BUCKET = "bucket"


def quarters(first: date, last: date) -> list[str]:
    """Name the calendar quarters (`2026Q4`) that the days first..last touch."""
    out = []
    year, quarter = first.year, (first.month - 1) // 3 + 1
    end = (last.year, (last.month - 1) // 3 + 1)
    while (year, quarter) <= end:
        out.append(f"{year}Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


def buckets(families: Iterable[str], country: str, first: date, last: date) -> list[str]:
    """The bucket key values (`family:country:YYYYQn`) covering a country and a period."""
    return [f"{f}:{country}:{q}" for f in sorted(set(families)) for q in quarters(first, last)]


# Statements are built once and reused: building one costs more than running it, and a reused
# one hits the compiled cache without recomputing its cache key.
_SEIZURES_IN = (
    select(Seizure.id, Seizure.occurred_on)
    .join(CorrelationKey, CorrelationKey.record_id == Seizure.id)
    .where(
        CorrelationKey.key_type == BUCKET,
        CorrelationKey.value.in_(bindparam("values", expanding=True)),
        CorrelationKey.kind == SEIZURE,
        Seizure.country == bindparam("country"),
        Seizure.type.in_(bindparam("types", expanding=True)),
        Seizure.occurred_on >= bindparam("first"),
        Seizure.occurred_on <= bindparam("last"),
    )
    .distinct()
    .order_by(Seizure.occurred_on.desc(), Seizure.id.desc())
    .limit(bindparam("cap", type_=Integer))
)


async def seizures_in(
    session: AsyncSession,
    country: str,
    families: Iterable[str],
    first: date,
    last: date,
    types: Collection[str],
    cap: int = LIMIT,
) -> list[str]:
    """The `cap` latest incidents of these types in a country in [first, last], holding a family.

    Candidates come from the seizures' bucket keys (family, country, quarter); the bucket also
    covers origin, destination and transit countries, so the place and date are then checked
    on the seizure row itself.
    """
    values = buckets(families, country, first, last)
    if not values:
        return []
    params = {
        "values": values,
        "country": country,
        "types": sorted(types),
        "first": first,
        "last": last,
        "cap": cap,
    }
    return [row[0] for row in (await session.execute(_SEIZURES_IN, params)).all()]


_THROUGH = (
    select(Notification.id, SHIPPED_ON)
    .join(CorrelationKey, CorrelationKey.record_id == Notification.id)
    .join(
        RecordCountry,
        and_(
            RecordCountry.kind == NOTIFICATION,
            RecordCountry.record_id == Notification.id,
            RecordCountry.country == bindparam("country"),
            RecordCountry.role == "transit",
        ),
    )
    .where(
        CorrelationKey.key_type == BUCKET,
        CorrelationKey.value.in_(bindparam("values", expanding=True)),
        CorrelationKey.kind == NOTIFICATION,
        SHIPPED_ON.between(bindparam("first"), bindparam("last")),
    )
    .distinct()
    .order_by(SHIPPED_ON, Notification.id)
    .limit(bindparam("cap", type_=Integer))
)


async def notifications_through(
    session: AsyncSession,
    country: str,
    families: Iterable[str],
    first: date,
    last: date,
    cap: int = LIMIT,
) -> list[str]:
    """The `cap` earliest notifications through a country, of a family, shipped in [first, last].

    Shipped means the dispatch date, or the notification date when none was given (the date the
    notifications' bucket keys are filed under).
    """
    values = buckets(families, country, first, last)
    if not values:
        return []
    params = {"values": values, "country": country, "first": first, "last": last, "cap": cap}
    return [row[0] for row in (await session.execute(_THROUGH, params)).all()]
