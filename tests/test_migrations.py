"""Migrations run up, down and up again, and the models do not drift from them."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app import migrate
from app.models import Base

RECORD_ID_TABLES = (
    "record_items",
    "record_parties",
    "record_countries",
    "record_events",
    "record_alerts",
    "correlation_keys",
)


async def _diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


def test_upgrade_downgrade_upgrade_and_no_drift(database_url):
    import asyncio

    migrate.downgrade(database_url, "base")
    migrate.upgrade(database_url)
    assert asyncio.run(_diff(database_url)) == []


async def _record_id_targets(url: str) -> dict[str, int | None]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT c.relname, a.attstattarget FROM pg_attribute a "
                    "JOIN pg_class c ON c.oid = a.attrelid "
                    "WHERE a.attname = 'record_id' AND c.relkind = 'r'"
                )
            )
            return {str(name): target for name, target in rows.all()}
    finally:
        await engine.dispose()


def test_record_id_statistics_are_short_and_come_back(database_url):
    import asyncio

    if not database_url.startswith("postgresql"):
        pytest.skip("statistics targets are PostgreSQL's")
    targets = asyncio.run(_record_id_targets(database_url))
    assert {t: targets[t] for t in RECORD_ID_TABLES} == dict.fromkeys(RECORD_ID_TABLES, 10)
    migrate.downgrade(database_url, "0007")
    try:
        after = asyncio.run(_record_id_targets(database_url))
        # -1 (or NULL from PostgreSQL 17): the server's default again
        assert all(after[t] in (-1, None) for t in RECORD_ID_TABLES)
    finally:
        migrate.upgrade(database_url)
