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
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import migrate
from app.auth import service as auth_service
from app.auth.schemas import Principal
from app.correlation import repository as correlation_repository
from app.correlation import service as correlation
from app.correlation.repository import ignored as load_ignored
from app.correlation.service import BUCKET_CAP, KEY_CAP
from app.db import commit, create_engine, create_sessionmaker
from app.kit.clock import Clock
from app.notifications import service as notifications
from app.notifications.schemas import NotificationCreate
from app.records.models import RecordParty
from app.seizures import service as seizures
from app.seizures.schemas import SeizureCreate
from bench import store
from bench.population import Draft, Stream, World
from bench.store import Filled, log

DEFAULT_ADMIN_URL = os.environ.get("PA_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
# The bulk parties go in before the party-resolution migration (0003) so that its backfill gives
# them their spellings and blocking keys exactly as the app would; 0002 is the correlation schema.
BASE_REVISION = "0002"
KNOWN_TABLES = {
    *store.COLUMNS,
    "alembic_version", "annual_requirements", "api_keys", "authorities", "ignored_values",
    "record_events", "party_aliases", "party_blocks",
}  # fmt: skip
ROLES = ("reporter", "viewer", "investigator")


# Instrumentation: SQL statements and candidate lookups of the record being measured.


@dataclass
class Trace:
    """What one measured call did."""

    statements: Counter[str] = field(default_factory=Counter)
    statement_s: Counter[str] = field(default_factory=Counter)
    lookups: int = 0
    candidates: int = 0
    candidate_s: float = 0.0
    candidate_sql: list[tuple[str, Any]] = field(default_factory=list)
    first_sql: dict[str, tuple[str, Any]] = field(default_factory=dict)


class Recorder:
    """Collect statements (engine events) and candidate lookups (wrapped repository call)."""

    def __init__(self) -> None:
        self.trace: Trace | None = None
        self._in_candidates = False
        self._labels: dict[str, str] = {}

    def label(self, statement: str) -> str:
        """Name a statement by its verb and main table."""
        found = self._labels.get(statement)
        if found is None:
            flat = " ".join(statement.split())
            verb = flat.split(" ", 1)[0].upper()
            table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+([a-z_]+)", flat, re.IGNORECASE)
            found = f"{verb} {table.group(1) if table else ''}".strip()
            if "UNION ALL" in flat and "correlation_keys" in flat:
                found += " (candidates)"
            elif verb == "SELECT" and flat.count(" IN (") and "FROM links" in flat:
                found += " (linked countries)"
            self._labels[statement] = found
        return found

    def attach(self, engine: AsyncEngine) -> None:
        """Listen to the engine's statements and wrap the candidate lookup."""
        sync = engine.sync_engine

        @event.listens_for(sync, "before_cursor_execute")
        def _before(
            conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: Any
        ) -> None:
            conn.info.setdefault("bench_t0", []).append(time.perf_counter())
            if self.trace is not None and self._in_candidates:
                self.trace.candidate_sql.append((statement, params))

        @event.listens_for(sync, "after_cursor_execute")
        def _after(
            conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: Any
        ) -> None:
            started = conn.info["bench_t0"].pop()
            if self.trace is not None:
                name = self.label(statement)
                if not many:
                    self.trace.first_sql.setdefault(name, (statement, params))
                self.trace.statements[name] += 1
                self.trace.statement_s[name] += time.perf_counter() - started

        original = correlation_repository.candidates

        async def candidates(
            session: AsyncSession, kind: str, lookups: Any, **limits: Any
        ) -> dict[str, set[str]]:
            wanted = set(lookups)
            self._in_candidates = True
            started = time.perf_counter()
            try:
                found = await original(session, kind, wanted, **limits)
            finally:
                self._in_candidates = False
            if self.trace is not None:
                self.trace.candidate_s += time.perf_counter() - started
                self.trace.lookups += len(wanted)
                self.trace.candidates += len(found)
            return found

        correlation_repository.candidates = candidates

    @contextmanager
    def recording(self) -> Iterator[Trace]:
        """Record what happens inside the block."""
        self.trace = trace = Trace()
        try:
            yield trace
        finally:
            self.trace = None


def schedstat(task: str) -> tuple[int, int]:
    """(ns on a CPU, ns waiting for one) of a task, from /proc/<task>/schedstat; 0s if unknown."""
    try:
        on_cpu, waiting, _ = Path(f"/proc/{task}/schedstat").read_text().split()
        return int(on_cpu), int(waiting)
    except (OSError, ValueError):
        return 0, 0


# Figures.


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, float]:
    """Mean, p50, p99 and max."""
    if not values:
        return {"mean": math.nan, "p50": math.nan, "p99": math.nan, "max": math.nan}
    return {
        "mean": statistics.fmean(values),
        "p50": pct(values, 50),
        "p99": pct(values, 99),
        "max": max(values),
    }


