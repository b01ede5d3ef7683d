"""Statements a record of `precursor-alerts import`, by kind: what the set-based write path
(issue 15) is judged by, and where it still issues one statement a record.

Run as ``python -m bench.statements [--stored 10000] [--records 1000] [--set 1000]``: fills a
PostgreSQL store in bulk (as `python -m bench` does), imports new records drawn like the stored
ones with every statement captured (bench.capture), and prints the import's rate, its statements
a record and the share of each kind of statement, most frequent first; with ``--stages``, the
seconds each stage of the write took (bench.stages).
"""

import argparse
import asyncio
import json
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import fixtures, phases, scale
from bench.capture import Step
from bench.pg import DEFAULT_ADMIN_URL
from bench.world import World


def kind_of(sql: str) -> str:
    """A statement's kind: its verb and table, and for a SELECT the start of its condition
    (bound values and the length of IN lists left out)."""
    flat = " ".join(sql.split())
    flat = re.sub(r"\$\d+(::\w+)?|%\(\w+\)s|\?", "?", flat)
    flat = re.sub(r"\(\?(, \?)*\)", "(..)", flat)
    flat = re.sub(r"sa_savepoint_\d+", "sa_savepoint", flat)
    if match := re.match(r"(INSERT INTO|UPDATE|DELETE FROM) (\w+)", flat):
        return f"{match.group(1).split()[0]} {match.group(2)}"
    if flat.startswith("SELECT"):
        table = re.search(r"FROM (\w+)", flat)
        where = re.search(r"WHERE (.{0,70})", flat)
        return f"SELECT {table.group(1) if table else '?'}: {where.group(1) if where else ''}"
    return flat[:40]


def tally(steps: list[Step], records: int) -> dict[str, Any]:
    """Statements a record, in all and by kind."""
    kinds = Counter(kind_of(sql or "") for step, sql, _ in steps if step in ("one", "many"))
    return {
        "statements_per_record": round(sum(kinds.values()) / records, 2),
        "by_kind": {k: round(n / records, 2) for k, n in kinds.most_common()},
    }


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Fill a store, capture an import into it, count its statements."""
    world = World(args.seed, phases.Context.firms)
    with tempfile.TemporaryDirectory(prefix="pa-statements-") as tmp:
        workdir = Path(tmp)
        ctx = phases.Context(phases.QUICK, world, args.seed, args.database_url, workdir, [])
        st = await scale.Store.create(ctx)
        try:
            await st.grow(args.stored)
            path, out = workdir / "import.ndjson", workdir / "steps.pickle"
            fixtures.ndjson(phases.draw(st.stream(5), args.records, "M"), path)
            await st.stop_worker()
            timed = workdir / "stages.json"
            stages = ["-m", "bench.stages", str(timed)] if args.stages else []
            command = [*args.wrap.split(), sys.executable, *stages, "-m", "bench.capture", str(out)]
            command += ["import", str(path)]
            command += ["--batch", str(args.set), "--authority-map", json.dumps(st.keys.ids)]
            env = {**os.environ, "LOG_LEVEL": "WARNING", "DATABASE_URL": st.db.url}
            started = time.perf_counter()
            done = await asyncio.to_thread(
                subprocess.run, command, env=env, capture_output=True, text=True
            )
            seconds = time.perf_counter() - started
            if done.returncode != 0:
                raise RuntimeError(f"import failed: {done.stderr[-1000:]}")
            steps: list[Step] = pickle.loads(out.read_bytes())
            by_stage = json.loads(timed.read_text()) if args.stages else None
        finally:
            await st.close()
    return {
        "stored": args.stored,
        "records": args.records,
        "set": args.set,
        "records_per_s": round(args.records / seconds, 1),
        **tally(steps, args.records),
        **({"stages": by_stage} if by_stage else {}),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the import's statements a record, by kind."""
    p = argparse.ArgumentParser(prog="python -m bench.statements", description=__doc__)
    p.add_argument("--stored", type=int, default=10_000, help="records stored before")
    p.add_argument("--records", type=int, default=1_000, help="records imported")
    p.add_argument("--set", type=int, default=1_000, help="lines a set (the import's --batch)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--database-url", default=os.environ.get("PA_TEST_PG_DSN", DEFAULT_ADMIN_URL))
    p.add_argument(
        "--wrap",
        default="",
        help="a command to run the import under, e.g. 'py-spy record -f raw -o import.txt --'",
    )
    p.add_argument(
        "--stages", action="store_true", help="time the write's stages too (bench.stages)"
    )
    result = asyncio.run(measure(p.parse_args(argv)))
    print(f"{result['records']} records into {result['stored']:,} in sets of {result['set']}:")
    print(f"{result['records_per_s']} records/s, {result['statements_per_record']} statements each")
    for kind, n in result["by_kind"].items():
        print(f"{n:6.2f}  {kind}")
    if "stages" in result:
        print(f"stages (bench.stages; the import process ran {result['stages']['wall_s']} s):")
        for stage, t in result["stages"]["stages"].items():
            print(f"{t['seconds']:8.2f} s {t['calls']:7d}  {stage}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
