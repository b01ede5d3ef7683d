"""Grow a store in bulk: COPY batches of drafts, generated in a worker process of their own."""

import asyncio
import random
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.population import Stream
from bench.store import COLUMNS, ORDER, Loader, Row, log
from bench.world import Draft, World

# The bulk parties go in before the party-resolution migration (0003) so that its backfill gives
# them their spellings and blocking keys exactly as the app would; 0002 is the correlation schema.
BASE_REVISION = "0002"


async def copy(conn: asyncpg.Connection, rows: dict[str, list[Row]]) -> int:
    """COPY a batch into every table, parents first, in one transaction; return rows written."""
    total = 0
    async with conn.transaction():
        for table in ORDER:
            if rows.get(table):
                await conn.copy_records_to_table(table, records=rows[table], columns=COLUMNS[table])
                total += len(rows[table])
    return total


async def fill(
    conn: asyncpg.Connection, stream: Stream, loader: Loader, records: int, batch: int
) -> tuple[float, int]:
    """Store `records` more drafts of the stream with COPY; generation overlaps the COPY."""

    def make(n: int) -> dict[str, list[Row]]:
        return loader.rows([stream.next() for _ in range(n)])

    started, written, done = time.perf_counter(), 0, 0
    pending: asyncio.Task[dict[str, list[Row]]] | None = None
    if records > 0:
        pending = asyncio.create_task(asyncio.to_thread(make, min(batch, records)))
    while pending is not None:
        rows = await pending
        done += len(rows.get("notifications", [])) + len(rows.get("seizures", []))
        left = records - done
        pending = asyncio.create_task(asyncio.to_thread(make, min(batch, left))) if left else None
        written += await copy(conn, rows)
        elapsed = time.perf_counter() - started
        log(f"  stored {done:,}/{records:,} records, {written:,} rows, {elapsed:.0f} s")
    return time.perf_counter() - started, written


@dataclass
class Filled:
    """What a fill did, and what the probe needs to share keys with the stored records."""

    seconds: float
    rows: int
    containers: list[str]  # a uniform sample of the containers stored so far
    reservoir: list[Draft]  # a uniform sample of the notifications stored so far
    notifications: int


def fill_worker(pipe: Connection, dsn: str, seed: int, firms: int, setup: dict[str, Any]) -> None:
    """Run the stream and the COPY in their own process, one fill per request on the pipe.

    The measuring process never holds the stream's state (a million drafts' containers, the
    reservoir, caches): its garbage collector would walk them and slow every measured call
    in proportion to the store size.
    """
    asyncio.run(_serve(pipe, dsn, seed, firms, setup))


async def _serve(pipe: Connection, dsn: str, seed: int, firms: int, setup: dict[str, Any]) -> None:
    world = World(seed, firms)
    stream = Stream(world, seed)
    loader = Loader(world.firms, setup["authorities"], setup["ignored"])
    conn = await asyncpg.connect(dsn)
    await conn.execute("SET synchronous_commit = off")  # bulk loading only
    try:
        while True:
            request = await asyncio.to_thread(pipe.recv)
            if request is None:
                break
            seconds, rows = await fill(conn, stream, loader, request, setup["batch"])
            sample = random.Random(seed).sample(
                stream.containers, min(50_000, len(stream.containers))
            )
            pipe.send(Filled(seconds, rows, sample, list(stream.reservoir), stream.notifications))
    finally:
        await conn.close()
