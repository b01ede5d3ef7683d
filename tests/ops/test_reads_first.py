"""Reads first: writes give way to read transactions in flight, within a budget per write."""

import asyncio

import httpx
import pytest
from sqlalchemy import text

from app.kit.reads_first import ReadsFirst
from app.main import create_app
from tests import payloads
from tests.conftest import bearer


async def _parked(gate: ReadsFirst) -> None:
    """Wait until a writer is parked at the gate; fail the test if none is within 10 s."""
    for _ in range(2000):
        if gate.waiting:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("no writer gave way")


async def test_a_writer_waits_until_the_last_reader_leaves():
    gate = ReadsFirst(budget_s=60)
    gate.enter()
    gate.enter()
    writer = asyncio.create_task(gate.give_way(0.0))
    await _parked(gate)
    gate.leave()
    await asyncio.sleep(0.01)
    assert not writer.done()  # one reader is still in
    gate.leave()
    assert await asyncio.wait_for(writer, 10) < 60
    assert gate.readers == 0
    assert gate.waiting == 0


async def test_a_writer_waits_no_longer_than_what_is_left_of_its_budget():
    gate = ReadsFirst(budget_s=0.05)
    gate.enter()  # and never leaves
    waited = await asyncio.wait_for(gate.give_way(0.0), 10)
    assert waited >= 0.05
    assert await gate.give_way(spent_s=0.05) == 0.0  # the budget is spent: no more waiting
    assert await gate.give_way(spent_s=0.03) >= 0.02


async def test_without_readers_a_writer_goes_on():
    gate = ReadsFirst(budget_s=60)
    assert await gate.give_way(0.0) == 0.0
    gate.leave()  # an extra leave cannot make the count negative and block writers
    assert gate.readers == 0
    assert await gate.give_way(0.0) == 0.0


async def test_a_post_gives_way_to_an_open_read_transaction(app, client, make_key):
    gate = app.state.reads_first
    gate.budget_s = 60  # so that only the reader's end lets the write go on
    key = await make_key("DE")
    async with app.state.read_sessionmaker() as reader:
        await reader.execute(text("SELECT 1"))  # a read transaction is in flight
        assert gate.readers == 1
        post = asyncio.create_task(
            client.post("/v1/notifications", json=payloads.notification(), headers=bearer(key))
        )
        await _parked(gate)
        assert not post.done()
        await reader.commit()
    assert (await asyncio.wait_for(post, 30)).status_code == 201
    assert gate.readers == 0


async def test_requests_alone_do_not_wait_and_leave_no_reader_behind(app, client, make_key):
    gate = app.state.reads_first
    key = await make_key("DE")
    created = await client.post(
        "/v1/notifications", json=payloads.notification(), headers=bearer(key)
    )
    assert created.status_code == 201
    assert (await client.get("/v1/alerts", headers=bearer(key))).status_code == 200
    long_poll = asyncio.create_task(client.get("/v1/alerts?wait=2", headers=bearer(key)))
    await asyncio.sleep(0.3)
    open_reads = []
    for _ in range(10):
        open_reads.append(gate.readers)
        await asyncio.sleep(0.1)
    assert open_reads.count(0) >= 8  # a long poll holds no read transaction while it waits
    assert (await long_poll).status_code == 200
    assert (await client.get("/v1/notifications", headers=bearer(key))).status_code == 200
    assert gate.readers == 0
    assert gate.waited_s == 0.0  # the write did not count itself, nor the reads before it
    async with app.state.read_sessionmaker() as reader:
        await reader.execute(text("SELECT 1"))
    assert gate.readers == 0  # closed without a commit: rolled back, counted out


async def test_a_write_waits_at_most_its_budget(app, client, make_key, settings):
    gate = app.state.reads_first
    key = await make_key("DE")
    async with app.state.read_sessionmaker() as reader:
        await reader.execute(text("SELECT 1"))  # held open for the whole write
        created = await asyncio.wait_for(
            client.post("/v1/notifications", json=payloads.notification(), headers=bearer(key)),
            30,
        )
        assert created.status_code == 201
        budget = settings.reads_first_ms / 1000
        assert budget <= gate.waited_s < budget * 3 + 1
        await reader.rollback()
    metrics = (await client.get("/metrics")).text
    (line,) = [x for x in metrics.splitlines() if x.startswith("writes_gave_way_seconds_total ")]
    assert float(line.split()[1]) == pytest.approx(gate.waited_s)


async def test_reads_on_postgresql_run_outside_a_transaction(app):
    if not app.state.settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite reads begin DEFERRED: a transaction that takes no lock")
    async with app.state.read_sessionmaker() as reader:
        first = (await reader.execute(text("SELECT statement_timestamp(), now()"))).one()
        await asyncio.sleep(0.01)
        second = (await reader.execute(text("SELECT statement_timestamp(), now()"))).one()
    # now() is the start of the transaction: it moves only if each statement is its own.
    assert second[1] > first[1]


async def test_zero_turns_reads_first_off(app, settings, clock, make_key):
    key = await make_key("DE")  # in the shared database, for the second app too
    off = create_app(settings.model_copy(update={"reads_first_ms": 0}), clock)
    async with off.router.lifespan_context(off):
        assert off.state.reads_first is None
        transport = httpx.ASGITransport(app=off)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://test") as client,
            off.state.read_sessionmaker() as reader,
        ):
            await reader.execute(text("SELECT 1"))  # would park a write if the gate were on
            created = await client.post(
                "/v1/notifications", json=payloads.notification(), headers=bearer(key)
            )
            assert created.status_code == 201
            await reader.rollback()
