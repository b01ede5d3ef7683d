"""The SQL floor of the per-record path: the bulk import's own statements, captured as it ran,
replayed on one connection with no Python work between them.

No rewrite of the Python around the statements can make the import faster than this replay; a
target above it needs fewer statements (set-based work per batch), not cheaper code.
"""

import asyncio
import pickle
import sys
import time
from typing import Any

from app.db import create_engine
from bench import fixtures
from bench.capture import Step
from bench.phases import draw
from bench.scale import Store, run_import
from bench.store import log


async def sql_floor(st: Store) -> dict[str, Any]:
    """Capture an import of new records into the store; replay its statements into a copy of the
    store as it was before; report the replay's rate beside the import's."""
    ctx, n = st.ctx, st.ctx.sizes.imported
    path, out = ctx.workdir / "replay.ndjson", ctx.workdir / "replay.pickle"
    fixtures.ndjson(draw(st.stream(5), n, "R"), path)
    await st.stop_worker()  # CREATE DATABASE ... TEMPLATE needs the store to itself
    copy = await fixtures.copy_database(st.db)
    try:
        log(f"sql floor: capturing the import of {n:,} records")
        launcher = [sys.executable, "-m", "bench.capture", str(out)]
        _, captured_s = await run_import(st, launcher, path)
        steps: list[Step] = await asyncio.to_thread(lambda: pickle.loads(out.read_bytes()))
        seconds, cpu = await replay(copy.url, steps)
    finally:
        await copy.drop()
    statements = sum(1 for kind, _, _ in steps if kind in ("one", "many"))
    result = {
        "records": n,
        "statements_per_record": round(statements / n, 1),
        "import_seconds": round(captured_s, 1),
        "replay_seconds": round(seconds, 1),
        "replay_client_cpu_s": round(cpu, 1),
        "replay_records_per_s": round(n / seconds, 1),
        "replay_projected_1m_minutes": round(1_000_000 / (n / seconds) / 60, 1),
    }
    log(f"sql floor: {result['replay_records_per_s']} records/s replayed")
    return result


async def replay(url: str, steps: list[Step]) -> tuple[float, float]:
    """Send the steps over one asyncpg connection (the app's codecs); return wall and CPU s."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            conn = (await connection.get_raw_connection()).driver_connection
            assert conn is not None
            started, cpu = time.perf_counter(), time.process_time()
            for kind, sql, parameters in steps:
                if kind in ("begin", "commit", "rollback"):
                    await conn.execute(kind.upper())
                elif kind == "many":
                    await conn.executemany(sql, parameters)
                elif parameters:
                    await conn.fetch(sql, *parameters)
                else:
                    await conn.execute(sql)
            return time.perf_counter() - started, time.process_time() - cpu
    finally:
        await engine.dispose()
