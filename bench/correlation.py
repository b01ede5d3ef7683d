"""Cost of correlation per record at two store sizes, on PostgreSQL.

    python -m bench.correlation [--small 10000 --large 1000000 --probe 300 --database-url URL]

Creates a fresh database next to --database-url, migrates it, stores a synthetic population
(bench.population) in bulk with COPY up to --small records, measures a probe of new records
created through the real service path, grows the store to --large records and measures again,
then writes the figures, the machine and an EXPLAIN of the candidate lookup to --output.

Measured per probe record (each in its own session, committed like a request):
- creation: `notifications.service.create` / `seizures.service.create` + commit, which resolves
  the parties, stores the record and its keys and correlates it;
- correlation alone: `correlate_notification` / `correlate_seizure` called again on the stored
  probe record (re-scoring is idempotent), median of --repeats calls; its commit apart;
- candidates scored (records returned by the capped key lookups) and the SQL statements issued.

The ratio large/small of the correlation-alone mean and p50 must stay at or below --max-ratio.
"""

import argparse
import asyncio
import gc
import json
import math
import multiprocessing
import os
import re
import statistics
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import migrate
from app.auth import service as auth_service
from app.auth.schemas import Principal
from app.correlation import service as correlation
from app.correlation.repository import ignored as load_ignored
from app.db import commit, create_engine, create_sessionmaker
from app.kit.clock import Clock
from app.notifications import service as notifications
from app.notifications.schemas import NotificationCreate
from app.records.models import RecordParty
from app.seizures import service as seizures
from app.seizures.schemas import SeizureCreate
from bench import fill, store
from bench.correlation_report import notes_for, render
from bench.fill import BASE_REVISION, Filled
from bench.instrument import Cpu, Phase, Recorder, Sample, Trace, schedstat
from bench.machine import machine, provenance
from bench.pg import (
    DEFAULT_ADMIN_URL,
    admin,
    asyncpg_dsn,
    key_stats,
    settle,
    sqlalchemy_url,
    table_stats,
)
from bench.population import Stream
from bench.store import log
from bench.world import Draft, World

KNOWN_TABLES = {
    *store.COLUMNS,
    "alembic_version", "annual_requirements", "api_keys", "authorities", "ignored_values",
    "record_events", "party_aliases", "party_blocks",
}  # fmt: skip
ROLES = ("reporter", "viewer", "investigator")


async def create_principals(
    sm: async_sessionmaker[AsyncSession], countries: list[str]
) -> dict[str, Principal]:
    """One reporting authority per country, created through the auth service."""
    now = datetime.now(UTC)
    out = {}
    async with sm() as session:
        for country in countries:
            authority, _ = await auth_service.create_authority(
                session, country=country, name=f"Bench authority {country}", roles=ROLES, now=now
            )
            out[country] = Principal(
                authority.id, authority.country, authority.name, authority.role_set
            )
        await session.commit()
    return out


# Measuring.


