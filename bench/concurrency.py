"""`python -m bench.concurrency [--pairs N]`: records that link, raced across two processes.

A notification and its seizure (bench/pairs.py) posted at the same instant to two `serve`
processes on one PostgreSQL database: are they linked, every time (DESIGN.md section 3)? A few
control pairs are posted one record after the other first: they must link and raise
SEIZURE_MATCHES_NOTIFICATION. Then both requests of each pair are released together, one to each
process, alternating which process gets which record and which is sent first.
"""

import argparse
import asyncio
import dataclasses
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from bench import fixtures, load
from bench.pairs import EXPORTER, IMPORTER, SEIZER, Pair, Tally, bodies, race, sequentially
from bench.pg import DEFAULT_ADMIN_URL
from bench.phases import QUICK, Context
from bench.server import app_server
from bench.store import log
from bench.world import World

RULE = "SEIZURE_MATCHES_NOTIFICATION"
IN_FLIGHT = 16  # pairs
SEQUENTIAL = 3  # control pairs posted one record after the other


async def is_linked(http: httpx.AsyncClient, pair: Pair, keys: fixtures.Keys) -> bool:
    """Whether the notification's links hold its seizure, linked (seen by the exporter)."""
    if pair.notification_id is None or pair.seizure_id is None:
        return False
    path = f"/v1/notifications/{pair.notification_id}/links"
    response = (await http.get(path, headers=keys.headers(EXPORTER))).raise_for_status()
    items = response.json()["items"]
    return any(i["seizure"]["id"] == pair.seizure_id and i["linked"] for i in items)


async def alerts(http: httpx.AsyncClient, keys: fixtures.Keys) -> dict[tuple[str, str], set[str]]:
    """The SEIZURE_MATCHES_NOTIFICATION alerts of the feed by (notification, seizure)."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    params: dict[str, Any] = {"rule": RULE, "limit": 500}
    while True:
        response = await http.get("/v1/alerts", params=params, headers=keys.headers(EXPORTER))
        page = response.raise_for_status().json()
        for item in page["items"]:
            for n in item["subjects"]["notifications"]:
                for s in item["subjects"]["seizures"]:
                    found[n, s].add(item["id"])
        if not page["items"]:
            return found
        params["cursor"] = page["next_cursor"]


async def bounded(coroutines: list[Any]) -> list[Any]:
    """Await the coroutines with IN_FLIGHT at a time, in order."""
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def one(coroutine: Any) -> Any:
        async with slots:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))


async def verdict(
    http: httpx.AsyncClient, pairs: list[Pair], keys: fixtures.Keys
) -> tuple[int, int, int]:
    """Pairs linked, pairs with their alert, and pairs with more than one such alert."""
    links = await bounded([is_linked(http, p, keys) for p in pairs])
    feed = await alerts(http, keys)
    raised = [feed.get((p.notification_id or "", p.seizure_id or ""), set()) for p in pairs]
    return sum(links), sum(1 for a in raised if a), sum(1 for a in raised if len(a) > 1)


async def measure(ctx: Context) -> dict[str, Any]:
    """Race the pairs against two `serve` processes on a fresh PostgreSQL database."""
    count = ctx.sizes.pairs
    db = await fixtures.new_database("postgresql", ctx.admin_url, ctx.workdir)
    servers = []
    try:
        for name in ("a", "b"):  # one after the other: the first migrates the database
            servers.append(ctx.start(app_server(db.url, ctx.log_path(f"app-race-{name}"))))
        keys = await fixtures.authorities(db.url, [EXPORTER, SEIZER, IMPORTER])
        control = [Pair(n, *bodies(ctx.seed, n)) for n in range(SEQUENTIAL)]
        pairs = [Pair(n, *bodies(ctx.seed, n)) for n in range(SEQUENTIAL, SEQUENTIAL + count)]
        async with (
            load.client(servers[0].url, IN_FLIGHT) as a,
            load.client(servers[1].url, IN_FLIGHT) as b,
        ):
            for pair in control:
                await sequentially((a, b), pair, keys, Tally())
            control_linked, control_alerts, _ = await verdict(a, control, keys)
            if (control_linked, control_alerts) != (SEQUENTIAL, SEQUENTIAL):
                raise RuntimeError(
                    f"concurrency: of {SEQUENTIAL} pairs posted one after the other, "
                    f"{control_linked} linked and {control_alerts} alerted: the race proves nothing"
                )
            log(f"concurrency: {count} pairs, {IN_FLIGHT} in flight, across two processes")
            tally = Tally()
            started = time.perf_counter()
            async with asyncio.timeout(60 + count):
                await bounded([race((a, b), p, keys, tally) for p in pairs])
            seconds = time.perf_counter() - started
            linked, alerted, twins = await verdict(b, pairs, keys)
    finally:
        for server in servers:
            server.stop()
        await db.drop()
    out = {
        "pairs": count,
        "in_flight": IN_FLIGHT,
        "stored": sum(1 for p in pairs if p.notification_id and p.seizure_id),
        "linked": linked,
        "alerts": alerted,
        "twin_alerts": twins,
        "errors_5xx": sum(n for s, n in tally.statuses.items() if s >= 500),
        "retried_503": tally.retried_503,
        "statuses": {str(s): n for s, n in sorted(tally.statuses.items())},
        "sequential_linked": control_linked,
        "sequential_pairs": SEQUENTIAL,
        "seconds": round(seconds, 2),
        "p50_ms": round(load.pct(tally.latencies_ms, 50), 2),
        "p99_ms": round(load.pct(tally.latencies_ms, 99), 2),
    }
    log(
        f"concurrency: {linked}/{count} pairs linked, {alerted} alerted, "
        f"{out['errors_5xx']} answers 5xx ({tally.retried_503} 503s retried)"
    )
    return out


async def alone(args: argparse.Namespace) -> dict[str, Any]:
    """The measurement on its own, with its own servers."""
    sizes = dataclasses.replace(QUICK, pairs=args.pairs)
    with tempfile.TemporaryDirectory(prefix="pa-bench-") as tmp:
        ctx = Context(sizes, World(args.seed, 1_000), args.seed, args.database_url, Path(tmp), [])
        try:
            return await measure(ctx)
        finally:
            ctx.stop_all()
            if args.keep_logs:
                await asyncio.to_thread(_print_logs, Path(tmp))


def _print_logs(workdir: Path) -> None:
    for path in sorted(workdir.glob("*.log")):
        log(f"--- {path.name}\n{path.read_text()[-4000:]}")


def main(argv: list[str] | None = None) -> int:
    """Run the measurement alone and print its figures."""
    p = argparse.ArgumentParser(
        prog="python -m bench.concurrency", description=__doc__.splitlines()[0]
    )
    p.add_argument("--pairs", type=int, default=QUICK.pairs)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--database-url", default=DEFAULT_ADMIN_URL)
    p.add_argument("--keep-logs", action="store_true", help="Print the servers' logs at the end.")
    print(json.dumps(asyncio.run(alone(p.parse_args(argv))), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
