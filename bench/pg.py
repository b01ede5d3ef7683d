"""PostgreSQL around the benchmarks: URLs, admin statements, table figures, settling bulk loads."""

import os
import re
import time
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from app.correlation.service import BUCKET_CAP, KEY_CAP
from bench import store
from bench.store import log

DEFAULT_ADMIN_URL = os.environ.get("PA_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def sqlalchemy_url(admin_url: str, database: str) -> str:
    """The asyncpg SQLAlchemy URL of another database on the same server."""
    base = admin_url.rsplit("/", 1)[0]
    base = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+asyncpg://", base)
    return f"{base}/{database}"


def asyncpg_dsn(url: str) -> str:
    """The plain DSN asyncpg accepts."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


async def admin(admin_url: str, sql: str) -> None:
    """Run one statement on the admin database."""
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def table_stats(conn: asyncpg.Connection) -> tuple[dict[str, tuple[int, int]], int]:
    """Rows and bytes (with indexes) of each filled table, and the database size."""
    out = {}
    for table in [*store.COLUMNS, "party_aliases", "party_blocks"]:
        exists = await conn.fetchval("SELECT to_regclass($1)", table)
        if exists is None:
            continue
        rows = await conn.fetchval(f'SELECT count(*) FROM "{table}"')
        size = await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", table)
        out[table] = (rows, size)
    return out, await conn.fetchval("SELECT pg_database_size(current_database())")


async def key_stats(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Fan-out of the stored keys per (kind, key type): how many keys exceed their cap."""
    rows = await conn.fetch(
        """
        SELECT kind, key_type, count(*) AS keys, sum(n) AS rows_, max(n) AS largest,
               percentile_disc(0.5) WITHIN GROUP (ORDER BY n) AS median,
               count(*) FILTER (WHERE n > CASE WHEN key_type = 'bucket' THEN $1::int ELSE $2::int
               END)
                 AS over_cap,
               coalesce(sum(n) FILTER (
                   WHERE n > CASE WHEN key_type = 'bucket' THEN $1::int ELSE $2::int
               END), 0) AS rows_over_cap
        FROM (SELECT kind, key_type, value, count(*) AS n FROM correlation_keys
              GROUP BY kind, key_type, value) AS per_key
        GROUP BY kind, key_type ORDER BY kind, key_type
        """,
        BUCKET_CAP,
        KEY_CAP,
    )
    return [dict(r) for r in rows]


async def settle(conn: asyncpg.Connection) -> None:
    """VACUUM ANALYZE after a bulk load (statistics and visibility map), then a checkpoint."""
    started = time.perf_counter()
    await conn.execute("VACUUM (ANALYZE)")
    await conn.execute("CHECKPOINT")
    log(f"  vacuum analyze + checkpoint: {time.perf_counter() - started:.0f} s")