@dataclass
class Bench:
    """The running benchmark: database, world, stream and instrumentation."""

    args: argparse.Namespace
    url: str
    sm: async_sessionmaker[AsyncSession]
    conn: asyncpg.Connection
    world: World
    loader: store.Loader
    principals: dict[str, Principal]
    recorder: Recorder
    filler: Any  # the pipe to the fill worker (bench.fill.fill_worker)
    clock: Clock = field(default_factory=Clock)
    stored: int = 0
    state: Filled | None = None

    def probe_stream(self, phase: int, seed_offset: int) -> Stream:
        """A stream of new records drawn like the stored ones and sharing their keys."""
        assert self.state is not None
        probe = Stream(self.world, self.args.seed * 1000 + phase * 10 + seed_offset)
        probe.containers = list(self.state.containers)
        probe.reservoir = list(self.state.reservoir)
        probe.notifications = self.state.notifications
        return probe

    def draw_probe(self, probe: Stream, n: int, prefix: str) -> list[Draft]:
        """Probe records: seizures half taken from stored notifications, the rest by chance."""
        out, share = [], self.args.probe_seizures
        for i in range(n):
            if math.floor((i + 1) * share) > math.floor(i * share):
                out.append(probe.seizure(matched=0.5, prefix=prefix + "S"))
            else:
                out.append(probe.notification(container_reuse=0.5, prefix=prefix + "N"))
        return out

    async def create(self, draft: Draft) -> tuple[str, float, Trace, int]:
        """Create a record through the service path and commit; return its id and the time."""
        principal = self.principals[draft.country]
        body: Any
        create: Callable[..., Awaitable[tuple[Any, ...]]]
        if draft.kind == "notification":
            body, create = NotificationCreate.model_validate(draft.body), notifications.create
        else:
            body, create = SeizureCreate.model_validate(draft.body), seizures.create
        with self.recorder.recording() as trace:
            async with self.sm() as session:
                started = time.perf_counter()
                # (record, created, ...): later versions also return the alerts raised
                result = await create(session, principal, body, self.clock)
                await commit(session)  # with the before-commit hooks (publish), as a request
                elapsed = time.perf_counter() - started
        assert result[1], f"{draft.body['reference']} was not created"
        self.stored += 1
        alerts = len(result[2]) if len(result) > 2 and isinstance(result[2], list) else 0
        return result[0].id, elapsed, trace, alerts

    async def correlate(self, kind: str, record_id: str) -> tuple[float, float, Trace, Cpu]:
        """Re-run correlation of a stored record: (call s, call + commit s, trace, CPU)."""
        correlate = (
            correlation.correlate_notification
            if kind == "notification"
            else correlation.correlate_seizure
        )
        me = f"self/task/{threading.get_native_id()}"
        async with self.sm() as session:
            raw = await (await session.connection()).get_raw_connection()
            backend = str(raw.driver_connection.get_server_pid())  # type: ignore[union-attr]
            with self.recorder.recording() as trace:
                client0, server0 = schedstat(me), schedstat(backend)
                started, cpu = time.perf_counter(), time.process_time()
                await correlate(session, record_id, self.clock.now())
                called, cpu = time.perf_counter(), time.process_time() - cpu
                client1, server1 = schedstat(me), schedstat(backend)
                await session.commit()
                committed = time.perf_counter()
        waited = (client1[1] - client0[1]) + (server1[1] - server0[1])
        usage = Cpu(cpu, (server1[0] - server0[0]) / 1e9, waited / 1e9)
        return called - started, committed - started, trace, usage

    async def resolved(self, kind: str, record_id: str, draft: Draft) -> tuple[int, int]:
        """How many of the draft's parties resolved to the stored entity they name."""
        async with self.sm() as session:
            rows = await session.execute(
                select(RecordParty.position, RecordParty.party_id).where(
                    RecordParty.kind == kind, RecordParty.record_id == record_id
                )
            )
            got = dict(rows.all())
        return sum(got.get(p) == f.id for p, _, f in draft.parties), len(draft.parties)

    async def check_keys(self, drafts: list[Draft]) -> tuple[int, int, list[str]]:
        """Create drafts through the service; compare the keys stored with the bulk loader's."""
        bad: list[str] = []
        for draft in drafts:
            record_id, _, _, _ = await self.create(draft)
            async with self.sm() as session:
                rows = await session.execute(
                    text(
                        "SELECT key_type, value FROM correlation_keys"
                        " WHERE kind = :k AND record_id = :r"
                    ),
                    {"k": draft.kind, "r": record_id},
                )
                stored = {(t, v) for t, v in rows.all()}
            computed = self.loader.keys(draft)
            if stored != computed:
                bad.append(
                    f"{draft.kind} {draft.body['reference']}: service only "
                    f"{sorted(stored - computed)}, bulk only {sorted(computed - stored)}"
                )
        return len(drafts), len(bad), bad

    async def measure(self, phase: int) -> tuple[list[Sample], tuple[int, int, list[str]]]:
        """Warm up (checking keys), create the probe, then re-correlate it --repeats times."""
        args = self.args
        warm = self.draw_probe(self.probe_stream(phase, 1), args.warmup, f"W{phase}")
        log(f"  warm-up and key check: {len(warm)} records through the service")
        check = await self.check_keys(warm)
        if check[1]:
            log(f"  KEY MISMATCH in {check[1]}/{check[0]} records: {check[2][:3]}")
        drafts = self.draw_probe(self.probe_stream(phase, 2), args.probe, f"P{phase}")
        samples = []
        for i, draft in enumerate(drafts):
            record_id, elapsed, trace, alerts = await self.create(draft)
            sample = Sample(draft.kind, record_id, elapsed * 1000)
            sample.create_candidates = trace.candidates
            sample.create_statements = sum(trace.statements.values())
            sample.create_statement_n = dict(trace.statements)
            sample.create_statement_ms = {k: v * 1000 for k, v in trace.statement_s.items()}
            sample.alerts_raised = alerts
            sample.parties_resolved, sample.parties_named = await self.resolved(
                draft.kind, record_id, draft
            )
            samples.append(sample)
            if (i + 1) % 50 == 0:
                log(f"  created {i + 1}/{len(drafts)} probe records")
        timings: dict[str, list[tuple[float, float, Trace, Cpu]]] = defaultdict(list)
        for _ in range(args.repeats):
            for sample in samples:
                timings[sample.record_id].append(
                    await self.correlate(sample.kind, sample.record_id)
                )
        for sample in samples:
            runs = timings[sample.record_id]
            sample.correlate_ms = statistics.median(r[0] for r in runs) * 1000
            sample.correlate_commit_ms = statistics.median(r[1] for r in runs) * 1000
            sample.correlate_cpu_ms = statistics.median(r[3].client_s for r in runs) * 1000
            sample.server_cpu_ms = statistics.median(r[3].server_s for r in runs) * 1000
            sample.waiting_ms = statistics.median(r[3].waiting_s for r in runs) * 1000
            trace = runs[0][2]
            sample.lookups, sample.candidates = trace.lookups, trace.candidates
            sample.candidate_ms = statistics.median(r[2].candidate_s for r in runs) * 1000
            sample.statements = sum(trace.statements.values())
            sample.per_statement_n = dict(trace.statements)
            sample.per_statement_ms = {
                name: statistics.median(r[2].statement_s[name] for r in runs) * 1000
                for name in trace.statements
            }
            sample.outside_sql_ms = statistics.median(
                (r[0] - sum(r[2].statement_s.values())) * 1000 for r in runs
            )
        return samples, check

    async def explain(self, samples: list[Sample]) -> dict[str, str]:
        """EXPLAIN (ANALYZE, BUFFERS) what correlating a typical probe record of each kind sends.

        The candidate lookup in full; every other statement (the first of each kind) summed up
        by its plan's top lines. Run in a session that is rolled back, so nothing changes.
        """
        out = {}
        for kind in ("seizure", "notification"):
            chosen = sorted((s for s in samples if s.kind == kind), key=lambda s: s.candidates)
            if not chosen:
                continue
            sample = chosen[len(chosen) // 2]
            _, _, trace, _ = await self.correlate(kind, sample.record_id)
            plans = []
            async with self.sm() as session:
                conn = await session.connection()
                # The look-up itself: a deferred write flushed before it is not explained.
                lookups = [(q, p) for q, p in trace.candidate_sql if _reads(q)]
                for statement, params in lookups:
                    plans.append(await _explain(conn, statement, params))
                others = []
                for name, (statement, params) in sorted(trace.first_sql.items()):
                    if "candidates" in name or not _reads(statement):
                        continue
                    plan = (await _explain(conn, statement, params)).splitlines()
                    nodes = [line.strip() for line in plan if "Scan" in line or "Join" in line]
                    timing = [line for line in plan if line.startswith("Execution Time")]
                    others.append(
                        f"-- {name} (x{trace.statements[name]} per call): "
                        f"{'; '.join(nodes[:3]) or plan[0]}; {timing[0] if timing else ''}"
                    )
                await session.rollback()
            out[kind] = (
                f"-- {kind} probe record {sample.record_id}: {sample.lookups} lookups, "
                f"{sample.candidates} candidates (the median {kind} of the probe)\n"
                f"-- the lookup as app.correlation.repository.candidates sends it:\n"
                f"{_bind(*lookups[0])}\n\n"
                + "\n".join(plans)
                + "\n\n-- every other statement of the same call, first occurrence:\n"
                + "\n".join(others)
            )
        return out


def _reads(statement: str) -> bool:
    """Whether a statement only reads: an explained write would run (and collide)."""
    return statement.lstrip().upper().startswith("SELECT")


async def _explain(conn: Any, statement: str, params: Any) -> str:
    result = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
    return "\n".join(r[0] for r in result.all())


def _bind(statement: str, params: Any) -> str:
    """The statement with its parameters written in: the first branch, and how many follow."""
    values = list(params) if isinstance(params, (list, tuple)) else []
    flat = " ".join(statement.split())
    for i in range(len(values), 0, -1):
        flat = re.sub(rf"\${i}(::\w+)?\b", repr(values[i - 1]).replace("\\", "\\\\"), flat)
    branches = flat.split(" UNION ALL ")
    more = (
        f"\nUNION ALL ... ({len(branches) - 1} more branches, one per key)" if branches[1:] else ""
    )
    return branches[0] + more


async def phase(bench: Bench, number: int, size: int) -> Phase:
    """Grow the store to `size` records, settle it, and measure the probe."""
    args = bench.args
    target = size - args.warmup - args.probe  # the probe and warm-up records are stored too
    more = max(0, target - bench.stored)
    log(f"phase {number}: storing {more:,} records in bulk (store -> {size:,})")
    bench.filler.send(more)
    state: Filled = await asyncio.to_thread(bench.filler.recv)
    bench.state, fill_s, fill_rows = state, state.seconds, state.rows
    bench.stored += more
    await settle(bench.conn)
    # What this process holds is the same at both sizes; keep the collector off it anyway.
    gc.collect()
    gc.freeze()
    load_before = os.getloadavg()
    log(f"phase {number}: measuring {args.probe} probe records (load {load_before[0]:.2f})")
    samples, check = await bench.measure(number)
    load_after = os.getloadavg()
    tables, db_bytes = await table_stats(bench.conn)
    log(f"phase {number}: key statistics")
    keys = await key_stats(bench.conn)
    result = Phase(
        size, fill_s, fill_rows, samples, load_before, load_after, tables, db_bytes, keys, check
    )
    f = result.figures()
    log(
        f"phase {number}: store {tables['notifications'][0] + tables['seizures'][0]:,} records; "
        f"correlate mean {f['correlate_ms']['mean']:.1f} ms p50 {f['correlate_ms']['p50']:.1f} ms; "
        f"create mean {f['create_ms']['mean']:.1f} ms; "
        f"candidates mean {f['candidates']['mean']:.0f}"
    )
    return result


async def run(args: argparse.Namespace) -> int:
    """Run the benchmark; return the exit status."""
    name = f"pa_bench_{uuid.uuid4().hex[:10]}"
    url = sqlalchemy_url(args.database_url, name)
    log(f"creating database {name}")
    await admin(args.database_url, f'CREATE DATABASE "{name}"')
    engine: AsyncEngine | None = None
    conn: asyncpg.Connection | None = None
    worker: Any = None
    try:
        await asyncio.to_thread(migrate.upgrade, url, BASE_REVISION)
        log(f"building the world (seed {args.seed}, {args.firms:,} firms)")
        world = World(args.seed, args.firms)
        conn = await asyncpg.connect(asyncpg_dsn(url))
        parties = store.Loader(world.firms, {}, set()).party_rows(world.firms, datetime.now(UTC))
        async with conn.transaction():
            await conn.copy_records_to_table(
                "parties", records=parties, columns=store.COLUMNS["parties"]
            )
        log(f"stored {len(parties):,} parties; migrating to head (backfills party resolution)")
        await asyncio.to_thread(migrate.upgrade, url)
        code = provenance(await conn.fetchval("SELECT version_num FROM alembic_version"))
        tables = {
            r[0]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        notes = []
        if tables - KNOWN_TABLES:
            unknown = ", ".join(sorted(tables - KNOWN_TABLES))
            notes.append(f"tables not filled in bulk (only the probe writes them): {unknown}")
            log(f"WARNING: {notes[-1]}")
        engine = create_engine(url, pool_size=2)
        sm = create_sessionmaker(engine)
        recorder = Recorder()
        recorder.attach(engine)
        principals = await create_principals(sm, world.countries)
        async with sm() as session:
            ignored = await load_ignored(session)
        loader = store.Loader(
            world.firms, {c: p.authority_id for c, p in principals.items()}, ignored
        )
        spawn = multiprocessing.get_context("spawn")
        filler, worker_end = spawn.Pipe()
        setup = {"authorities": loader.authorities, "ignored": ignored, "batch": args.batch}
        worker = spawn.Process(
            target=fill.fill_worker,
            args=(worker_end, asyncpg_dsn(url), args.seed, args.firms, setup),
            daemon=True,
        )
        worker.start()
        bench = Bench(args, url, sm, conn, world, loader, principals, recorder, filler)
        small = await phase(bench, 1, args.small)
        large = await phase(bench, 2, args.large)
        filler.send(None)
        await asyncio.to_thread(worker.join, 60)
        log("EXPLAIN of the candidate lookup")
        large.explain = await bench.explain(large.samples)
        pg_version = await conn.fetchval("SELECT version()")
        settings = {
            k: await conn.fetchval(f"SHOW {k}")
            for k in (
                "shared_buffers",
                "work_mem",
                "effective_cache_size",
                "random_page_cost",
                "jit",
            )
        }
        report = render(
            args,
            machine(pg_version, settings, code),
            small,
            large,
            notes + notes_for(small, large, args),
        )
        await asyncio.to_thread(Path(args.output).write_text, report)
        log(f"wrote {args.output}")
        fs, fl = small.figures(), large.figures()
        ratio_mean = fl["correlate_ms"]["mean"] / fs["correlate_ms"]["mean"]
        ratio_p50 = fl["correlate_ms"]["p50"] / fs["correlate_ms"]["p50"]
        print(json.dumps({"ratio_mean": round(ratio_mean, 3), "ratio_p50": round(ratio_p50, 3)}))
        return 0 if max(ratio_mean, ratio_p50) <= args.max_ratio else 1
    finally:
        if worker is not None and worker.is_alive():
            worker.terminate()
        if conn is not None:
            await conn.close()
        if engine is not None:
            await engine.dispose()
        if args.keep:
            log(f"kept database {name}: {url}")
        else:
            await admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            log(f"dropped database {name}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(
        prog="python -m bench.correlation", description=__doc__.split("\n")[0]
    )
    p.add_argument("--small", type=int, default=10_000, help="records stored at the first size")
    p.add_argument("--large", type=int, default=1_000_000, help="records stored at the second size")
    p.add_argument("--probe", type=int, default=300, help="probe records measured at each size")
    p.add_argument("--warmup", type=int, default=20, help="unmeasured records before the probe")
    p.add_argument("--repeats", type=int, default=3, help="correlation calls per probe record")
    p.add_argument(
        "--probe-seizures", type=float, default=0.5, help="share of seizures in the probe"
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--firms", type=int, default=40_000, help="distinct firms in the world")
    p.add_argument("--batch", type=int, default=20_000, help="records per COPY transaction")
    p.add_argument("--max-ratio", type=float, default=1.5)
    p.add_argument(
        "--database-url",
        default=DEFAULT_ADMIN_URL,
        help="any database on the server; a fresh one is created",
    )
    p.add_argument("--output", default=str(Path(__file__).with_name("correlation.md")))
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    return asyncio.run(run(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
