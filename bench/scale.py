"""On PostgreSQL with a store filled in bulk: growth of the per-record cost, the feed with many
alerts while ingest runs, trace latency and the bulk import."""

import asyncio
import json
import multiprocessing
import os
import random
import subprocess
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from app import migrate
from app.correlation.repository import ignored as load_ignored
from app.db import create_engine, create_sessionmaker
from app.kit.pagination import encode_cursor
from bench import fill, fixtures, load, store
from bench.fill import BASE_REVISION, Filled
from bench.pg import settle
from bench.phases import WARMUP, Context, check, draw, figures
from bench.population import Stream
from bench.server import BIN, app_server, floor_server
from bench.store import log


class Store:
    """A PostgreSQL database grown in bulk by a worker process (bench.fill.fill_worker)."""

    def __init__(self, ctx: Context, db: fixtures.Database, keys: fixtures.Keys) -> None:
        self.ctx, self.db, self.keys = ctx, db, keys
        self.stored = 0
        self.state: Filled | None = None
        self.pipe: Any = None
        self.worker: Any = None

    @classmethod
    async def create(cls, ctx: Context) -> "Store":
        """A database with the world's parties stored before party resolution is migrated in,
        so its backfill gives them spellings and blocking keys as the app would."""
        db = await fixtures.new_database("postgresql", ctx.admin_url, ctx.workdir)
        await asyncio.to_thread(migrate.upgrade, db.url, BASE_REVISION)
        world = ctx.world
        rows = store.Loader(world.firms, {}, set()).party_rows(world.firms, datetime.now(UTC))
        conn = await asyncpg.connect(db.dsn)
        try:
            await conn.copy_records_to_table(
                "parties", records=rows, columns=store.COLUMNS["parties"]
            )
        finally:
            await conn.close()
        await asyncio.to_thread(migrate.upgrade, db.url)
        keys = await fixtures.authorities(db.url, world.countries)
        engine = create_engine(db.url, pool_size=1)
        async with create_sessionmaker(engine)() as session:
            ignored = await load_ignored(session)
        await engine.dispose()
        self = cls(ctx, db, keys)
        spawn = multiprocessing.get_context("spawn")
        self.pipe, end = spawn.Pipe()
        setup = {"authorities": keys.ids, "ignored": ignored, "batch": 5_000}
        self.worker = spawn.Process(
            target=fill.fill_worker,
            args=(end, db.dsn, ctx.seed, ctx.firms, setup),
            daemon=True,
        )
        self.worker.start()
        return self

    async def grow(self, size: int) -> None:
        """Store records in bulk until `size` are stored, then vacuum and analyze."""
        more = max(0, size - self.stored)
        log(f"store: {more:,} records in bulk (-> {size:,})")
        self.pipe.send(more)
        self.state = await asyncio.to_thread(self.pipe.recv)
        self.stored += more
        conn = await asyncpg.connect(self.db.dsn)
        try:
            await settle(conn)
        finally:
            await conn.close()

    def stream(self, offset: int) -> Stream:
        """New records drawn like the stored ones, sharing their containers and notifications."""
        assert self.state is not None
        probe = Stream(self.ctx.world, self.ctx.seed * 1000 + offset)
        probe.containers = list(self.state.containers)
        probe.reservoir = list(self.state.reservoir)
        probe.notifications = self.state.notifications
        return probe

    async def stop_worker(self) -> None:
        """Stop the worker (and close its connection); the store cannot grow after this."""
        if self.worker is not None and self.worker.is_alive():
            self.pipe.send(None)
            await asyncio.to_thread(self.worker.join, 30)
            if self.worker.is_alive():
                self.worker.terminate()

    async def close(self) -> None:
        """Stop the worker and drop the database."""
        await self.stop_worker()
        await self.db.drop()


async def probe(st: Store, phase: int) -> dict[str, Any]:
    """Post new records one at a time to a fresh server; the per-record cost is the latency."""
    s, ctx = st.ctx.sizes, st.ctx
    drafts = draw(st.stream(phase), WARMUP + s.probe, f"P{phase}")
    with ctx.start(app_server(st.db.url, ctx.log_path(f"app-growth-{phase}"))) as app:
        async with load.client(app.url, 1) as http:
            check(await load.run(http, fixtures.singles(drafts[:WARMUP], st.keys), 1), "warm", 201)
            run = await load.run(http, fixtures.singles(drafts[WARMUP:], st.keys), 1)
            check(run, "probe", 201)
            rss = app.rss_mb()
    out = figures(run)
    out["peak_rss_mb"], out["rss_mb"] = round(app.peak_rss_mb, 1), round(rss, 1)
    log(f"growth: {st.stored:,} stored: {out['mean_ms']} ms per record (p50 {out['p50_ms']})")
    return out


