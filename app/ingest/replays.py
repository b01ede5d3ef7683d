"""Which references of a set are stored already, read for the whole set in one statement a kind,
so that each record of the set need not look its own up (`stored`); the set's new records
inserted in one statement a kind (`insert_set`), each record's write then taking its own row
(`app.records.idempotency.insert_once`)."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.sql import insert_ignoring
from app.records import repository

KNOWN = "known_references"  # on session.info: {(model, authority id, reference): record | None}
INSERTED = "inserted_records"  # on session.info: {(model, id): the columns the insert filled}
M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class NewRow:
    """A new record's columns, as its write will build it (`model(**values)`)."""

    model: type[Any]
    values: dict[str, Any]


async def read(session: AsyncSession, model: type[Any], pairs: list[tuple[str, str]]) -> None:
    """Read which of these (authority id, reference) pairs are stored, and as what."""
    rows = await repository.by_references(session, model, pairs)
    known = session.info.setdefault(KNOWN, {})
    for pair in pairs:
        known[(model, *pair)] = rows.get(pair)


def reader(model: type[Any], kind: str) -> Callable[[AsyncSession, Sequence[Any]], Awaitable[None]]:
    """The set read of one kind of record (a `Draft.reads`): which references its drafts lock
    (`keys.reference`) are stored already, in one statement for the set."""

    async def read_set(session: AsyncSession, drafts: Sequence[Any]) -> None:
        pairs = [(k[2], k[3]) for d in drafts for k in d.keys if k[:2] == ("reference", kind)]
        await read(session, model, pairs)

    return read_set


async def stored(
    session: AsyncSession,
    model: type[M],
    authority_id: str,
    reference: str,
    find: Callable[[], Awaitable[M | None]],
) -> M | None:
    """The record stored under a reference before the set, as the set's read found it; `find`
    when the set did not read it. One stored by the set itself is met by the insert's conflict."""
    known: dict[tuple[Any, str, str], Any] = session.info.get(KNOWN, {})
    key = (model, authority_id, reference)
    if key in known:
        found: M | None = known[key]
        return found
    return await find()


async def insert_set(session: AsyncSession, rows: Sequence[NewRow]) -> None:
    """Insert the set's new records, one statement a kind: those whose reference the set's read
    found free, the first of each reference (a later one meets it as a replay)."""
    known: dict[tuple[Any, str, str], Any] = session.info.get(KNOWN, {})
    chosen: dict[type[Any], dict[tuple[Any, str, str], dict[str, Any]]] = {}
    for row in rows:
        key = (row.model, row.values["authority_id"], row.values["reference"])
        if key in known and known[key] is None:
            chosen.setdefault(row.model, {}).setdefault(key, row.values)
    inserted = session.info.setdefault(INSERTED, {})
    for model, by_reference in chosen.items():
        table: Table = model.__table__
        values = list(by_reference.values())
        filled = ["id", *(c.key for c in table.c if c.key not in values[0])]
        # A concurrent writer cannot take these references (they are locked), so the conflict
        # clause only keeps a row out: its record's write then finds it as any replay would.
        for stored in (
            await session.execute(insert_ignoring(session, table, *filled), values)
        ).all():
            inserted[(model, stored.id)] = stored._mapping


def inserted(session: AsyncSession, model: type[Any], record_id: str) -> Mapping[str, Any] | None:
    """The columns the set's insert filled in for this record, if it inserted it (once)."""
    found: dict[tuple[Any, str], Mapping[str, Any]] = session.info.get(INSERTED, {})
    return found.pop((model, record_id), None)
