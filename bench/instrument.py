"""Instrumentation of bench.correlation: statements and candidate look-ups of a measured record."""

import math
import re
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.correlation import repository as correlation_repository


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
            if table and table.group(1) == "unnest":  # a LATERAL look-up: name what it reads
                read = re.findall(r"\b(?:FROM|JOIN)\s+([a-z_]+)", flat, re.IGNORECASE)
                found += " -> " + ",".join(dict.fromkeys(t for t in read if t != "unnest"))
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