async def growth(st: Store) -> dict[str, Any]:
    """The per-record cost at the small and at the large store."""
    s = st.ctx.sizes
    await st.grow(s.small)
    small = await probe(st, 1)
    await st.grow(s.large)
    large = await probe(st, 2)
    return {
        "small_n": s.small,
        "large_n": s.large,
        "per_record_ms_small": small["mean_ms"],
        "per_record_ms_large": large["mean_ms"],
        "ratio": round(large["mean_ms"] / small["mean_ms"], 3),
        "p50_ratio": round(large["p50_ms"] / small["p50_ms"], 3),
        "small": small,
        "large": large,
    }


async def _to_the_end(http: Any, headers: dict[str, str]) -> tuple[str, str]:
    """Read a country's feed to its end; return the last cursor and ETag."""
    cursor, etag = "", ""
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        r = await http.get("/v1/alerts", params=params, headers=headers)
        r.raise_for_status()
        cursor, etag = r.json()["next_cursor"], r.headers["ETag"]
        if not r.json()["items"]:
            return cursor, etag


async def feed(st: Store) -> dict[str, Any]:
    """Idle polls (304) of a dashboard that sees no new alert and 100-alert pages, beside the
    floor's idle poll, with ~`alerts` alerts stored, while each server stores records."""
    ctx, s = st.ctx, st.ctx.sizes
    total = await fixtures.clone_alerts(st.db.dsn, s.alerts)
    conn = await asyncpg.connect(st.db.dsn)
    try:
        top = await conn.fetchval(
            "SELECT country FROM alert_countries GROUP BY country ORDER BY count(*) DESC LIMIT 1"
        )
        newest = await conn.fetchval("SELECT value FROM feed_counter")
    finally:
        await conn.close()
    log(f"feed: {total:,} alerts stored; polling while records are posted")
    background = draw(st.stream(3), 100_000, "F")
    idle, page_headers = st.keys.headers(fixtures.IDLE_COUNTRY), st.keys.headers(top)
    rng = random.Random(ctx.seed)
    with (
        ctx.start(app_server(st.db.url, ctx.log_path("app-feed"))) as app,
        ctx.start(floor_server(st.db.url, ctx.log_path("floor-feed"))) as floor,
    ):
        async with (
            load.client(app.url, 4) as http,
            load.client(floor.url, 1) as floor_http,
            load.client(app.url, 2) as ingest_http,
            load.client(floor.url, 2) as floor_ingest,
        ):
            cursor, etag = await _to_the_end(http, idle)
            floor_etag = (await floor_http.get("/floor/poll")).headers["ETag"]
            # Each server stores records with two requests in flight, as fast as it can, until
            # the polls end (what it stored meanwhile shows what reads-first cost the writes).
            polling = [True]
            ingest = asyncio.gather(
                load.run(ingest_http, _while(polling, fixtures.singles(background, st.keys)), 2),
                load.run(floor_ingest, _while(polling, fixtures.floor_singles(background)), 2),
            )
            await asyncio.sleep(2)  # let ingest get going
            polls: list[float] = []
            floor_polls: list[float] = []
            pages: list[float] = []
            for _ in range(s.polls):  # interleaved, so both see the same load
                polls.append(
                    await _timed(
                        http, "/v1/alerts", {"cursor": cursor, "limit": 500}, idle, etag, 304
                    )
                )
                floor_polls.append(await _timed(floor_http, "/floor/poll", {}, {}, floor_etag, 304))
                after = encode_cursor(rng.randint(0, newest))
                pages.append(
                    await _timed(http, "/v1/alerts", {"cursor": after, "limit": 100}, page_headers)
                )
            polling[0] = False
            app_run, floor_run = await ingest
    out = {
        "alerts": total,
        "idle_poll_p50_ms": round(load.pct(polls, 50), 2),
        "idle_poll_p99_ms": round(load.pct(polls, 99), 2),
        "floor_poll_p50_ms": round(load.pct(floor_polls, 50), 2),
        "floor_poll_p99_ms": round(load.pct(floor_polls, 99), 2),
        "page_p50_ms": round(load.pct(pages, 50), 2),
        "page_p99_ms": round(load.pct(pages, 99), 2),
        "polls": len(polls),
        "ingest_records_per_s": round(app_run.records_per_s, 2),
        "floor_ingest_records_per_s": round(floor_run.records_per_s, 2),
    }
    out["idle_poll_p99_to_floor"] = round(out["idle_poll_p99_ms"] / out["floor_poll_p99_ms"], 3)
    log(
        f"feed: idle poll p99 {out['idle_poll_p99_ms']} ms (floor {out['floor_poll_p99_ms']}), "
        f"page p99 {out['page_p99_ms']} ms"
    )
    return out


