"""The cyclic garbage collector is paused while a set is written (app.kit.collector)."""

import asyncio
import gc
from typing import Any

from app.ingest import pipeline
from app.kit import collector


def test_paused_blocks_share_one_pause_and_restore_the_collector() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still writes
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_overlapping_sets_keep_it_paused_until_the_last_ends() -> None:
    first_in, second_done = asyncio.Event(), asyncio.Event()
    seen: list[bool] = []

    async def first() -> None:
        with collector.paused():
            first_in.set()
            await second_done.wait()
            seen.append(gc.isenabled())

    async def second() -> None:
        await first_in.wait()
        with collector.paused():
            pass
        seen.append(gc.isenabled())  # the first set is still being written
        second_done.set()

    await asyncio.gather(first(), second())
    assert seen == [False, False]
    assert gc.isenabled()


async def test_a_set_is_written_with_the_collector_paused(app: Any) -> None:
    seen: list[bool] = []

    async def write(_session: Any) -> None:
        seen.append(gc.isenabled())

    async with app.state.sessionmaker() as session:
        await pipeline.write_set(session, [pipeline.draft((), write) for _ in range(3)])
        await pipeline.write_one(session, pipeline.draft((), write))
        await session.rollback()
    assert seen == [False, False, False, True]  # a set of one is not worth the pause
    assert gc.isenabled()
