"""Statements over the record tables, built once with bound parameters.

Building a statement costs more than running it, and a reused one hits the compiled cache
without recomputing its key. Rows are written with Core inserts (one executemany each): nothing
reads them back from the session, and a Core delete leaves no stale object there for
record_countries, as every one of its columns is in its key.
"""

from typing import cast

from sqlalchemy import Integer, Table, bindparam, delete, insert, select

from app.records.models import RecordCountry, RecordEvent, RecordItem, RecordParty

_countries = cast(Table, RecordCountry.__table__)

DROP_COUNTRIES = delete(_countries).where(
    _countries.c.kind == bindparam("kind"), _countries.c.record_id == bindparam("record_id")
)
COUNTRIES_TABLE = _countries
PARTIES_TABLE = cast(Table, RecordParty.__table__)
INSERT_EVENT = insert(cast(Table, RecordEvent.__table__))

# Children of many records: "kind", "arrival" (the kind of arrival items) and "ids".
ITEMS = (
    select(RecordItem)
    .where(
        RecordItem.kind.in_([bindparam("kind"), bindparam("arrival")]),
        RecordItem.record_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(RecordItem.record_id, RecordItem.kind, RecordItem.position)
)
PARTIES = (
    select(RecordParty)
    .where(
        RecordParty.kind == bindparam("kind"),
        RecordParty.record_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(RecordParty.record_id, RecordParty.position)
)
HISTORY = (
    select(RecordEvent)
    .where(
        RecordEvent.kind == bindparam("kind"),
        RecordEvent.record_id == bindparam("record_id"),
        RecordEvent.id > bindparam("after"),
    )
    .order_by(RecordEvent.id)
    .limit(bindparam("limit", type_=Integer))
)