@dataclass
class Cpu:
    """CPU used by a call in this process and in its database backend, and time spent waiting
    for a CPU by either (other load on the machine)."""

    client_s: float
    server_s: float
    waiting_s: float


@dataclass
class Sample:
    """Measurements of one probe record."""

    kind: str
    record_id: str
    create_ms: float
    correlate_ms: float = math.nan
    correlate_commit_ms: float = math.nan
    correlate_cpu_ms: float = math.nan
    server_cpu_ms: float = math.nan
    waiting_ms: float = math.nan
    lookups: int = 0
    candidates: int = 0
    candidate_ms: float = 0.0
    statements: int = 0
    per_statement_ms: dict[str, float] = field(default_factory=dict)
    per_statement_n: dict[str, int] = field(default_factory=dict)
    parties_resolved: int = 0
    parties_named: int = 0
    create_candidates: int = 0
    create_statements: int = 0
    create_statement_ms: dict[str, float] = field(default_factory=dict)
    create_statement_n: dict[str, int] = field(default_factory=dict)
    alerts_raised: int = 0
    outside_sql_ms: float = 0.0


@dataclass
class Phase:
    """Everything measured at one store size."""

    size: int
    fill_s: float
    fill_rows: int
    samples: list[Sample]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    tables: dict[str, tuple[int, int]]  # table -> (rows, bytes)
    database_bytes: int
    key_stats: list[dict[str, Any]]
    key_check: tuple[int, int, list[str]]  # (records checked, mismatching, details)
    explain: dict[str, str] = field(default_factory=dict)

    def figures(self, kind: str | None = None) -> dict[str, dict[str, float]]:
        """Summaries of each measured quantity, for all probe records or one kind."""
        chosen = [s for s in self.samples if kind is None or s.kind == kind]
        return {
            "create_ms": summary([s.create_ms for s in chosen]),
            "correlate_ms": summary([s.correlate_ms for s in chosen]),
            "correlate_commit_ms": summary([s.correlate_commit_ms for s in chosen]),
            "correlate_cpu_ms": summary([s.correlate_cpu_ms for s in chosen]),
            "server_cpu_ms": summary([s.server_cpu_ms for s in chosen]),
            "total_cpu_ms": summary([s.correlate_cpu_ms + s.server_cpu_ms for s in chosen]),
            "waiting_ms": summary([s.waiting_ms for s in chosen]),
            "candidates": summary([float(s.candidates) for s in chosen]),
            "create_candidates": summary([float(s.create_candidates) for s in chosen]),
            "create_statements": summary([float(s.create_statements) for s in chosen]),
            "alerts_raised": summary([float(s.alerts_raised) for s in chosen]),
            "outside_sql_ms": summary([s.outside_sql_ms for s in chosen]),
            "lookups": summary([float(s.lookups) for s in chosen]),
            "candidate_ms": summary([s.candidate_ms for s in chosen]),
            "statements": summary([float(s.statements) for s in chosen]),
        }


