"""The measurements: ingest beside the floor, growth, feed, trace and bulk import."""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import fixtures, load
from bench.population import Stream
from bench.server import Server, app_server, floor_server
from bench.store import log
from bench.world import SEIZURE_SHARE, Draft, World


@dataclass(frozen=True)
class Sizes:
    """How much of everything a run uses."""

    preload: int  # records stored through the batch API before ingest is measured
    singles: int  # records posted one per request
    concurrency: int  # requests in flight for single posts
    batches: int  # batches posted
    batch_size: int
    batch_concurrency: int
    small: int  # growth: records stored before the first probe
    large: int  # ... and before the second
    probe: int  # growth: records posted one at a time at each size
    alerts: int  # alerts stored for the feed measurement
    polls: int  # idle polls and pages measured
    traces: int
    imported: int  # records in the bulk-import file
    pairs: int  # concurrency: notification and seizure pairs raced across two processes


QUICK = Sizes(150, 150, 8, 4, 50, 2, 10_000, 40_000, 50, 10_000, 120, 20, 120, 60)
FULL = Sizes(1_000, 600, 8, 12, 50, 2, 10_000, 1_000_000, 300, 100_000, 600, 100, 2_000, 300)
WARMUP = 20


@dataclass
class Context:
    """What every phase shares."""

    sizes: Sizes
    world: World
    seed: int
    admin_url: str
    workdir: Path
    servers: list[Server]
    firms: int = 40_000  # the World's size, which the fill worker rebuilds from the seed

    def log_path(self, name: str) -> Path:
        """Where a server's output goes."""
        return self.workdir / f"{name}.log"

    def start(self, server: Server) -> Server:
        """Start a server and remember it for the memory figure."""
        self.servers.append(server)
        return server.start()

    def stop_all(self) -> None:
        """Stop every server still running (after an error)."""
        for server in self.servers:
            server.stop()


def draw(stream: Stream, n: int, prefix: str) -> list[Draft]:
    """New records of the stream with their own references (notifications and seizures)."""
    return [
        stream.seizure(prefix=prefix + "S")
        if stream.rng.random() < SEIZURE_SHARE
        else stream.notification(prefix=prefix + "N")
        for _ in range(n)
    ]


def figures(run: load.Run) -> dict[str, float]:
    """Throughput and latency of a load run."""
    return {
        "records_per_s": round(run.records_per_s, 2),
        "p50_ms": round(run.pct(50), 2),
        "p99_ms": round(run.pct(99), 2),
        "mean_ms": round(load.mean(run.latencies_ms), 2),
        "requests": len(run.latencies_ms),
        "records": run.records,
        "seconds": round(run.seconds, 2),
    }


def check(run: load.Run, what: str, *ok: int) -> None:
    """Stop the run when the server answered something unexpected (batch items included)."""
    bad = run.failed(*ok)
    items = Counter(
        r["status"] for b in run.bodies if isinstance(b, dict) for r in b.get("results", [])
    )
    bad.update({s: n for s, n in items.items() if s != 201})
    if bad:
        raise RuntimeError(f"{what}: unexpected statuses {dict(bad)}")


# Ingest beside the floor ---------------------------------------------------------------------


async def ingest(ctx: Context, kind: str) -> dict[str, Any]:
    """Post records to the service and the same bodies to the floor, on one database."""
    s = ctx.sizes
    db = await fixtures.new_database(kind, ctx.admin_url, ctx.workdir)
    app = floor = None
    try:
        app = ctx.start(app_server(db.url, ctx.log_path(f"app-{kind}")))
        floor = ctx.start(floor_server(db.url, ctx.log_path(f"floor-{kind}")))
        keys = await fixtures.authorities(db.url, ctx.world.countries)
        stream = Stream(ctx.world, ctx.seed)
        preload = draw(stream, s.preload, "L")
        warm, drafts = draw(stream, WARMUP, "W"), draw(stream, s.singles, "M")
        groups: list[list[Draft]] = []
        while len(groups) < s.batches:
            groups += fixtures.group(
                draw(stream, s.batch_size * 10, f"B{len(groups)}"), s.batch_size
            )
        groups = groups[: s.batches]
        log(f"ingest/{kind}: preloading {len(preload)} records through the batch API")
        async with load.client(app.url, s.concurrency) as http:
            preloads = fixtures.batches(fixtures.group(preload, 50, partial=True), keys)
            loaded = await load.run(http, preloads, 4, keep=True)
            check(loaded, "preload", 200)
            check(await load.run(http, fixtures.singles(warm, keys), 2), "warm-up", 201)
            log(f"ingest/{kind}: {len(drafts)} single posts, {s.concurrency} in flight")
            single = await load.run(http, fixtures.singles(drafts, keys), s.concurrency)
            check(single, "ingest", 201)
            log(f"ingest/{kind}: {len(groups)} batches of {s.batch_size}")
            batch = await load.run(
                http, fixtures.batches(groups, keys), s.batch_concurrency, keep=True
            )
            check(batch, "batch ingest", 200)
        async with load.client(floor.url, s.concurrency) as http:
            check(await load.run(http, fixtures.floor_singles(warm), 2), "floor warm-up", 201)
            log(f"ingest/{kind}: the floor, same bodies")
            floor_single = await load.run(http, fixtures.floor_singles(drafts), s.concurrency)
            check(floor_single, "floor", 201)
            floor_batch = await load.run(http, fixtures.floor_batches(groups), s.batch_concurrency)
            check(floor_batch, "floor batch", 200)
    finally:
        for server in (app, floor):
            if server is not None:
                server.stop()
        await db.drop()
    out: dict[str, Any] = dict(figures(single))
    floor_figures = figures(floor_single)
    out["floor_records_per_s"] = floor_figures["records_per_s"]
    out["ratio_to_floor"] = round(single.records_per_s / floor_single.records_per_s, 4)
    out["floor_p50_ms"], out["floor_p99_ms"] = floor_figures["p50_ms"], floor_figures["p99_ms"]
    out["batch"] = figures(batch)
    out["floor_batch"] = figures(floor_batch)
    out["batch_ratio_to_floor"] = round(batch.records_per_s / floor_batch.records_per_s, 4)
    out["peak_rss_mb"] = round(app.peak_rss_mb, 1) if app else 0.0
    log(
        f"ingest/{kind}: {out['records_per_s']} records/s (floor {out['floor_records_per_s']}, "
        f"ratio {out['ratio_to_floor']}); batches {out['batch']['records_per_s']} records/s"
    )
    return out
