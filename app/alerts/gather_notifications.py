"""Indexed lookups for the notification rules: ALR totals, ALRs in force, lane neighbours."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.alerts.gather import LIMIT
from app.alerts.models import AlrCounted, AlrTotal
from app.alerts.rules.alr_exceeded import Counted, Requirement, YearTotal
from app.alerts.rules.split_consignment import Lane
from app.ingest import named
from app.ingest.kept import kept
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import SHIPPED_ON, Notification
from app.records import service as records
from app.records.models import RecordEvent, RecordItem, RecordParty
from app.reference.models import AnnualRequirement
from app.reference.substances import catalogue


async def requirements_in_force(
    session: AsyncSession, country: str, codes: Iterable[str], year: int
) -> dict[str, Requirement]:
    """Return, per substance code, the ALR in force in a year: the latest set for it or before."""
    out: dict[str, Requirement] = {}
    for code, held in (await _requirements(session, country, codes)).items():
        found = next((r for r in held if r.set_for_year <= year), None)
        if found is not None:
            out[code] = found
    return out


async def next_requirement_year(
    session: AsyncSession, country: str, code: str, after: int
) -> int | None:
    """Return the first year after `after` for which an ALR was set (it replaces earlier ones)."""
    held = (await _requirements(session, country, [code]))[code]
    return min((r.set_for_year for r in held if r.set_for_year > after), default=None)


# Statements are built once and reused: building one costs more than running it, and a reused
# one hits the compiled cache without recomputing its cache key.
_REQUIREMENTS = select(
    AnnualRequirement.substance_code, AnnualRequirement.year, AnnualRequirement.mg
).where(
    AnnualRequirement.country == bindparam("country"),
    AnnualRequirement.substance_code.in_(bindparam("codes", expanding=True)),
)
REQUIREMENTS = "requirements"  # kept: a country's ALRs of a substance, every year, latest first


async def _requirements(
    session: AsyncSession, country: str, codes: Iterable[str]
) -> dict[str, tuple[Requirement, ...]]:
    """Every ALR set by a country for these substances, latest year first, kept for the
    transaction (a set's notifications mostly go to a few countries; setting one calls
    `kept.forget`)."""
    found = kept(session)
    wanted = sorted(set(codes))
    missing = [c for c in wanted if (REQUIREMENTS, country, c) not in found]
    if missing:
        read: dict[str, list[Requirement]] = {c: [] for c in missing}
        params = {"country": country, "codes": missing}
        for code, year, mg in (await session.execute(_REQUIREMENTS, params)).all():
            read[code].append(Requirement(year, mg))
        for code, held in read.items():
            latest_first = sorted(held, key=lambda r: -r.set_for_year)
            found[(REQUIREMENTS, country, code)] = tuple(latest_first)
    return {c: found[(REQUIREMENTS, country, c)] for c in wanted}


_LAST_NOTIFIED = select(func.max(Notification.notified_on)).where(
    Notification.importing_country == bindparam("country"),
    RecordItem.kind == NOTIFICATION,
    RecordItem.record_id == Notification.id,
    RecordItem.substance_code == bindparam("code"),
    Notification.notified_on >= bindparam("since"),
)


async def last_notified(session: AsyncSession, country: str, code: str, since: date) -> date | None:
    """Return the latest `notified_on` of a notification of a substance to a country."""
    params = {"country": country, "code": code, "since": since}
    found: date | None = (await session.execute(_LAST_NOTIFIED, params)).scalar_one_or_none()
    return found


_TOTALS = select(AlrTotal.exporting_country, AlrTotal.base_mg, AlrTotal.notifications).where(
    AlrTotal.country == bindparam("country"),
    AlrTotal.substance_code == bindparam("code"),
    AlrTotal.year == bindparam("year"),
)
# Backwards along ix_alr_counted_group_mass: the largest first, ties the latest first.
_LARGEST = (
    select(AlrCounted)
    .where(
        AlrCounted.country == bindparam("country"),
        AlrCounted.substance_code == bindparam("code"),
        AlrCounted.year == bindparam("year"),
    )
    .order_by(
        AlrCounted.base_mg.desc(),
        AlrCounted.notified_on.desc(),
        AlrCounted.notification_id.desc(),
    )
    .limit(bindparam("cap", type_=Integer))
)


async def year_total(
    session: AsyncSession, country: str, code: str, year: int, listed: int
) -> YearTotal:
    """Read a maintained year total (not withdrawn, not objected) and its `listed` largest."""
    params = {"country": country, "code": code, "year": year}
    rows = (await session.execute(_TOTALS, params)).all()
    largest = (await session.scalars(_LARGEST, {**params, "cap": listed})).all()
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


def _named_as(role: str) -> tuple[Any, Any]:
    """A join to record_parties naming the entity bound as `<role>_id` in that role."""
    party = aliased(RecordParty)
    on = and_(
        party.kind == NOTIFICATION,
        party.record_id == Notification.id,
        party.role == role,
        party.party_id == bindparam(f"{role}_id"),
    )
    return party, on


_LANE = (
    select(Notification.id, SHIPPED_ON)
    .join(*_named_as("exporter"))
    .join(*_named_as("importer"))
    .join(
        RecordItem,
        and_(
            RecordItem.kind == NOTIFICATION,
            RecordItem.record_id == Notification.id,
            RecordItem.substance_code == bindparam("code"),
        ),
    )
    .where(SHIPPED_ON.between(bindparam("first"), bindparam("last")))
    .distinct()
    .order_by(SHIPPED_ON, Notification.id)
    .limit(bindparam("cap", type_=Integer))
)


async def lane_notifications(
    session: AsyncSession, lane: Lane, first: date, last: date
) -> list[str]:
    """Return notifications on a lane (exporter and importer entities, substance) shipped in
    [first, last], earliest first; found through the party index, never by scanning.

    When neither entity is too common, from the kept lists of the records naming them (those
    naming the exporter and the importer in their roles: the rule checks the substance);
    otherwise with one statement."""
    ends = await named.naming(session, NOTIFICATION, (lane.exporter_id, lane.importer_id))
    if all(len(rows) <= named.MENTIONS_CAP for rows in ends.values()):
        exporting = {i for i, role in ends[lane.exporter_id] if role == "exporter"}
        ids = exporting & {i for i, role in ends[lane.importer_id] if role == "importer"}
        dates = await named.dates(session, NOTIFICATION, ids)
        shipped = sorted(
            (d.shipped_on, i)
            for i, d in dates.items()
            if d.shipped_on is not None and first <= d.shipped_on <= last
        )
        return [i for _, i in shipped[:LIMIT]]
    params = {
        "exporter_id": lane.exporter_id,
        "importer_id": lane.importer_id,
        "code": lane.substance_code,
        "first": first,
        "last": last,
        "cap": LIMIT,
    }
    return [row[0] for row in (await session.execute(_LANE, params)).all()]


_LATEST_EVENT = (
    select(RecordEvent.event)
    .where(RecordEvent.kind == bindparam("kind"), RecordEvent.record_id == bindparam("id"))
    .order_by(RecordEvent.id.desc())
    .limit(1)
)


async def latest_event(session: AsyncSession, kind: str, record_id: str) -> str | None:
    """Return the name of a record's latest history event ("withdrawn", "suspended", ...)."""
    if pending := records.pending_events(session, kind, record_id):
        return pending[-1]  # the transaction's own, written at its commit
    params = {"kind": kind, "id": record_id}
    found: str | None = (await session.scalars(_LATEST_EVENT, params)).first()
    return found
