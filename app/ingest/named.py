"""Which records name each party entity, and the dates they are ranked by, kept for the
transaction (`kept`): the incident rules choose the records of their windows (seizures,
objections, notifications naming a party; a lane's notifications) from these in memory.

A party named by more than MENTIONS_CAP records of a kind is too common to mean anything and is
never looked through, so an entity's list is complete whenever it is used: at most
MENTIONS_CAP + 1 index rows are read per entity, for a whole set's likely entities at once
(`entities.prefetch`), with the dates of their records. The rows the transaction writes are
added as written (`entities.mentioned`); records changed in the session have their dates read
again from the objects (`kept.drop_dirty`).
"""

import functools
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Integer, Select, String, bindparam, case, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.ingest.kept import drop_dirty
from app.ingest.kept import kept as _kept
from app.kit.sql import by_ids, in_chunks, is_postgresql, union_of, unnested
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.records.models import RecordParty
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure

MENTIONS_CAP = 200  # a party named by more records of a kind is too common to mean anything
CHUNK = 100  # parts per UNION: well under SQLite's 500 terms and its bound-parameter limit

Named = tuple[str, str]  # a record naming an entity, and the role it names it in


@dataclass(frozen=True, slots=True)
class Dates:
    """What a record is ranked and filtered by in the incident rules' windows."""

    on: date  # notified (a notification) or occurred (a seizure)
    shipped_on: date | None = None  # a notification's dispatch date, else its notification date
    objected_on: date | None = None  # an objection's reply date, else its notification date
    type: str | None = None  # a seizure's type


def notification_dates(
    notified_on: date, dispatch_date: date | None, decision: str | None, replied_on: date | None
) -> Dates:
    """The dates of a notification, from its columns."""
    objected = (replied_on or notified_on) if decision == "objection" else None
    return Dates(notified_on, dispatch_date or notified_on, objected)


def _of(kind: str, record: Any) -> Dates:
    """The dates of a record, from its object or a row of its columns (`_DATED`)."""
    if kind == NOTIFICATION:
        return notification_dates(
            record.notified_on, record.dispatch_date, record.decision, record.replied_on
        )
    return Dates(record.occurred_on, type=record.type)


# Per kind: the table joined for the dates, and its columns (the record's Dates, in order).
_DATED: dict[str, tuple[Any, tuple[Any, ...]]] = {
    NOTIFICATION: (
        Notification,
        (
            Notification.notified_on,
            Notification.dispatch_date,
            Notification.decision,
            Notification.replied_on,
        ),
    ),
    SEIZURE: (Seizure, (Seizure.occurred_on, Seizure.type)),
}


def _dates_of_row(kind: str, row: Any) -> Dates | None:
    if row[3] is None:  # the record is gone, or its entity too common to be looked through
        return None
    if kind == NOTIFICATION:
        return notification_dates(row[3], row[4], row[5], row[6])
    return Dates(row[3], type=row[4])


@functools.cache
def _naming_stmt(kind: str, n: int) -> Select[Any]:
    """The first MENTIONS_CAP + 1 rows naming each of `n` entities, with their records' dates,
    built once per kind and size."""
    parts = [
        select(RecordParty.party_id, RecordParty.record_id, RecordParty.role)
        .where(RecordParty.party_id == bindparam(f"p{i}"), RecordParty.kind == kind)
        .limit(bindparam("cap", type_=Integer))
        for i in range(n)
    ]
    rows = union_of(parts).subquery()
    return _dated(kind, select(rows.c.party_id, rows.c.record_id, rows.c.role))


def _dated(kind: str, hits: Select[Any]) -> Select[Any]:
    """Index rows (party, record, role) with their records' dates, joined only for entities
    named by at most MENTIONS_CAP records: a busier one's dates are never used (the rules pass
    it over), and reading them cost a heap page a row. (The condition sits in the join key, so
    that no index is probed for those rows: as a join filter it is checked after the probe.)"""
    counted = hits.add_columns(
        func.count().over(partition_by=hits.selected_columns[0]).label("n")
    ).subquery("hits")
    model, columns = _DATED[kind]
    usable = case((counted.c.n <= MENTIONS_CAP, counted.c.record_id))
    return select(counted.c.party_id, counted.c.record_id, counted.c.role, *columns).outerjoin(
        model, model.id == usable
    )


