"""Queries shared by every kind of record: by reference, visibility, filters and paging."""

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit import deferred
from app.records.models import RecordCountry, RecordItem, RecordParty

M = TypeVar("M")

# Statements are built once with bound parameters: building one costs more than running it, and
# a reused one hits the compiled cache without recomputing its key.
_COUNTRIES_OF = select(RecordCountry.country).where(
    RecordCountry.kind == bindparam("kind"), RecordCountry.record_id == bindparam("record_id")
)
_COUNTRIES_OF_MANY = select(RecordCountry.record_id, RecordCountry.country).where(
    RecordCountry.kind == bindparam("kind"),
    RecordCountry.record_id.in_(bindparam("ids", expanding=True)),
)


_ITEMS = cast(Table, RecordItem.__table__)


async def add_items(session: AsyncSession, items: Sequence[RecordItem]) -> None:
    """Store built items with the set's others (`deferred`): ORM objects would cost an INSERT
    each."""
    if items:
        columns = [c.key for c in _ITEMS.columns if c.key != "id"]
        rows = [{c: getattr(i, c) for c in columns} for i in items]
        await deferred.insert_later(session, _ITEMS, rows)


@functools.cache
def _by_reference(model: Any) -> Select[Any]:
    """The lookup by reference of one kind of record, built once per model."""
    return select(model).where(
        model.authority_id == bindparam("authority_id"), model.reference == bindparam("reference")
    )


async def get_by_reference(
    session: AsyncSession, model: type[M], authority_id: str, reference: str
) -> M | None:
    """Get a record by its authority's own reference."""
    cls: Any = model
    params = {"authority_id": authority_id, "reference": reference}
    found: M | None = (await session.scalars(_by_reference(cls), params)).first()
    return found


REFERENCES_AT_ONCE = 500  # (authority, reference) pairs per statement: two parameters each


async def by_references(
    session: AsyncSession, model: type[M], pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], M]:
    """Records by (authority id, reference), many at once (a statement per 500)."""
    cls: Any = model
    found: dict[tuple[str, str], M] = {}
    for start in range(0, len(pairs), REFERENCES_AT_ONCE):
        chunk = list(pairs[start : start + REFERENCES_AT_ONCE])
        stmt = select(cls).where(tuple_(cls.authority_id, cls.reference).in_(chunk))
        found |= {(r.authority_id, r.reference): r for r in await session.scalars(stmt)}
    return found


async def countries_of(session: AsyncSession, kind: str, record_id: str) -> set[str]:
    """Return the countries a record concerns."""
    return set(await session.scalars(_COUNTRIES_OF, {"kind": kind, "record_id": record_id}))


def concerns(model: Any, kind: str, country: str) -> ColumnElement[bool]:
    """Filter records that concern a country."""
    return model.id.in_(  # type: ignore[no-any-return]
        select(RecordCountry.record_id).where(
            RecordCountry.kind == kind, RecordCountry.country == country
        )
    )


def holds_substance(model: Any, kind: str, substance_code: str) -> ColumnElement[bool]:
    """Filter records with an item of a substance."""
    return model.id.in_(  # type: ignore[no-any-return]
        select(RecordItem.record_id).where(
            RecordItem.kind == kind, RecordItem.substance_code == substance_code
        )
    )


def names_party(model: Any, kind: str, party_id: str) -> ColumnElement[bool]:
    """Filter records that name a party entity."""
    return model.id.in_(  # type: ignore[no-any-return]
        select(RecordParty.record_id).where(
            RecordParty.kind == kind, RecordParty.party_id == party_id
        )
    )


async def page(
    session: AsyncSession,
    model: type[M],
    *,
    where: Sequence[ColumnElement[bool]],
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[M]:
    """List records in creation order after a (created_at, id) cursor."""
    cls: Any = model
    stmt = select(cls).where(*where)
    if after is not None:
        at, last_id = after
        stmt = stmt.where(or_(cls.created_at > at, and_(cls.created_at == at, cls.id > last_id)))
    stmt = stmt.order_by(cls.created_at, cls.id).limit(limit)
    return list((await session.scalars(stmt)).all())


async def countries_of_many(
    session: AsyncSession, kind: str, record_ids: Sequence[str]
) -> dict[str, set[str]]:
    """Return the countries each of many records concerns."""
    out: dict[str, set[str]] = {r: set() for r in record_ids}
    if record_ids:
        params = {"kind": kind, "ids": list(record_ids)}
        rows = await session.execute(_COUNTRIES_OF_MANY, params)
        for record_id, country in rows.all():
            out[record_id].add(country)
    return out
