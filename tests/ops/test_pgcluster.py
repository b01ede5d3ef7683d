"""The throwaway PostgreSQL cluster helper: data survives a clean and a crash restart."""

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.pgcluster import Cluster, pg_cluster_fixture, unavailable_reason  # noqa: F401


async def _rows(dsn: str) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        return [r["name"] for r in await conn.fetch("SELECT name FROM t ORDER BY id")]
    finally:
        await conn.close()


async def test_data_survives_restarts(pg_cluster: Cluster) -> None:
    conn = await asyncpg.connect(pg_cluster.dsn)
    await conn.execute("CREATE TABLE t (id serial PRIMARY KEY, name text NOT NULL)")
    await conn.execute("INSERT INTO t (name) VALUES ('before')")

    pg_cluster.restart()

    # The open connection was cut by the shutdown; a new one sees the committed row.
    with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
        await conn.fetchval("SELECT 1")
    conn.terminate()
    assert await _rows(pg_cluster.dsn) == ["before"]

    conn = await asyncpg.connect(pg_cluster.dsn)
    try:
        await conn.execute("INSERT INTO t (name) VALUES ('after')")
    finally:
        await conn.close()

    pg_cluster.crash_restart()

    assert await _rows(pg_cluster.dsn) == ["before", "after"]


async def test_sqlalchemy_url_and_stop_start(pg_cluster: Cluster) -> None:
    engine = create_async_engine(pg_cluster.url, pool_pre_ping=True)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT current_database()")) == "test"

        pg_cluster.stop(mode="immediate")
        with pytest.raises(ConnectionRefusedError):
            await asyncpg.connect(pg_cluster.dsn, timeout=2)
        pg_cluster.start()

        # pre-ping replaces the pooled connection the crash killed.
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()


def test_context_manager_removes_everything() -> None:
    if reason := unavailable_reason():
        pytest.skip(reason)
    with Cluster() as cluster:
        root = cluster.root
        assert root is not None and (root / "data" / "PG_VERSION").exists()
    assert not root.exists()
    assert cluster.root is None and not cluster.running