def _bind(i: int, party_id: str) -> dict[str, Any]:
    return {f"p{i}": party_id}


_ENTITIES = unnested("e", party_id=String())


def _naming_pg(kind: str) -> Select[Any]:
    """PostgreSQL: the same rows for any number of entities, in one statement of one shape."""
    hits = (
        select(RecordParty.record_id, RecordParty.role)
        .where(RecordParty.party_id == _ENTITIES.c.party_id, RecordParty.kind == kind)
        .limit(bindparam("cap", type_=Integer))
        .lateral("hit")
    )
    found = select(_ENTITIES.c.party_id, hits.c.record_id, hits.c.role)
    return _dated(kind, found.select_from(_ENTITIES.join(hits, true())))


_NAMING_PG = {kind: _naming_pg(kind) for kind in _DATED}


async def naming(
    session: AsyncSession, kind: str, party_ids: Collection[str]
) -> dict[str, tuple[Named, ...]]:
    """The records of a kind naming each entity (MENTIONS_CAP + 1 rows at most), kept; the dates
    of those records are kept with them."""
    kept = _kept(session)
    missing = sorted(p for p in set(party_ids) if ("named", kind, p) not in kept)
    if missing:
        found: dict[str, list[Named]] = defaultdict(list)
        shared = {"cap": MENTIONS_CAP + 1}
        if is_postgresql(session):
            params = {**shared, "party_id": missing}
            rows = list(await session.execute(_NAMING_PG[kind], params))
        else:
            stmt = functools.partial(_naming_stmt, kind)
            rows = await in_chunks(session, stmt, missing, _bind, shared, CHUNK)
        for row in rows:
            found[row[0]].append((row[1], row[2]))
            if (dates := _dates_of_row(kind, row)) is not None:
                kept.setdefault(("dates", kind, row[1]), dates)
        for party_id in missing:
            kept[("named", kind, party_id)] = tuple(found[party_id])
    return {p: kept[("named", kind, p)] for p in party_ids}


def add(session: AsyncSession, kind: str, rows: Iterable[tuple[str, str, str]]) -> None:
    """Add rows just written (party, record, role) to the kept lists."""
    kept = _kept(session)
    for party_id, record_id, role in rows:
        if (found := kept.get(("named", kind, party_id))) is not None:
            kept[("named", kind, party_id)] = (*found, (record_id, role))  # savepoints copy


def none_yet(session: AsyncSession, party_id: str) -> None:
    """An entity created by this transaction is named by no record yet."""
    kept = _kept(session)
    for kind in (NOTIFICATION, SEIZURE):
        kept[("named", kind, party_id)] = ()


_BY_ID: dict[str, tuple[Any, Select[Any]]] = {
    kind: (model, select(model.id, *columns).where(model.id.in_(bindparam("ids", expanding=True))))
    for kind, (model, columns) in _DATED.items()
}


async def dates(session: AsyncSession, kind: str, ids: Iterable[str]) -> dict[str, Dates]:
    """The dates of these records, kept, or taken from the session's objects, or read."""
    drop_dirty(session)
    kept = _kept(session)
    wanted = set(ids)
    missing = sorted(i for i in wanted if ("dates", kind, i) not in kept)
    if missing:
        model, stmt = _BY_ID[kind]
        for record in await by_ids(session, model, stmt, missing):
            kept[("dates", kind, record.id)] = _of(kind, record)
    return {i: kept[("dates", kind, i)] for i in wanted if ("dates", kind, i) in kept}


def newest_per_party(
    named: Mapping[str, Iterable[str]],
    on: Mapping[str, date],
    cap: int,
    newest: bool,
) -> list[str]:
    """The `cap` newest (or earliest) records per entity, of those dated in `on` (by date, then
    id), all of them in date order: what a capped window query per entity would return."""
    chosen: dict[str, date] = {}
    for ids in named.values():
        dated = sorted(((on[i], i) for i in set(ids) if i in on), reverse=newest)
        chosen.update((i, d) for d, i in dated[:cap])
    return [i for _, i in sorted((d, i) for i, d in chosen.items())]
