"""HTTP load from this (client) process: a fixed number of requests in flight, timed one by one."""

import asyncio
import math
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True, slots=True)
class Call:
    """One request to send; `records` is how many records it carries."""

    method: str
    path: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    records: int = 1


@dataclass
class Run:
    """What a load run measured."""

    latencies_ms: list[float]
    seconds: float
    records: int
    statuses: Counter[int]
    bodies: list[Any]

    @property
    def records_per_s(self) -> float:
        """Records stored per second of wall time."""
        return self.records / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        """Latency percentile (nearest rank), ms."""
        return pct(self.latencies_ms, p)

    def failed(self, *ok: int) -> Counter[int]:
        """Statuses other than the expected ones."""
        return Counter({s: n for s, n in self.statuses.items() if s not in ok})


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def mean(values: list[float]) -> float:
    """Mean, 0 for no values."""
    return statistics.fmean(values) if values else 0.0


def client(base_url: str, concurrency: int) -> httpx.AsyncClient:
    """A keep-alive client with one connection per request in flight."""
    # Drop idle connections before uvicorn does (5 s), so none is reused as the server closes it.
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2
    )
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=300)


async def run(
    http: httpx.AsyncClient, calls: Iterable[Call], concurrency: int, keep: bool = False
) -> Run:
    """Send the calls with `concurrency` in flight; time each and the whole."""
    pending = iter(calls)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    bodies: list[Any] = []
    records = 0

    async def worker() -> None:
        nonlocal records
        for call in pending:
            started = time.perf_counter()
            response = await http.request(
                call.method, call.path, json=call.json, headers=call.headers
            )
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[response.status_code] += 1
            if response.is_success:
                records += call.records
            if keep:
                bodies.append(response.json() if response.content else None)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Run(latencies, time.perf_counter() - started, records, statuses, bodies)
