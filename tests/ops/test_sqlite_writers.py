"""SQLite: reads never wait for the writer, and concurrent writers all get their turn."""

import asyncio

import pytest
from sqlalchemy import text

from tests import payloads
from tests.conftest import bearer


@pytest.fixture
def sqlite_only(app: object) -> None:
    if not app.state.settings.database_url.startswith("sqlite"):  # type: ignore[attr-defined]
        pytest.skip("SQLite's single write lock; PostgreSQL writers do not queue on one lock")


async def test_reads_go_on_while_a_writer_holds_the_lock(sqlite_only, app, client, make_key):
    key = await make_key("DE")
    async with app.state.sessionmaker() as writer:
        await writer.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is held
        # Before reads began DEFERRED, this waited for the lock until the busy timeout (500).
        feed = await asyncio.wait_for(client.get("/v1/alerts", headers=bearer(key)), 10)
        listing = await asyncio.wait_for(client.get("/v1/notifications", headers=bearer(key)), 10)
        await writer.rollback()
    assert feed.status_code == 200
    assert listing.status_code == 200


async def test_concurrent_writers_are_all_stored(sqlite_only, app, client, make_key):
    key = await make_key("DE")
    bodies = [payloads.notification(f"DE-2026-{n:06d}") for n in range(8)]
    batches = [{"items": bodies[i : i + 2]} for i in range(0, 8, 2)]
    answers = await asyncio.gather(
        *(client.post("/v1/notifications/batch", json=b, headers=bearer(key)) for b in batches),
        *(
            client.post("/v1/notifications", json=payloads.notification(f"DE-2026-1{n:05d}"),
                        headers=bearer(key))
            for n in range(4)
        ),
    )  # fmt: skip
    assert [a.status_code for a in answers] == [200] * 4 + [201] * 4
    assert all(r["status"] == 201 for a in answers[:4] for r in a.json()["results"])
    listed = await client.get("/v1/notifications", params={"limit": 50}, headers=bearer(key))
    assert len(listed.json()["items"]) == 12
    assert app.state.write_gate is not None and not app.state.write_gate.locked()
