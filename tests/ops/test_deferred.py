"""Deferred rows (app.kit.deferred): written before any statement that touches their table and
at commit, restored by a savepoint's rollback, dropped by the transaction's."""

from typing import Any

import pytest
from sqlalchemy import func, select, text

from app.db import before_commit, commit
from app.ingest.pipeline import in_savepoint
from app.kit import deferred
from app.records.models import RecordCountry, RecordItem
from app.records.statements import COUNTRIES_TABLE

COUNT = select(func.count()).select_from(RecordCountry)
ITEMS = select(func.count()).select_from(RecordItem)


def rows(record_id: str, *countries: str) -> list[dict[str, Any]]:
    return [
        {"kind": "notification", "record_id": record_id, "country": c, "role": "transit"}
        for c in countries
    ]


async def stored(app: Any) -> list[tuple[str, str]]:
    """The committed (record, country) rows (the app fixture empties the tables afterwards)."""
    async with app.state.sessionmaker() as session:
        found = await session.execute(select(RecordCountry.record_id, RecordCountry.country))
        return sorted((r, c) for r, c in found.all())


def pending(session: Any) -> int:
    return sum(len(r) for r in session.info.get(deferred.PENDING, {}).values())


async def test_a_read_of_the_table_sees_its_deferred_rows(app: Any) -> None:
    async with app.state.sessionmaker() as session:
        await deferred.insert_later(session, COUNTRIES_TABLE, rows("n-1", "DE", "NL"))
        await deferred.insert_later(session, COUNTRIES_TABLE, rows("n-2", "FR"))
        assert pending(session) == 3
        assert await session.scalar(ITEMS) == 0  # another table: they wait
        assert pending(session) == 3
        assert await session.scalar(COUNT) == 3  # this one: written first, in one statement
        assert pending(session) == 0
        await session.rollback()


async def test_sql_text_sees_them_unless_it_says_it_reads_no_table(app: Any) -> None:
    async with app.state.sessionmaker() as session:
        await deferred.insert_later(session, COUNTRIES_TABLE, rows("n-1", "DE"))
        quiet = text("SELECT 1").execution_options(**{deferred.NO_TABLE: True})
        await session.execute(quiet)
        assert pending(session) == 1
        assert (await session.execute(text("SELECT count(*) FROM record_countries"))).scalar() == 1
        await session.rollback()


async def test_commit_writes_them_and_rollback_drops_them(app: Any) -> None:
    async with app.state.sessionmaker() as session:
        await deferred.insert_later(session, COUNTRIES_TABLE, rows("n-1", "DE"))
        await session.rollback()
        assert pending(session) == 0
        await deferred.insert_later(session, COUNTRIES_TABLE, rows("n-2", "NL", "FR"))
        await session.commit()
    assert await stored(app) == [("n-2", "FR"), ("n-2", "NL")]


async def test_a_savepoint_rolled_back_restores_the_rows_deferred_before_it(app: Any) -> None:
    """Rows deferred before a savepoint and written inside it (a read touched their table)
    are deferred again when it rolls back; those deferred inside it are gone."""

    async def fails() -> None:
        await deferred.insert_later(session, COUNTRIES_TABLE, rows("inside", "FR"))
        assert await session.scalar(COUNT) == 3
        raise RuntimeError("refused")

    async with app.state.sessionmaker() as session:
        await deferred.insert_later(session, COUNTRIES_TABLE, rows("before", "DE"))
        async with session.begin_nested():  # a savepoint that stays: its rows stay deferred
            await deferred.insert_later(session, COUNTRIES_TABLE, rows("kept", "NL"))
        with pytest.raises(RuntimeError):
            await in_savepoint(session, fails)
        assert pending(session) == 2
        await session.commit()
    assert await stored(app) == [("before", "DE"), ("kept", "NL")]


async def test_they_are_written_before_the_before_commit_hooks(app: Any) -> None:
    """The feed's hook holds the counter row's lock until COMMIT: rows deferred by the
    transaction are written before it, not inside that lock."""
    seen: list[int] = []

    async def hook(session: Any) -> None:
        seen.append(pending(session))

    async with app.state.sessionmaker() as session:
        await deferred.insert_later(session, COUNTRIES_TABLE, rows("n-1", "DE", "NL"))
        before_commit(session, hook)
        await commit(session)
    assert seen == [0]
    assert await stored(app) == [("n-1", "DE"), ("n-1", "NL")]