# Database set-up.


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
    filler: Any  # the pipe to the fill worker (bench.store.fill_worker)
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
                for statement, params in trace.candidate_sql:
                    plans.append(await _explain(conn, statement, params))
                others = []
                for name, (statement, params) in sorted(trace.first_sql.items()):
                    if "candidates" in name or name.split()[0] not in ("SELECT", "DELETE"):
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
                f"{_bind(*trace.candidate_sql[0])}\n\n"
                + "\n".join(plans)
                + "\n\n-- every other statement of the same call, first occurrence:\n"
                + "\n".join(others)
            )
        return out


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


# Report.


def provenance(revision: str) -> str:
    """The code measured: git commit, whether app/ or migrations/ had uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "app", "migrations"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        commit, dirty = "?", ""
    return f"{commit or '?'}{' + uncommitted changes' if dirty else ''}, schema revision {revision}"


def machine(pg_version: str, settings: dict[str, str], code: str) -> dict[str, str]:
    """Describe the machine the figures come from."""
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": nproc,
        "cpu": model.group(1).strip() if model else platform.processor(),
        "memory": f"{int(total.group(1)) / 1024**2:.1f} GiB" if total else "?",
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "postgresql settings": ", ".join(f"{k}={v}" for k, v in settings.items()),
        "code": code,
    }


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def render(
    args: argparse.Namespace, info: dict[str, str], small: Phase, large: Phase, notes: list[str]
) -> str:
    """The Markdown report."""
    fs, fl = small.figures(), large.figures()
    ratio_mean = fl["correlate_ms"]["mean"] / fs["correlate_ms"]["mean"]
    ratio_p50 = fl["correlate_ms"]["p50"] / fs["correlate_ms"]["p50"]
    verdict = "PASS" if max(ratio_mean, ratio_p50) <= args.max_ratio else "FAIL"
    cpu_mean = fl["total_cpu_ms"]["mean"] / fs["total_cpu_ms"]["mean"]
    cpu_p50 = fl["total_cpu_ms"]["p50"] / fs["total_cpu_ms"]["p50"]
    out = [
        "# Correlation cost per record, measured",
        "",
        f"Generated by `python -m bench.correlation --small {args.small} --large {args.large} "
        f"--probe {args.probe}` (seed {args.seed}). Do not edit by hand: re-run it.",
        "",
        "## Result",
        "",
        f"Correlation alone, large/small: **mean x{ratio_mean:.2f}, p50 x{ratio_p50:.2f}** "
        f"(limit x{args.max_ratio}) -> **{verdict}**",
        "",
        f"Same ratio in CPU time (client + database backend; insensitive to waiting for a CPU): "
        f"mean x{cpu_mean:.2f}, p50 x{cpu_p50:.2f}.",
        "",
        f"| per probe record | {small.size:,} records | {large.size:,} records | ratio |",
        "|---|---|---|---|",
    ]
    rows = [
        ("correlation alone, mean ms", "correlate_ms", "mean"),
        ("correlation alone, p50 ms", "correlate_ms", "p50"),
        ("correlation alone, p99 ms", "correlate_ms", "p99"),
        ("correlation + commit, mean ms", "correlate_commit_ms", "mean"),
        ("correlation alone, CPU (client + database backend), mean ms", "total_cpu_ms", "mean"),
        ("correlation alone, CPU (client + database backend), p50 ms", "total_cpu_ms", "p50"),
        ("  of which client (this process) CPU, mean ms", "correlate_cpu_ms", "mean"),
        ("  of which database backend CPU, mean ms", "server_cpu_ms", "mean"),
        ("correlation alone, time waiting for a CPU (other load), mean ms", "waiting_ms", "mean"),
        ("creation with correlation (service + commit), mean ms", "create_ms", "mean"),
        ("creation with correlation, p50 ms", "create_ms", "p50"),
        ("creation with correlation, p99 ms", "create_ms", "p99"),
        ("candidates scored, mean", "candidates", "mean"),
        ("candidates scored, p50", "candidates", "p50"),
        ("candidates scored, max", "candidates", "max"),
        ("key lookups, mean", "lookups", "mean"),
        ("candidate lookup query, mean ms", "candidate_ms", "mean"),
        ("SQL statements per correlation, mean", "statements", "mean"),
        ("time outside SQL statements (ORM, scoring), mean ms", "outside_sql_ms", "mean"),
        ("candidates scored when created, mean", "create_candidates", "mean"),
        ("SQL statements per creation, mean", "create_statements", "mean"),
        ("alerts raised per creation, mean", "alerts_raised", "mean"),
        ("alerts raised per creation, max", "alerts_raised", "max"),
    ]
    for title, metric, stat in rows:
        a, b = fs[metric][stat], fl[metric][stat]
        out.append(
            f"| {title} | {_ms(a)} | {_ms(b)} | x{b / a:.2f} |"
            if a
            else f"| {title} | {a} | {b} | |"
        )
    out += ["", "By kind of probe record:", ""]
    out += [
        "| kind | size | n | correlation mean / p50 / p99 ms | creation mean / p50 / p99 ms "
        "| candidates mean / p50 / max | statements mean |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in ("notification", "seizure"):
        for ph in (small, large):
            f = ph.figures(kind)
            n = sum(s.kind == kind for s in ph.samples)
            c, k, q = f["correlate_ms"], f["create_ms"], f["candidates"]
            out.append(
                f"| {kind} | {ph.size:,} | {n} "
                f"| {_ms(c['mean'])} / {_ms(c['p50'])} / {_ms(c['p99'])} "
                f"| {_ms(k['mean'])} / {_ms(k['p50'])} / {_ms(k['p99'])} "
                f"| {q['mean']:.0f} / {q['p50']:.0f} / {q['max']:.0f} "
                f"| {f['statements']['mean']:.0f} |"
            )
    out += ["", "Correlation alone, where the time goes (ms and statements per record, mean):", ""]
    out += [
        "| statement | ms @ small | ms @ large | calls @ small | calls @ large |",
        "|---|---|---|---|---|",
    ]
    names = sorted(
        {n for ph in (small, large) for s in ph.samples for n in s.per_statement_ms},
        key=lambda n: -sum(s.per_statement_ms.get(n, 0) for s in large.samples),
    )
    for name in names:
        cells = []
        for ph in (small, large):
            cells.append(statistics.fmean(s.per_statement_ms.get(name, 0) for s in ph.samples))
        calls = [
            statistics.fmean(s.per_statement_n.get(name, 0) for s in ph.samples)
            for ph in (small, large)
        ]
        out.append(
            f"| `{name}` | {cells[0]:.2f} | {cells[1]:.2f} | {calls[0]:.1f} | {calls[1]:.1f} |"
        )
    out += [
        "",
        "Creation with correlation, where the time goes (mean per record, top 15 at large):",
        "",
    ]
    out += [
        "| statement | ms @ small | ms @ large | calls @ small | calls @ large |",
        "|---|---|---|---|---|",
    ]
    names = sorted(
        {n for ph in (small, large) for s in ph.samples for n in s.create_statement_ms},
        key=lambda n: -sum(s.create_statement_ms.get(n, 0) for s in large.samples),
    )
    for name in names[:15]:
        ms = [
            statistics.fmean(s.create_statement_ms.get(name, 0) for s in ph.samples)
            for ph in (small, large)
        ]
        calls = [
            statistics.fmean(s.create_statement_n.get(name, 0) for s in ph.samples)
            for ph in (small, large)
        ]
        out.append(f"| `{name}` | {ms[0]:.2f} | {ms[1]:.2f} | {calls[0]:.1f} | {calls[1]:.1f} |")
    out += ["", "## Notes", "", *[f"- {n}" for n in notes]]
    out += [
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in info.items()],
    ]
    out += ["", "## Store", ""]
    out += [
        "| | " + " | ".join(f"{ph.size:,} records" for ph in (small, large)) + " |",
        "|---|---|---|",
    ]
    for ph_name in small.tables:
        sizes = [
            f"{ph.tables[ph_name][0]:,} rows, {ph.tables[ph_name][1] / 1024**2:,.0f} MiB"
            for ph in (small, large)
        ]
        out.append(f"| {ph_name} | {sizes[0]} | {sizes[1]} |")
    out.append(
        f"| database | {small.database_bytes / 1024**3:.2f} GiB "
        f"| {large.database_bytes / 1024**3:.2f} GiB |"
    )
    out.append(
        f"| bulk fill | {small.fill_rows:,} rows in {small.fill_s:.0f} s | "
        f"{large.fill_rows:,} rows in {large.fill_s:.0f} s |"
    )
    out.append(
        "| load average during the probe (1 min, before/after) | "
        + " | ".join(f"{ph.load_before[0]:.2f} / {ph.load_after[0]:.2f}" for ph in (small, large))
        + " |"
    )
    out += [
        "",
        f"Key fan-out (records per key value; caps: bucket {BUCKET_CAP}, others {KEY_CAP}):",
        "",
    ]
    out += [
        "| size | kind | key type | distinct keys | rows | median | largest | keys over cap "
        "| rows under those keys |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for ph in (small, large):
        for r in ph.key_stats:
            out.append(
                f"| {ph.size:,} | {r['kind']} | {r['key_type']} | {r['keys']:,} | {r['rows_']:,} | "
                f"{r['median']} | {r['largest']:,} | {r['over_cap']:,} | {r['rows_over_cap']:,} |"
            )
    out += [
        "",
        f"## EXPLAIN (ANALYZE, BUFFERS) of the candidate lookup at {large.size:,} records",
        "",
    ]
    for kind, plan in large.explain.items():
        out += [f"### {kind}", "", "```", plan, "```", ""]
    return "\n".join(out) + "\n"


def notes_for(small: Phase, large: Phase, args: argparse.Namespace) -> list[str]:
    """Facts the reader needs to trust the figures."""
    notes = []
    for ph in (small, large):
        checked, bad, details = ph.key_check
        resolved = sum(s.parties_resolved for s in ph.samples)
        named = sum(s.parties_named for s in ph.samples)
        notes.append(
            f"{ph.size:,}: keys of {checked} records created through the service compared with the "
            f"bulk loader's for the same bodies: {bad} differ"
            + (f" ({'; '.join(details[:2])})" if bad else "")
            + f"; probe parties resolved to the stored entity they name: {resolved}/{named}."
        )
    notes += [
        f"Probe: {args.probe} records per size ({args.probe_seizures:.0%} seizures, half of them "
        "taken from a stored notification; notifications reuse a stored container half the time), "
        f"after {args.warmup} warm-up records. Correlation alone is the median of {args.repeats} "
        "calls per record, each in its own session and committed; the commit is shown apart. "
        "CPU: this process's CPU time (process_time) plus the database backend's time on a CPU "
        "(/proc/<backend pid>/schedstat) during the call; waiting for a CPU: the run-queue time "
        "of both, i.e. wall time lost to other load on the machine.",
        "Bulk fill: COPY of the rows the services would write, with every index of the app in "
        "place, from a separate worker process (so the measuring process holds the same small "
        "state at both sizes; its garbage collector is also frozen before measuring); correlation "
        "keys from app.matching.keys on the views the correlation service would load; links only "
        "for seizures taken from a notification (chance links are not scored in bulk); "
        "record_events and alerts are not written in bulk. VACUUM (ANALYZE) and CHECKPOINT after "
        "each fill.",
        "The party universe is stored once, before the small fill (so the party-resolution "
        "migration backfills its spellings and blocking keys), so party resolution sees the same "
        "entities at both sizes; correlation alone does not resolve parties.",
    ]
    return notes


# Entry point.


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
            target=store.fill_worker,
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
