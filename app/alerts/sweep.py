"""The sweep: evaluate the time-based rules for one `as_of` date, one sweep at a time.

Only one sweep runs at a time, across every server process sharing the database, and that is
guaranteed by the database alone:

- PostgreSQL: the sweep's transaction first takes ``pg_try_advisory_xact_lock(SWEEP_LOCK)``. A
  sweep that does not get it skips (another one is running) and raises nothing. The lock is released
  by the commit or rollback that ends the transaction, also when the process dies.
- SQLite: every transaction starts with ``BEGIN IMMEDIATE`` (see `app.db.create_engine`), which
  takes the database's single write lock, so sweeps (and all writers) already run one after
  another; a sweep that still waits for the lock after the busy timeout skips.

The sweep takes no key locks: it writes only the alerts of its own rules, keyed by one
notification each. It reads each page of candidates under a share lock on their rows, which a
reply or an arrival takes for update first (`app.notifications.locks.lock_stored`): a reply either
came before the sweep read the notification (nothing is raised) or waits for the sweep's commit
and then closes what it raised as `cleared`.

Either way, the alerts themselves never get twins (fingerprint rows, `app.alerts.service`), and a
notification that already has an alert of a sweep rule is no candidate again, so a sweep that runs
right after another finds nothing new.

The sweep runs in one transaction; candidates are read and alerts written in pages of
`runners.sweep.PAGE` notifications, with the session cleared after each, so memory stays flat. The
commit goes through `app.db.commit`, which numbers the alert changes for the feed.
"""

import asyncio
import time
from datetime import date, datetime
from functools import partial

import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.alerts import engine, feed, service
from app.alerts.runners import sweep as sweep_runners
from app.alerts.runners.base import Event
from app.db import unit_of_work
from app.ingest import kept
from app.kit.clock import Clock
from app.kit.retry import retrying
from app.kit.sql import is_postgresql
from app.observability import Metrics

# Key of the transaction-scoped advisory lock ("PASW": Precursor Alerts SWeep). No other lock in
# the application uses advisory locks; keep this number unique if one ever does.
SWEEP_LOCK = 0x50415357

log = structlog.get_logger("sweep")


async def _lock(session: AsyncSession) -> bool:
    """Take the sweep lock for the session's transaction; False when another sweep holds it."""
    if is_postgresql(session):
        return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(SWEEP_LOCK))))
    try:
        await session.execute(select(1))  # BEGIN IMMEDIATE: waits for the write lock
    except OperationalError as exc:
        if "locked" in str(exc):
            return False
        raise
    return True


async def _flush_and_clear(session: AsyncSession) -> None:
    """Write the page out and forget its objects and what was kept of them, so a sweep's memory
    does not grow."""
    await session.flush()
    session.expunge_all()
    kept.forget(session)
    feed.take_raised(session)  # the sweep reports a count, not the list


async def try_sweep(
    sessionmaker: async_sessionmaker[AsyncSession], as_of: date, now: datetime
) -> int | None:
    """Run the sweep rules for `as_of`; return how many alerts were raised or updated, or None
    when another sweep holds the lock and this one was skipped. Run again, whole, when the
    database asks for it (`app.kit.retry`)."""
    return await retrying(partial(_try_sweep, sessionmaker, as_of, now))


async def _try_sweep(
    sessionmaker: async_sessionmaker[AsyncSession], as_of: date, now: datetime
) -> int | None:
    async with unit_of_work(sessionmaker) as session:
        if not await _lock(session):
            await session.rollback()
            log.info("sweep skipped", reason="another sweep is running", as_of=str(as_of))
            return None
        count = await _sweep(session, as_of, now)
    return count


async def _sweep(session: AsyncSession, as_of: date, now: datetime) -> int:
    current = await engine.settings(session)
    event = Event("sweep", as_of=as_of)
    count = 0
    for code, registration in engine.REGISTRY.items():
        enabled, mode, params = current[code]
        if not enabled or "sweep" not in registration.triggers:
            continue
        modes = {code: mode}
        if code in sweep_runners.RULES:
            pages = sweep_runners.firing_pages(session, code, as_of, params)
            async for firings in pages:
                count += len(await service.apply(session, firings, modes, now))
                await _flush_and_clear(session)
        else:  # a rule of another runner that also listens to the sweep
            firings = await registration.run(session, event, params)
            count += len(await service.apply(session, firings, modes, now))
            await _flush_and_clear(session)
    return count


async def run_sweep(
    sessionmaker: async_sessionmaker[AsyncSession], as_of: date, now: datetime
) -> int:
    """Run the sweep for `as_of`; return how many alerts it raised or updated (0 when skipped
    because another sweep is running)."""
    return await try_sweep(sessionmaker, as_of, now) or 0


async def sweep_forever(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    interval: float,
    metrics: Metrics,
) -> None:
    """Sweep every `interval` seconds (first after one interval) until cancelled.

    `as_of` is the clock's date; every process of a deployment runs this loop and the database lock
    lets one sweep at a time through. A failed sweep is logged and retried at the next interval.
    """
    while True:
        await asyncio.sleep(interval)
        started, as_of = time.perf_counter(), clock.today()
        try:
            raised = await try_sweep(sessionmaker, as_of, clock.now())
        except Exception as exc:  # keep sweeping: the next run may well succeed
            metrics.sweeps.labels("failed").inc()
            log.error("sweep failed", error=repr(exc))
            continue
        if raised is None:
            metrics.sweeps.labels("skipped").inc()
            continue
        metrics.sweeps.labels("ran").inc()
        metrics.sweep_seconds.observe(time.perf_counter() - started)
        if raised:
            log.info("sweep", raised_or_updated=raised, as_of=str(as_of))