def _while(flag: list[bool], calls: Iterable[load.Call]) -> Iterator[load.Call]:
    """The calls, until the flag drops."""
    for call in calls:
        if not flag[0]:
            return
        yield call


async def _timed(
    http: Any,
    path: str,
    params: dict[str, Any],
    headers: dict[str, str],
    etag: str | None = None,
    status: int = 200,
) -> float:
    """One GET, timed; it must answer `status`."""
    if etag is not None:
        headers = {**headers, "If-None-Match": etag}
    started = time.perf_counter()
    r = await http.get(path, params=params, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if r.status_code != status:
        raise RuntimeError(f"GET {path}: {r.status_code} instead of {status}: {r.text[:300]}")
    return elapsed


async def trace(st: Store) -> dict[str, Any]:
    """Trace the seizures with the most scored candidates, as their country's investigator."""
    ctx, n = st.ctx, st.ctx.sizes.traces
    conn = await asyncpg.connect(st.db.dsn)
    try:
        rows = await conn.fetch(
            "SELECT s.id, s.reporting_country FROM seizures s JOIN ("
            "SELECT seizure_id, count(*) AS n FROM links "
            "GROUP BY seizure_id ORDER BY count(*) DESC LIMIT $1) k ON k.seizure_id = s.id",
            n,
        )
    finally:
        await conn.close()
    calls = [
        load.Call(
            "GET", f"/v1/seizures/{r['id']}/trace", None, st.keys.headers(r["reporting_country"])
        )
        for r in rows
    ]
    with ctx.start(app_server(st.db.url, ctx.log_path("app-trace"))) as app:
        async with load.client(app.url, 1) as http:
            await load.run(http, calls[:3], 1)  # warm-up
            run = await load.run(http, calls, 1, keep=True)
    check(run, "trace", 200)
    matches = [len(b["matches"]) for b in run.bodies]
    out = {
        "p50_ms": round(run.pct(50), 2),
        "p99_ms": round(run.pct(99), 2),
        "seizures": len(calls),
        "matches_mean": round(load.mean([float(m) for m in matches]), 1),
        "matches_max": max(matches, default=0),
    }
    log(f"trace: p50 {out['p50_ms']} ms, p99 {out['p99_ms']} ms, matches {out['matches_mean']}")
    return out


async def run_import(st: Store, launcher: list[str], path: Path) -> tuple[str, float]:
    """Run `launcher import path` (the CLI, or it wrapped) into the store; its stdout, seconds."""
    command = [*launcher, "import", str(path), "--authority-map", json.dumps(st.keys.ids)]
    started = time.perf_counter()
    done = await asyncio.to_thread(
        subprocess.run,
        command,
        env={**os.environ, "LOG_LEVEL": "WARNING", "DATABASE_URL": st.db.url},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(
            f"import failed ({done.returncode}): {done.stdout[-500:]}{done.stderr[-500:]}"
        )
    return done.stdout, seconds


async def bulk_import(st: Store) -> dict[str, Any]:
    """`precursor-alerts import` of new records into the large store."""
    ctx, n = st.ctx, st.ctx.sizes.imported
    path = ctx.workdir / "import.ndjson"
    fixtures.ndjson(draw(st.stream(4), n, "I"), path)
    log(f"bulk import: {n:,} records")
    stdout, seconds = await run_import(st, [str(BIN / "precursor-alerts")], path)
    out = {
        "records": n,
        "seconds": round(seconds, 1),
        "records_per_s": round(n / seconds, 2),
        "projected_1m_minutes": round(1_000_000 / (n / seconds) / 60, 1),
        "summary": stdout.strip().splitlines()[-1] if stdout.strip() else "",
    }
    log(f"bulk import: {out['records_per_s']} records/s; {out['summary']}")
    return out
