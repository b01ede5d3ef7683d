"""`python -m bench [--quick] [--output FILE] [--markdown FILE]`: the whole benchmark.

Every server runs as its own process, started as users start it (`precursor-alerts serve`,
which migrates first); this process is the client and times each request. Sizes: `--quick`
(a few minutes) or the full run (10,000 and 1,000,000 records stored, ~100,000 alerts), which
writes bench/results.md.
"""

import argparse
import asyncio
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench import concurrency, phases, replay, report, scale
from bench.machine import machine, provenance
from bench.pg import DEFAULT_ADMIN_URL, asyncpg_dsn
from bench.store import log
from bench.world import World

RESULTS = Path(__file__).with_name("results.md")


async def _machine(admin_url: str) -> dict[str, str]:
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        version = await conn.fetchval("SELECT version()")
        settings = {
            k: await conn.fetchval(f"SHOW {k}")
            for k in ("shared_buffers", "work_mem", "effective_cache_size", "synchronous_commit")
        }
    finally:
        await conn.close()
    from app.migrate import head_revision

    return machine(version, settings, provenance(head_revision()))


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run every measurement; return the results."""
    sizes = phases.QUICK if args.quick else phases.FULL
    started = time.perf_counter()
    log(f"building the synthetic world (seed {args.seed})")
    world = World(args.seed, phases.Context.firms)
    gc.collect()
    gc.freeze()  # the world is kept for the whole run; the collector need not walk it
    with tempfile.TemporaryDirectory(prefix="pa-bench-") as tmp:
        ctx = phases.Context(sizes, world, args.seed, args.database_url, Path(tmp), [])
        results: dict[str, Any] = {
            "mode": "quick" if args.quick else "full",
            "machine": await _machine(args.database_url),
            "sizes": sizes.__dict__,
            "ingest": {},
        }
        try:
            for kind in ("sqlite", "postgresql"):
                results["ingest"][kind] = await phases.ingest(ctx, kind)
            results["concurrency"] = await concurrency.measure(ctx)
            st = await scale.Store.create(ctx)
            try:
                results["growth"] = {"postgresql": await scale.growth(st)}
                results["feed"] = await scale.feed(st)
                results["trace"] = await scale.trace(st)
                results["bulk_import"] = await scale.bulk_import(st)
                floor = await replay.sql_floor(st)
                results["bulk_import"]["sql_floor"] = floor
                # What the set-based write path is judged by (issue 15): SQL statements a record.
                results["bulk_import"]["statements_per_record"] = floor["statements_per_record"]
            finally:
                ctx.stop_all()
                await st.close()
        except BaseException:
            await asyncio.to_thread(_print_logs, Path(tmp))  # what the servers said
            raise
        if args.keep_logs:
            await asyncio.to_thread(_print_logs, Path(tmp))
    app_peaks = [s.peak_rss_mb for s in ctx.servers if s.name == "app"]
    growth = results["growth"]["postgresql"]
    results["memory"] = {
        "peak_rss_mb": round(max(app_peaks), 1),
        "peak_rss_mb_small_store": growth["small"]["peak_rss_mb"],
        "peak_rss_mb_large_store": growth["large"]["peak_rss_mb"],
    }
    results["seconds"] = round(time.perf_counter() - started, 1)
    return results


def _print_logs(workdir: Path) -> None:
    for log_file in sorted(workdir.glob("*.log")):
        log(f"--- {log_file.name}\n{log_file.read_text()[-2000:]}")


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="Small sizes, a few minutes.")
    p.add_argument("--output", help="Write the results as JSON here.")
    p.add_argument(
        "--markdown",
        help="Write the report here (default: bench/results.md for the full run, none for quick).",
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--database-url",
        default=os.environ.get("PA_TEST_PG_DSN", DEFAULT_ADMIN_URL),
        help="PostgreSQL server to create the bench databases on.",
    )
    p.add_argument("--keep-logs", action="store_true", help="Print the servers' logs at the end.")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    args = parse(argv)
    results = asyncio.run(run(args))
    text = json.dumps(results, indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n")
        log(f"wrote {args.output}")
    markdown = args.markdown or (None if args.quick else str(RESULTS))
    if markdown:
        Path(markdown).write_text(report.render(results))
        log(f"wrote {markdown}")
    print(json.dumps(report.headline(results), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
