"""The maintained ALR totals agree with the notifications they count, through the HTTP API."""

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from app import migrate
from app.alerts.models import AlrCounted, AlrTotal
from app.alerts.rules.alr_exceeded import EVIDENCE_LINES
from app.config import Settings
from app.db import is_sqlite
from tests.alerts.api import notify, of_rule, post, put_alr

RULE = "ALR_EXCEEDED"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A pool large enough for the concurrent requests below to hold a connection each."""
    return settings.model_copy(update={"db_pool_size": 10})


@pytest.fixture
async def keys(make_key):
    out = {c: await make_key(c) for c in ("DE", "IN", "NG")}
    out["admin"] = await make_key("CH", roles="admin,viewer,investigator")
    return out


async def _notify(client, key, ref, kg, substance="ephedrine", **over):
    items = [{"substance": substance, "quantity": kg, "unit": "kg"}]
    return await notify(client, key, ref, items=items, **over)


def _of(record):
    return of_rule(record, RULE)


async def _totals(app: Any) -> dict[tuple[str, str, int, str], tuple[int, int]]:
    async with app.state.sessionmaker() as session:
        rows = (await session.scalars(select(AlrTotal))).all()
    return {
        (r.country, r.substance_code, r.year, r.exporting_country): (r.base_mg, r.notifications)
        for r in rows
    }


async def test_creation_objection_and_withdrawal_move_the_totals(app, client, keys):
    a = await _notify(client, keys["DE"], "DE-1", 300)
    b = await _notify(client, keys["DE"], "DE-2", 200)
    await _notify(client, keys["IN"], "IN-1", 100)
    await _notify(client, keys["DE"], "DE-3", 50, substance="acetic anhydride")  # not tracked
    assert await _totals(app) == {
        ("NG", "ephedrine", 2026, "DE"): (500_000_000, 2),
        ("NG", "ephedrine", 2026, "IN"): (100_000_000, 1),
    }
    await post(client, keys["NG"], f"/v1/notifications/{a['id']}/reply", {"decision": "objection"})
    await post(client, keys["DE"], f"/v1/notifications/{a['id']}/withdraw", {})  # counted once
    await post(
        client, keys["NG"], f"/v1/notifications/{b['id']}/reply", {"decision": "no_objection"}
    )
    assert (await _totals(app))[("NG", "ephedrine", 2026, "DE")] == (200_000_000, 1)
    await post(client, keys["DE"], f"/v1/notifications/{b['id']}/withdraw", {})
    await post(client, keys["DE"], f"/v1/notifications/{b['id']}/withdraw", {})  # a retry
    assert (await _totals(app))[("NG", "ephedrine", 2026, "DE")] == (0, 0)
    put = await put_alr(client, keys["NG"], "NG/ephedrine/2026", 99)
    [alert] = _of(put)
    assert "100 kg base notified in 1 notifications" in alert["summary"]
    assert "DE" not in alert["countries"]  # its notifications no longer count


async def test_a_notification_of_several_tracked_substances_counts_each(app, client, keys):
    """Its substances' totals are incremented together (one statement, in key order), each
    its own row, and an objection takes each out again."""
    items = [
        {"substance": "ephedrine", "quantity": 300, "unit": "kg"},
        {"substance": "pseudoephedrine", "quantity": 40, "unit": "kg"},
        {"substance": "ephedrine", "quantity": 100, "unit": "kg"},
    ]
    first = await notify(client, keys["DE"], "DE-MIX-1", items=items)
    await notify(client, keys["DE"], "DE-MIX-2", items=items[1:2])
    assert await _totals(app) == {
        ("NG", "ephedrine", 2026, "DE"): (400_000_000, 1),
        ("NG", "pseudoephedrine", 2026, "DE"): (80_000_000, 2),
    }
    objection = {"decision": "objection"}
    await post(client, keys["NG"], f"/v1/notifications/{first['id']}/reply", objection)
    assert await _totals(app) == {
        ("NG", "ephedrine", 2026, "DE"): (0, 0),
        ("NG", "pseudoephedrine", 2026, "DE"): (40_000_000, 1),
    }


async def test_the_alert_after_a_withdrawal_counts_what_is_left(client, keys):
    await put_alr(client, keys["NG"], "NG/ephedrine/2026", 500)
    first = await _notify(client, keys["DE"], "DE-1", 400)
    second = await _notify(client, keys["IN"], "IN-1", 400)
    [alert] = _of(second)
    assert "800 kg base notified in 2 notifications" in alert["summary"]
    await post(client, keys["DE"], f"/v1/notifications/{first['id']}/withdraw", {})
    third = await _notify(client, keys["IN"], "IN-2", 150)
    [again] = _of(third)
    assert again["id"] == alert["id"]
    assert "550 kg base notified in 2 notifications" in again["summary"]


async def test_a_year_of_many_notifications_lists_the_largest(client, keys):
    await put_alr(client, keys["NG"], "NG/ephedrine/2026", 1)
    sizes = list(range(1, EVIDENCE_LINES + 6))
    last = None
    for kg in sizes:
        last = await _notify(client, keys["DE"], f"DE-{kg}", kg)
    [alert] = _of(last)
    total = sum(sizes)
    assert f"{total} kg base notified in {len(sizes)} notifications" in alert["summary"]
    lines = [e for e in alert["evidence"] if e["feature"] == "notification"]
    assert [e["weight"] for e in lines] == sorted(sizes, reverse=True)[:EVIDENCE_LINES]
    [rest] = [e for e in alert["evidence"] if e["feature"] == "other_notifications"]
    left = sorted(sizes)[: len(sizes) - EVIDENCE_LINES]
    assert rest["detail"] == f"{len(left)} more notifications: {sum(left)} kg"


async def test_concurrent_creations_lose_no_update(app, client, keys, database_url):
    if is_sqlite(database_url):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no concurrent transactions")
    await put_alr(client, keys["NG"], "NG/ephedrine/2026", 1)
    sizes = [10 + i for i in range(8)]
    made = await asyncio.gather(
        *(
            _notify(client, keys["DE" if i % 2 else "IN"], f"R-{i}", kg)
            for i, kg in enumerate(sizes)
        )
    )
    assert len({n["id"] for n in made}) == len(sizes)
    totals = await _totals(app)
    assert sum(mg for mg, _ in totals.values()) == sum(sizes) * 1_000_000
    assert sum(n for _, n in totals.values()) == len(sizes)
    async with app.state.sessionmaker() as session:
        assert len((await session.scalars(select(AlrCounted))).all()) == len(sizes)
    put = await put_alr(client, keys["NG"], "NG/ephedrine/2026", 2)
    [alert] = _of(put)
    assert f"{sum(sizes)} kg base notified in {len(sizes)} notifications" in alert["summary"]


async def test_the_migration_backfills_the_totals(app, client, keys, database_url):
    a = await _notify(client, keys["DE"], "DE-1", 300)
    await _notify(client, keys["DE"], "DE-2", 200)
    await _notify(client, keys["IN"], "IN-1", 100, substance="pseudoephedrine")
    await post(client, keys["NG"], f"/v1/notifications/{a['id']}/reply", {"decision": "objection"})
    live = await _totals(app)
    await asyncio.to_thread(migrate.downgrade, database_url, "0005")
    await asyncio.to_thread(migrate.upgrade, database_url)
    assert live == {
        ("NG", "ephedrine", 2026, "DE"): (200_000_000, 1),
        ("NG", "pseudoephedrine", 2026, "IN"): (100_000_000, 1),
    }
    assert await _totals(app) == live
