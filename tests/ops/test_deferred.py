"""Deferred rows (app.kit.deferred): written before any statement that touches their table and
at commit, restored by a savepoint's rollback, dropped by the transaction's."""

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import Table, delete, func, select, text

from app.alerts.models import Alert, RecordAlert
from app.db import before_commit, commit
from app.ingest.pipeline import in_savepoint
from app.kit import deferred
from app.records.models import RecordCountry, RecordItem
from app.records.statements import COUNTRIES_TABLE

COUNT = select(func.count()).select_from(RecordCountry)
RECORD_ALERTS = cast(Table, RecordAlert.__table__)
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


def unflushed(session: Any) -> int:
    return len(session.sync_session.new)


async def test_an_orm_change_is_written_before_a_read_of_its_table_only(app: Any) -> None:
    """The sessions do not autoflush: a new object waits until a statement touches its table
    (or `get` asks for its kind), so a set's alerts go in together; a read marked
    STORED_ONLY, whose caller looks at the new objects itself, does not write it; deferred
    rows pointing at it write it first."""
    async with app.state.sessionmaker() as session:
        alert = Alert(**alert_columns("a-1"))
        session.add(alert)
        await session.scalar(ITEMS)  # another table: it waits
        assert unflushed(session) == 1
        stored_only = select(func.count()).select_from(Alert)
        stored_only = stored_only.execution_options(**{deferred.STORED_ONLY: True})
        assert await session.scalar(stored_only) == 0
        assert unflushed(session) == 1
        assert await session.scalar(select(func.count()).select_from(Alert)) == 1
        assert unflushed(session) == 0

        session.add(Alert(**alert_columns("a-2")))
        assert (await session.get(Alert, "a-2")) is not None
        assert unflushed(session) == 0

        session.add(Alert(**alert_columns("a-3")))
        row = {"kind": "notification", "record_id": "n-1", "alert_id": "a-3"}
        await deferred.insert_later(session, RECORD_ALERTS, [row])
        await session.commit()  # the alert before the row that points at it
    async with app.state.sessionmaker() as session:
        linked = await session.scalars(select(RecordAlert.alert_id))
        assert linked.all() == ["a-3"]
        await session.execute(delete(RecordAlert))
        await session.execute(delete(Alert))
        await session.commit()


def alert_columns(alert_id: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": alert_id,
        "fingerprint": f"TEST:{alert_id}",
        "rule": "ROUTE_RISK",
        "severity": "low",
        "project": None,
        "mode": "active",
        "status": "open",
        "resolution": None,
        "assignee": None,
        "title": "t",
        "summary": "s",
        "countries": [],
        "subjects": {},
        "score": None,
        "evidence": [],
        "occurrences": 1,
        "previous_alert_id": None,
        "version": 1,
        "seq": 0,
        "first_seen_at": now,
        "last_seen_at": now,
        "created_at": now,
        "updated_at": now,
    }
