"""Where a write's time goes, stage by stage: a command run with the write pipeline's stages timed.

Run as ``python -m bench.stages OUT.json -m MODULE ARGS...`` (``python -m bench.statements
--stages`` does it for an import): each stage below is wrapped where its module defines it, and
every call adds its wall time (awaited calls included: a stage's statements count with it) and
one to its count. Stages nest, so the shares add up to more than the whole. A whole run's rate
moves 10-30 % on a shared machine; a stage's share of it much less, which is what a step of
issue 15 is judged by, run side by side with the commit before.
"""

import functools
import importlib
import inspect
import json
import runpy
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

Seconds = defaultdict[str, float]
STAGES = (
    "app.ingest.pipeline:write_set",
    "app.parties.service:pool_for_set",
    "app.ingest.entities:prefetch",
    "app.ingest.routes:read",
    "app.correlation.service:read_for_set",
    "app.ingest.stages:created",
    "app.records.idempotency:insert_once",
    "app.records.service:store_parties",
    "app.parties.service:resolve",
    "app.correlation.service:correlate_notification",
    "app.correlation.service:correlate_seizure",
    "app.ingest.facts:_load_notifications",
    "app.ingest.facts:_load_seizures",
    "app.alerts.engine:dispatch",
    "app.alerts.service:apply",
    "app.alerts.service:resolve",
    "app.db:commit",
    "app.alerts.feed:publish",
    "app.bulk:Importer._draft",
)


def _timed(name: str, f: Any, seconds: Seconds, calls: Counter[str]) -> Any:
    if inspect.iscoroutinefunction(f):

        @functools.wraps(f)
        async def awaited(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await f(*args, **kwargs)
            finally:
                seconds[name] += time.perf_counter() - started
                calls[name] += 1

        return awaited

    @functools.wraps(f)
    def called(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            seconds[name] += time.perf_counter() - started
            calls[name] += 1

    return called


def wrap_stages(seconds: Seconds, calls: Counter[str]) -> None:
    """Wrap every stage, and every rule's runner (as `rule:CODE`), where it is looked up."""
    for stage in STAGES:
        module, _, path = stage.partition(":")
        owner: Any = importlib.import_module(module)
        *outer, attr = path.split(".")
        for part in outer:
            owner = getattr(owner, part)
        setattr(owner, attr, _timed(stage, getattr(owner, attr), seconds, calls))
    engine = importlib.import_module("app.alerts.engine")
    for code, registration in engine.REGISTRY.items():
        timed = _timed(f"rule:{code}", registration.run, seconds, calls)
        object.__setattr__(registration, "run", timed)


def main() -> None:
    """Run ``-m MODULE ARGS`` as its own ``__main__`` with the stages timed; write OUT.json."""
    out, flag, module, *args = sys.argv[1:]
    if flag != "-m":
        raise SystemExit("usage: python -m bench.stages OUT.json -m MODULE ARGS...")
    seconds: Seconds = defaultdict(float)
    calls: Counter[str] = Counter()
    wrap_stages(seconds, calls)
    started = time.perf_counter()
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        wall = time.perf_counter() - started
        ranked = sorted(seconds.items(), key=lambda kv: -kv[1])
        stages = {k: {"seconds": round(v, 3), "calls": calls[k]} for k, v in ranked}
        Path(out).write_text(json.dumps({"wall_s": round(wall, 3), "stages": stages}, indent=1))


if __name__ == "__main__":
    main()
